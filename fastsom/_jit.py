"""Every numba option fastsom uses, in one place.

Kernels import the decorators from here, never from numba directly, so a
change of policy (caching, fastmath, parallelism) is one edit.

* ``cache=True`` everywhere: the first call of a kernel costs a compile of
  about a second per specialisation; later processes load it from
  ``__pycache__`` in milliseconds.
* ``FASTMATH_FLAGS`` is the only fastmath we allow, and only on the fast
  path. ``fastmath=True`` would add ``nnan``/``ninf``, which lets LLVM delete
  NaN checks; the strict path (the tutorial's "article mode", which must
  equal ``reference/``) gets no fastmath at all, because contraction into
  FMA and reassociation change the rounding of every update.
* Kernels that are compiled in both flavours keep their body in an
  ``inline="always"`` function and have two thin entry points. Numba's cache
  key does not include the fastmath flags, so compiling one Python function
  twice with different flags would let one flavour load the other's cached
  machine code; two distinct entry points have two distinct cache entries,
  and numba-IR inlining makes the body take the caller's flags.
"""

from numba import njit, prange  # noqa: F401  (prange re-exported for kernels)

FASTMATH_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: Exact IEEE semantics: the tutorial's arithmetic, operation for operation.
strict_jit = njit(cache=True, nogil=True, fastmath=False)

#: Reassociation and contraction allowed (vectorised reductions, FMA).
fast_jit = njit(cache=True, nogil=True, fastmath=FASTMATH_FLAGS)

#: Parallel kernels over explicit chunks with private buffers.
parallel_jit = njit(cache=True, nogil=True, parallel=True, fastmath=FASTMATH_FLAGS)

#: Small helpers whose body should take the flags of the kernel that calls them.
inline_jit = njit(inline="always")
