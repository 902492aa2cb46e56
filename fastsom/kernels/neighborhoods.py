"""Neighbourhood functions of (squared grid distance, sigma), for kernels.

Kernels receive the neighbourhood as an integer code and branch on it per
unit. Two alternatives were measured and rejected:

* passing the njit functions themselves as arguments (the textbook numba
  pattern) defeats ``cache=True``: a dispatcher-typed argument misses the
  cache in every new process and writes a new cache file each time;
* making the code a compile-time constant with ``numba.literally`` costs a
  failed type inference of the whole kernel on *every* call (0.2-0.3 s).

The branch is on a loop-invariant value, so it is perfectly predicted; its
cost is nothing next to the ``exp`` beside it. The names users see live in
:mod:`fastsom.options`.
"""

import math

from .._jit import inline_jit

GAUSSIAN = 0
GAUSSIAN_CUTOFF = 1
BUBBLE = 2
TRIANGLE = 3
MEXICAN_HAT = 4


@inline_jit
def neighborhood(kind, d2, sigma):
    """Influence of a unit at squared grid distance d2 from the BMU."""
    s2 = sigma * sigma
    if kind == GAUSSIAN:
        return math.exp(-d2 / (2.0 * s2))
    if kind == GAUSSIAN_CUTOFF:
        # The tutorial, step 4: update only where d^2 <= r^2.
        if d2 <= s2:
            return math.exp(-d2 / (2.0 * s2))
        return 0.0
    if kind == BUBBLE:
        return 1.0 if d2 <= s2 else 0.0
    # Triangle and mexican hat vanish at d == sigma; under the fastmath flags
    # (arcp: x / s taken as x * (1 / s)) 1 - d / sigma came out 5.6e-17 there
    # (d = sigma = 3, in the batch smoothing), so a unit on the edge moved
    # while the reference's exact 0 kept it. Compared, so the 0 is exact.
    if kind == TRIANGLE:
        d = math.sqrt(d2)
        return max(0.0, 1.0 - d / sigma) if d < sigma else 0.0
    if kind == MEXICAN_HAT:
        if d2 == s2:
            return 0.0
        return (1.0 - d2 / s2) * math.exp(-d2 / (2.0 * s2))
    return 0.0
