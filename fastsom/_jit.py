"""Every numba option fastsom uses, in one place.

Kernels import the decorators from here, never from numba directly, so a
change of policy (caching, fastmath, parallelism) is one edit.

Where compiled code is cached
-----------------------------
Numba's default, for ``cache=True``, is a ``__pycache__`` folder beside the
source file. For an installed package that is ``site-packages/fastsom/``,
and pip's uninstall does not remove files it did not install: the folder
stays behind and shadows a later editable install as an empty namespace
package (issue 9, item 1). So an installed package must never write into its
own folder, and fastsom's kernels are cached in :data:`CACHE_DIR`:

* ``$NUMBA_CACHE_DIR/fastsom-<digest>`` when the user set ``NUMBA_CACHE_DIR``
  (or ``cache_dir`` in ``.numba_config.yaml``): their choice is honoured;
* otherwise ``<user cache>/fastsom/numba-<digest>``, the user cache being
  ``$XDG_CACHE_HOME`` or ``~/.cache`` (``~/Library/Caches`` on macOS,
  ``%LOCALAPPDATA%`` on Windows).

Either folder can be deleted at any time; the kernels then compile again
once. If it cannot be created or written, fastsom compiles in every process
rather than fall back to numba's next choice, which is the package folder.

Numba chooses a function's cache folder once, when the decorator enables
caching, from ``numba.config.CACHE_DIR`` (``UserProvidedCacheLocator``).
:func:`_kernel_jit` sets that value only for the moment it decorates a
fastsom kernel, so the numba caches of other libraries and of the user's own
code stay where numba would put them. A second process loads the kernels:
numba's ``dispatcher.stats.cache_hits`` counts one hit per kernel and no
miss (``tests/test_jit_policy.py``).

Stale machine code
------------------
Numba keys a cached function on its own source file only. Kernels inline
helpers from other files (``kernels/grid.py``, ``kernels/distances.py``), so
after an edit to a helper, a kernel in ``kernels/sweep.py`` would load its
old machine code. ``<digest>`` is a hash of every file that holds jitted
code (this module and ``fastsom/kernels/``), plus the numba settings that
change the machine code without entering numba's own key (bounds checking
and the optimisation level): any such change compiles into a fresh folder,
while an unchanged install reuses its cache. Hashing the ~60 kB of sources
and checking the folder cost about 0.3 ms; importing this module takes
1.4 ms instead of 0.15 ms (medians of 15 fresh processes).
Folders of superseded digests are not pruned: two installs with different
sources may share the user cache, and each would delete the other's.

Parallel kernels are cached too
-------------------------------
Measured with numba 0.68.1 on this 2-core machine (shared with other jobs,
so noisy): a ``parallel=True`` kernel with ``cache=True`` loads from the
cache in a new process (one hit and no miss for each of the five parallel
kernels that a small online fit, the queries and two batch fits touch). The
first predict + quantization + topographic error of a 4x5 map take 4.3 s
when they compile and 0.03 s when they load; a first 3-epoch batch fit 9.8 s
against 0.07 s. It is safe: the cached object code reaches numba's threading
layer through symbols bound when it is loaded, to the layer this process
launched, so code compiled under one thread count and layer and loaded under
another gives the same bits (compiled under ``workqueue`` with 2 threads, loaded under ``omp``
with 1 and with 2: identical maps; ``tests/test_jit_policy.py`` checks 2
threads then 1).

Serial twins
------------
Every ``parallel_jit`` kernel is compiled a second time without
``parallel`` (``prange`` then runs as ``range``), from a copy of the
function named ``<name>_serial`` so that its cache files are its own: a
forked child, ``n_jobs=1`` and a thread that must not enter numba's layer
run the twin (the policy is in :mod:`fastsom._threads`). The twins are
cached like the rest and add no compile time to a process that never calls
them.

Turning caching off
-------------------
``FASTSOM_NO_CACHE=1`` (any value but empty or ``0``) compiles every kernel
in every process and writes nothing: for read-only homes, many short-lived
processes on a shared file system, or to rule the cache out when debugging.
It is read once, at import.

Fastmath
--------
``FASTMATH_FLAGS`` is the only fastmath we allow, and only on the fast path.
``fastmath=True`` would add ``nnan``/``ninf``, which lets LLVM delete NaN
checks; the strict path (the tutorial's "article mode", which must equal
``reference/``) gets no fastmath at all, because contraction into FMA and
reassociation change the rounding of every update.

Kernels that are compiled in both flavours keep their body in an
``inline="always"`` function and have two thin entry points. Numba's cache
key does not include the fastmath flags, so compiling one Python function
twice with different flags would let one flavour load the other's cached
machine code; two distinct entry points have two distinct cache entries, and
numba-IR inlining makes the body take the caller's flags.
"""

import contextlib
import hashlib
import os
import sys
import types
from pathlib import Path

from numba import config, njit, prange  # noqa: F401  (prange re-exported for kernels)
from numba.core.caching import FunctionCache

from ._threads import ThreadedKernel

FASTMATH_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}

#: Environment variable that turns fastsom's on-disk kernel cache off.
NO_CACHE_ENV = "FASTSOM_NO_CACHE"

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def kernel_digest():
    """Hash of everything that shapes fastsom's machine code, 16 hex digits.

    The files holding jitted code (this module and every ``.py`` under
    ``fastsom/kernels/``, names and contents) and numba's bounds-checking and
    optimisation settings, which numba's own cache key leaves out.

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    # os.walk, not Path.rglob: a third of the cost at import.
    sources = ["_jit.py"]
    for folder, _, names in os.walk(os.path.join(_PACKAGE, "kernels")):
        relative = os.path.relpath(folder, _PACKAGE)
        sources += [os.path.join(relative, name) for name in names if name.endswith(".py")]
    for name in sorted(sources):
        digest.update(Path(name).as_posix().encode() + b"\0")
        with open(os.path.join(_PACKAGE, name), "rb") as f:
            digest.update(f.read())
    digest.update(f"boundscheck={config.BOUNDSCHECK!r} opt={config.OPT!r}".encode())
    return digest.hexdigest()[:16]


def _user_cache_home():
    """The platform's per-user cache folder (XDG base directories on Linux)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) if base else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore a relative path.
    return Path(base) if os.path.isabs(base) else Path.home() / ".cache"


def _resolve_cache_dir():
    """Folder for fastsom's compiled kernels, or None when caching is off or impossible."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    if config.CACHE_DIR:
        folder = Path(config.CACHE_DIR) / f"fastsom-{kernel_digest()}"
    else:
        folder = _user_cache_home() / "fastsom" / f"numba-{kernel_digest()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    # Unwritable: numba would fall back to the package folder; compile instead.
    return folder if os.access(folder, os.W_OK) else None


#: Where fastsom's kernels are cached this process; None: not cached.
CACHE_DIR = _resolve_cache_dir()


def _kernel_jit(**options):
    """``njit`` with fastsom's cache policy: cached in :data:`CACHE_DIR`, or not at all."""
    if CACHE_DIR is None:
        return njit(cache=False, **options)
    decorate = njit(cache=True, **options)

    def cached(func):
        # The locator reads config.CACHE_DIR when the decorator enables
        # caching, and keeps the path; restoring the value right after leaves
        # numba's setting as the user had it for everyone else.
        saved = config.CACHE_DIR
        config.CACHE_DIR = str(CACHE_DIR)
        try:
            dispatcher = decorate(func)
            # numba's Dispatcher keeps its cache in ``_cache`` (numba 0.59-0.68);
            # the same FunctionCache, repairing itself (see _RepairingCache).
            dispatcher._cache = _RepairingCache(dispatcher.py_func)
            return dispatcher
        finally:
            config.CACHE_DIR = saved

    return cached


class _RepairingCache(FunctionCache):
    """numba's cache, reading a damaged cache file as a miss and removing it.

    A truncated or corrupted index or object file (a full disk, a killed
    process, a copy gone wrong) made numba raise an UnpicklingError in every
    later process until the folder was deleted by hand (issue 10, item 19).
    numba routes every load and save through this guard; here any failure
    to read the cache drops the function's index, so numba compiles afresh
    and the next save writes a sound one. The cache only saves time: losing
    an entry is always safe.
    """

    @contextlib.contextmanager
    def _guard_against_spurious_io_errors(self):
        try:
            with super()._guard_against_spurious_io_errors():
                yield
        except Exception:  # whatever a damaged file makes pickle or numba raise
            with contextlib.suppress(OSError):
                os.unlink(self._cache_file._index_path)


#: Exact IEEE semantics: the tutorial's arithmetic, operation for operation.
strict_jit = _kernel_jit(nogil=True, fastmath=False)

#: Reassociation and contraction allowed (vectorised reductions, FMA).
fast_jit = _kernel_jit(nogil=True, fastmath=FASTMATH_FLAGS)

_parallel_entry = _kernel_jit(nogil=True, parallel=True, fastmath=FASTMATH_FLAGS)
_parallel_entry_ordered = _kernel_jit(nogil=True, parallel=True, fastmath=FASTMATH_FLAGS - {"reassoc"})
_fast_ordered_jit = _kernel_jit(nogil=True, fastmath=FASTMATH_FLAGS - {"reassoc"})


def _serial_twin(func):
    """A copy of ``func`` named ``<name>_serial``: numba caches it in files of its own.

    numba names a function's cache files after its qualified name and line,
    and its key leaves out the ``parallel`` flag: compiled from ``func``
    itself, the serial twin would load the parallel machine code.
    """
    twin = types.FunctionType(func.__code__, func.__globals__, f"{func.__name__}_serial", func.__defaults__,
                              func.__closure__)
    twin.__qualname__ = f"{func.__qualname__}_serial"
    twin.__module__ = func.__module__
    twin.__doc__ = func.__doc__
    return twin


def parallel_jit(func=None, *, reassociate=True):
    """Parallel kernels over explicit chunks with private buffers, and their serial twins.

    Returns a :class:`fastsom._threads.ThreadedKernel`: each call runs the
    parallel entry point or the serial twin (``prange`` as ``range``) as
    fastsom's threading policy allows (see :mod:`fastsom._threads`: n_jobs,
    fork, thread-safety of numba's layer). The two must give the same bits;
    ``tests/test_threads.py`` compares them kernel by kernel.

    ``reassociate=False`` drops ``reassoc`` from both. With it, LLVM
    reordered the smoothing's sums across lattice rows differently in the
    serial twin than in the parallel loop body (last-bit differences on a
    6x7 hexagonal torus at sigma 1.87; without ``reassoc`` the two agree).
    Loops whose vectorisation needs no reassociation (elementwise over
    columns, like the smoothing's) lose nothing by it.
    """
    if func is None:
        return lambda func: parallel_jit(func, reassociate=reassociate)
    if reassociate:
        return ThreadedKernel(_parallel_entry(func), fast_jit(_serial_twin(func)))
    return ThreadedKernel(_parallel_entry_ordered(func), _fast_ordered_jit(_serial_twin(func)))


#: Small helpers whose body should take the flags of the kernel that calls them.
inline_jit = njit(inline="always")
