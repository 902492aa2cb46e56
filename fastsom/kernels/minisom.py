"""MiniSom's arithmetic, operation for operation, for :mod:`fastsom.compat`.

``fastsom.compat.MiniSom`` promises MiniSom's maps, not maps like them, so
these kernels repeat MiniSom 2.3's floating-point operations in its order
(all compiled without fastmath: no reassociation, no FMA contraction):

* **Activation distances.** MiniSom reduces along the feature axis with
  NumPy's ``add.reduce``, which sums contiguous runs *pairwise*: runs of at
  most 128 values with eight interleaved partial sums, longer runs split in
  two halves whose lengths are multiples of eight. :func:`row_sums` sums in
  that order, driven by an :class:`Order` (``fastsom.compat.plan.pairwise_order``),
  the leaves and a postfix list of their additions, computed once per
  feature count, so the kernels need no recursion; the leaves' eight-lane
  sums are vector code (:mod:`fastsom.kernels.lanes`). Euclidean is
  ``sqrt`` of the pairwise sum of squares, and units are ranked by that
  square root (two sums that round to the same root are a tie, as for
  MiniSom). Cosine is ``1 - w.x / (|w| |x| + 1e-8)`` with ``|x|`` given (NumPy
  takes it with BLAS's ``dot``); chebyshev is MiniSom's ``max(x - w)``,
  signed.
* **Winner.** ``argmin`` of the activation map: the first unit (row-major)
  at the smallest value, a strict ``<`` scan.
* **Neighbourhood factors.** ``g = h(unit) * eta`` with ``h`` MiniSom's:
  the gaussian as the product of one exponential per axis, looked up in
  tables that NumPy filled (its ``exp`` and glibc's differ in the last bit
  for about 5% of arguments on this machine, and a mexican hat that pushes
  units away amplifies such a difference until the maps have nothing in
  common); the mexican hat from a table of its exponential at every
  distinct squared distance; bubble and triangle from the unit's integer
  indices, as MiniSom computes them.
* **Update.** ``w + g * (x - w)``, rounded after each operation. A unit
  whose update provably rounds back to every one of its weights is not
  touched (:func:`update_mode`): with MiniSom's default sigma of 1, most
  units far from the winner get factors below 1e-20, and skipping them
  leaves the same bits (at most a zero's sign differs) while sparing the
  update's arithmetic and memory writes.

The geometry comes as a :class:`Lattice`, the per-iteration values as a
:class:`Steps` (both namedtuples of arrays, see ``fastsom.compat``).
"""

import math
from typing import NamedTuple

import numpy as np

from .._jit import inline_jit, strict_jit
from . import lanes
from .lanes import WIDTH

GAUSSIAN = 0
MEXICAN_HAT = 1
BUBBLE = 2
TRIANGLE = 3

EUCLIDEAN = 0
COSINE = 1
MANHATTAN = 2
CHEBYSHEV = 3

#: The longest run NumPy sums directly (its PW_BLOCKSIZE); longer runs are split.
BLOCK = 128

#: MiniSom's guard against a zero norm in the cosine distance.
COSINE_EPSILON = 1e-8


class Lattice(NamedTuple):
    """Where unit u sits, in the forms MiniSom's neighbourhoods read (made by ``fastsom.compat``).

    ``index`` (n_units, 2) int64: its (i, j), u = i * y + j. ``coords``
    (n_units, 2) float64: its MiniSom euclidean coordinates (``_xx.T``,
    ``_yy.T``). ``position`` (n_units, 2) int64: the index of each
    coordinate among that axis's distinct values. ``difference`` (2, P, P)
    int64: for each axis, the index of ``value[p] - value[q]`` among the
    axis's distinct differences (a column of ``Steps.gaussian_x`` /
    ``gaussian_y``). ``radial`` (Dx, Dy) int64: the index of ``dx**2 + dy**2``
    among the distinct squared radii (a column of ``Steps.mexican``).
    """

    index: np.ndarray
    coords: np.ndarray
    position: np.ndarray
    difference: np.ndarray
    radial: np.ndarray
    radii: np.ndarray


class Steps(NamedTuple):
    """Per-iteration values of a block of iterations (NumPy computed them as MiniSom does)."""

    eta: np.ndarray  # (n,) learning rate
    sigma: np.ndarray  # (n,) neighbourhood spread
    spread: np.ndarray  # (n,) d = 2 * sigma * sigma
    gaussian_x: np.ndarray  # (n, Dx) exp(-dx**2 / d) for each distinct dx; (n, 0) when unused
    gaussian_y: np.ndarray  # (n, Dy)
    mexican: np.ndarray  # (n, n_radii) exp(-p / d) for each distinct p; (n, 0) when unused


class Order(NamedTuple):
    """The order of NumPy's pairwise sum of n_features values (made by ``fastsom.compat.plan.pairwise_order``).

    Additions name their operands by slot rather than run as a stack
    program: a stack made each addition wait for the one before (through
    memory), 13 us of a 63 us sweep of a 20x20 map of 784 features.
    """

    additions: np.ndarray  # (n_additions, 2) int64: slots added; addition t writes slot n_leaves + t
    leaves: np.ndarray  # (n_leaves, 2) int64, (start, length) of each leaf; rows padded to a multiple of GROUP
    tails: np.ndarray  # (n_tails,) int64: the leaves whose length is not a multiple of 8


@inline_jit
def _terms(metric, w, y):
    """One value's terms, as :mod:`fastsom.kernels.lanes` forms them for whole chunks (cosine's two)."""
    if metric == EUCLIDEAN:
        d = y - w
        return d * d, 0.0
    if metric == MANHATTAN:
        return abs(y - w), 0.0
    return w * y, w * w


@inline_jit
def row_sums(metric, order, scratch, weights, u, f, x, y, scale, mode):
    """NumPy's ``add.reduce`` of row u's terms for y (two sums for cosine), the row first pulled towards x by mode.

    order   IN  :class:`Order` for n_features
    scratch OUT (n_leaves + n_additions, 2) float64: the leaves' sums, then the additions'
    scale   IN  (n_features,) float64, see :func:`update_mode`
    mode    IN  ``lanes.READ``, ``PULL`` or ``PULL_AND_MEASURE``

    Returns (first sum, second sum, bound of the updated row or inf).

    The leaves' whole chunks are summed GROUP at a time by
    :mod:`fastsom.kernels.lanes`; each leaf's last n % 8 values (all of a
    leaf below 8) are added one by one after them, as NumPy adds them; then
    the additions combine the leaves.
    """
    leaves = order.leaves
    n_leaves = leaves.shape[0]
    smallest = np.inf
    for g in range(n_leaves // lanes.GROUP):
        if metric == EUCLIDEAN:
            values = lanes.squared(weights, u, leaves, g, f, x, y, scale, mode)
        elif metric == MANHATTAN:
            values = lanes.absolute(weights, u, leaves, g, f, x, y, scale, mode)
        else:
            values = lanes.products(weights, u, leaves, g, f, x, y, scale, mode)
        for i in range(lanes.GROUP):
            scratch[g * lanes.GROUP + i, 0] = values[2 * i]
            scratch[g * lanes.GROUP + i, 1] = values[2 * i + 1]
        smallest = min(smallest, values[2 * lanes.GROUP])
    return _combine(metric, order, scratch, weights, u, f, x, y, scale, mode, smallest)


@inline_jit
def _combine(metric, order, scratch, weights, u, f, x, y, scale, mode, smallest):
    """After the leaves' whole chunks: their last values one by one, then the additions (see :func:`row_sums`)."""
    leaves = order.leaves
    for q in order.tails:
        end = leaves[q, 0] + leaves[q, 1]
        for k in range(end - leaves[q, 1] % WIDTH, end):
            if mode != lanes.READ:
                weights[u, k] = weights[u, k] + f * (x[k] - weights[u, k])
            if mode == lanes.PULL_AND_MEASURE:
                scaled = abs(weights[u, k]) * scale[k]
                if scaled < smallest:
                    smallest = scaled
            a, b = _terms(metric, weights[u, k], y[k])
            scratch[q, 0] += a
            scratch[q, 1] += b
    n_leaves = leaves.shape[0]
    additions = order.additions
    n_additions = additions.shape[0]
    for t in range(n_additions):
        scratch[n_leaves + t, 0] = scratch[additions[t, 0], 0] + scratch[additions[t, 1], 0]
        scratch[n_leaves + t, 1] = scratch[additions[t, 0], 1] + scratch[additions[t, 1], 1]
    last = n_leaves + n_additions - 1 if n_additions else 0
    return scratch[last, 0], scratch[last, 1], smallest


@inline_jit
def _finish(metric, first, second, y_norm):
    """The activation from the row's sums: sqrt for euclidean, MiniSom's formula for cosine."""
    if metric == EUCLIDEAN:
        return math.sqrt(first)
    if metric == MANHATTAN:
        return first
    return 1.0 - first / (math.sqrt(second) * y_norm + COSINE_EPSILON)


@inline_jit
def activations_of_units(metric, order, scratch, weights, u, y, y_norm, factors, modes, x, scale, mode, out, bounds):
    """Activations of units u .. u + GROUP - 1 for y, their rows summed side by side, pulled first by mode.

    scratch OUT   (GROUP, n_leaves + n_additions, 2) float64
    factors IN    (n_units,) float64, each row's factor
    modes   IN    (n_units,) int64, each row's mode (see :func:`update_mode`)
    mode    IN    the largest of the GROUP rows' modes
    out     OUT   out[u .. u + GROUP - 1]
    bounds  OUT   (GROUP,) float64, each row's bound if measured, else inf

    Euclidean, manhattan and cosine only. The same sums as
    :func:`row_sums`, with four chains of additions where a row of a single
    leaf (at most 128 features) has one: on digits (20x20 map, 64
    features) an iteration took 10 us instead of 14.5 at MiniSom's default
    sigma, 12 instead of 21 at sigma 10 (every unit pulled); on a 20x20
    map of 784 features, 80 instead of 93-113 (CPU time, 2 shared cores).
    Any four rows go together: a row only read rides along pulled (to the
    same values, not stored), one to be measured is measured; against
    groups of four rows in the same mode only, digits 9.3 instead of 10.3
    us per iteration, MNIST-sized maps the same (A/B, alternating).
    """
    leaves = order.leaves
    if metric == EUCLIDEAN:
        lanes.squared_of_units(weights, u, leaves, factors, modes, x, y, scale, mode, scratch, bounds)
    elif metric == MANHATTAN:
        lanes.absolute_of_units(weights, u, leaves, factors, modes, x, y, scale, mode, scratch, bounds)
    else:
        lanes.products_of_units(weights, u, leaves, factors, modes, x, y, scale, mode, scratch, bounds)
    for q in range(leaves.shape[0]):
        if 0 < leaves[q, 1] < WIDTH:  # a leaf of fewer than 8 values: summed one by one in _combine
            for i in range(lanes.GROUP):
                scratch[i, q, 0] = 0.0
                scratch[i, q, 1] = 0.0
    for i in range(lanes.GROUP):
        first, second, bounds[i] = _combine(metric, order, scratch[i], weights, u + i, factors[u + i], x, y, scale,
                                            modes[u + i], bounds[i])
        out[u + i] = _finish(metric, first, second, y_norm)


@inline_jit
def pull(weights, u, f, x, scale, mode):
    """MiniSom's update of unit u, w + f * (x - w), if mode says so; the new row's bound if measured, else inf."""
    smallest = np.inf
    if mode == lanes.READ:
        return smallest
    for k in range(weights.shape[1]):
        weights[u, k] = weights[u, k] + f * (x[k] - weights[u, k])
        if mode == lanes.PULL_AND_MEASURE:
            scaled = abs(weights[u, k]) * scale[k]
            if scaled < smallest:
                smallest = scaled
    return smallest


@inline_jit
def activation(metric, order, scratch, weights, u, y, y_norm, f, x, scale, mode):
    """MiniSom's activation of unit u for sample y (``_activation_distance(y, w)[u]``), the row first pulled by mode.

    Returns (activation, the updated row's bound if measured, else inf).
    """
    if metric == CHEBYSHEV:
        smallest = pull(weights, u, f, x, scale, mode)
        best = y[0] - weights[u, 0]
        for k in range(1, weights.shape[1]):
            d = y[k] - weights[u, k]
            if d > best or d != d:  # np.max propagates NaN
                best = d
        return best, smallest
    first, second, smallest = row_sums(metric, order, scratch, weights, u, f, x, y, scale, mode)
    return _finish(metric, first, second, y_norm), smallest


#: An update by a factor f with |f| <= TINY and |f| * 2**57 <= bound(row) changes no weight of the row.
TINY = 2.0**-56
INVERSE_MARGIN = 2.0**57


@inline_jit
def update_mode(f, row_bound):
    """How to update a row by factor f: not at all (``lanes.READ``) when that cannot change it, else pull it.

    ``row_bound`` is a lower bound of the row's min |w_k| / A_k over its
    features k (A_k = max |x_k| over the training data; features with A_k =
    0 left out), or < 0 when unknown. A row pulled by a tiny factor (|f| <=
    TINY) while its bound is unknown has it measured
    (``lanes.PULL_AND_MEASURE``); see :func:`bound_after` for the others.

    Why a skipped update changes nothing: round to nearest leaves w as it
    is when the increment is below half its unit in the last place, which
    is more than |w| 2**-54. The increment is at most |f| (A_k + |w_k|) (1
    + 2**-52), and with |f| <= 2**-56 and |f| <= 2**-57 |w_k| / A_k (the
    bound's rounding, |w_k| * (1 / A_k), taken into account) it is below
    2**-54.4 |w_k|. Subnormal weights have a larger relative half unit, so
    the same holds. Features with A_k = 0 have x_k = 0: the increment is at
    most |f| |w_k|. A weight of 0 where some sample is not 0 gives bound 0:
    its row is never skipped.
    """
    size = abs(f)
    if size == 0.0 or (size <= TINY and 0.0 <= row_bound and size * INVERSE_MARGIN <= row_bound):
        return lanes.READ
    return lanes.PULL_AND_MEASURE if size <= TINY and row_bound < 0.0 else lanes.PULL


#: The relative slack of :func:`bound_after`, far above its rounding errors.
SHRINK = 1.0 - 2.0**-40


@inline_jit
def bound_after(mode, f, row_bound, measured):
    """A row's bound after its update by factor f in ``mode`` (``measured``: what PULL_AND_MEASURE found).

    A read row keeps its bound. A tiny pull (|f| <= TINY) moves each |w_k|
    / A_k by at most |f| (1 + |w_k| / A_k) (1 + 2**-52), so the bound,
    lowered by twice that and a relative 2**-40, still bounds the row; a
    row pulled by tiny factors near the edge of the skip is then not
    measured again at every iteration. A larger pull leaves it unknown (-1).
    """
    if mode == lanes.PULL_AND_MEASURE:
        return measured
    if mode == lanes.READ:
        return row_bound
    size = abs(f)
    if size <= TINY and row_bound >= 0.0:
        lowered = row_bound * SHRINK - 2.0 * size * (1.0 + row_bound)
        if lowered >= 0.0:
            return lowered
    return -1.0


@inline_jit
def influence(kind, lattice, steps, i, u, c):
    """MiniSom's neighbourhood of unit u around winner c at iteration i (before the learning rate)."""
    if kind == GAUSSIAN:
        position = lattice.position
        difference = lattice.difference
        gx = steps.gaussian_x[i, difference[0, position[u, 0], position[c, 0]]]
        gy = steps.gaussian_y[i, difference[1, position[u, 1], position[c, 1]]]
        return gx * gy
    if kind == MEXICAN_HAT:
        position = lattice.position
        difference = lattice.difference
        r = lattice.radial[difference[0, position[u, 0], position[c, 0]],
                           difference[1, position[u, 1], position[c, 1]]]
        p = lattice.radii[r]
        d = steps.spread[i]
        return steps.mexican[i, r] * (1.0 - 2.0 / d * p)
    sigma = steps.sigma[i]
    a = lattice.index[u, 0]
    b = lattice.index[u, 1]
    ca = lattice.index[c, 0]
    cb = lattice.index[c, 1]
    if kind == BUBBLE:
        inside = (a > ca - sigma and a < ca + sigma) and (b > cb - sigma and b < cb + sigma)
        return 1.0 if inside else 0.0
    tx = -abs(ca - a) + sigma
    ty = -abs(cb - b) + sigma
    return max(tx, 0.0) * max(ty, 0.0)


@inline_jit
def _winner(metric, order, scratch, weights, y, y_norm):
    """The first unit at the smallest activation for y."""
    best = np.inf
    best_u = 0
    for u in range(weights.shape[0]):
        a, _ = activation(metric, order, scratch, weights, u, y, y_norm, 0.0, y, y, lanes.READ)
        if a < best:
            best = a
            best_u = u
    return best_u


class Samples(NamedTuple):
    """The training data as the online kernel reads them (made by ``fastsom.compat``)."""

    X: np.ndarray  # (n_samples, n_features) float64, C-contiguous
    norms: np.ndarray  # (n_samples,) float64: |x| as NumPy's norm takes it (cosine only; else unused)
    forced: np.ndarray  # (n_samples,) int64: the winner fixed_points sets for a sample, -1 for none
    scale: np.ndarray  # (n_features,) float64: 1 / max |x_k| over the samples, inf where that is 0


@inline_jit
def _online(data, weights, bounds, lattice, steps, samples, kind, metric, order, bmu):
    """MiniSom's ``train`` loop for one block of iterations: winner, factors, update, next winner.

    data     IN    :class:`Samples`
    weights  INOUT (n_units, n_features) float64, C-contiguous
    bounds   INOUT (n_units,) float64: each row's bound, -1 where unknown (see :func:`update_mode`)
    lattice  IN    :class:`Lattice`
    steps    IN    :class:`Steps` of the block's iterations
    samples  IN    (n + 1,) int64: the sample of each iteration and of the next
                   one (-1: no next iteration)
    kind     IN    int, a neighbourhood code of this module
    metric   IN    int, a distance code of this module (see :func:`online_euclidean`)
    order    IN    :class:`Order` for n_features
    bmu      IN    int, the winner of the block's first iteration

    Returns the winner of the iteration after the block (-1 when there is
    none). Iteration i updates every unit whose update can change it and,
    while the row is in cache, takes its activation for the next sample:
    the winner of iteration i + 1, as MiniSom finds it after iteration i's
    update. Updates that cannot change a weight (:func:`update_mode`: with
    MiniSom's default sigma, most units far from the winner) are skipped.
    """
    X = data.X
    forced = data.forced
    n_units = weights.shape[0]
    n = steps.eta.shape[0]
    scratch = np.empty((lanes.GROUP, order.leaves.shape[0] + order.additions.shape[0], 2))
    factors = np.empty(n_units)
    modes = np.empty(n_units, dtype=np.int64)
    acts = np.empty(n_units)
    measured = np.empty(lanes.GROUP)
    position = lattice.position
    axis_x = np.empty(position[:, 0].max() + 1)
    axis_y = np.empty(position[:, 1].max() + 1)
    for i in range(n):
        x = X[samples[i]]
        eta = steps.eta[i]
        if kind == GAUSSIAN:
            # The gaussian's two factors, looked up once per distinct position on each axis rather
            # than once per unit: the same products, a third fewer loads per unit.
            difference = lattice.difference
            for p in range(axis_x.shape[0]):
                axis_x[p] = steps.gaussian_x[i, difference[0, p, position[bmu, 0]]]
            for p in range(axis_y.shape[0]):
                axis_y[p] = steps.gaussian_y[i, difference[1, p, position[bmu, 1]]]
            for u in range(n_units):
                f = (axis_x[position[u, 0]] * axis_y[position[u, 1]]) * eta
                factors[u] = f
                modes[u] = update_mode(f, bounds[u])
        else:
            for u in range(n_units):
                f = influence(kind, lattice, steps, i, u, bmu) * eta
                factors[u] = f
                modes[u] = update_mode(f, bounds[u])
        s = samples[i + 1]
        search = s >= 0 and forced[s] < 0
        y = X[s] if s >= 0 else x
        y_norm = data.norms[s] if s >= 0 else 0.0
        u = 0
        while u < n_units:
            mode = modes[u]
            if search and metric != CHEBYSHEV and u + lanes.GROUP <= n_units:
                # Four rows side by side, pulled if any is (a row only read is pulled to the same
                # values for its sums and not stored), measured if any is.
                together = lanes.READ
                for r in range(u, u + lanes.GROUP):
                    together = max(together, modes[r])
                activations_of_units(metric, order, scratch, weights, u, y, y_norm, factors, modes, x, data.scale,
                                     together, acts, measured)
                for i in range(lanes.GROUP):
                    bounds[u + i] = bound_after(modes[u + i], factors[u + i], bounds[u + i], measured[i])
                u += lanes.GROUP
                continue
            f = factors[u]
            if search:
                acts[u], row_bound = activation(metric, order, scratch[0], weights, u, y, y_norm, f, x, data.scale,
                                                mode)
            else:
                row_bound = pull(weights, u, f, x, data.scale, mode)
            bounds[u] = bound_after(mode, f, bounds[u], row_bound)
            u += 1
        best = np.inf
        best_u = 0
        if search:
            for u in range(n_units):  # MiniSom's argmin: the first unit at the smallest activation
                if acts[u] < best:
                    best = acts[u]
                    best_u = u
        if s < 0:
            bmu = -1
        elif search:
            bmu = best_u
        else:
            bmu = forced[s]
    return bmu


# The default distance gets a kernel of its own, compiled with the metric as a constant: with it a
# run-time value, the sweep of a 20x20 map of 64 features took 18 us per iteration instead of 12
# (every unit branched into code for every metric). The others share one kernel, so that a process
# (and the test suite) compiles two online kernels rather than four (7-10 s of CPU each).
# fastsom.compat picks with :func:`online_kernel`.


@strict_jit
def online_euclidean(data, weights, bounds, lattice, steps, samples, kind, metric, order, bmu):
    """:func:`_online` for the euclidean distance (``metric`` must be EUCLIDEAN: the one argument list of both)."""
    return _online(data, weights, bounds, lattice, steps, samples, kind, EUCLIDEAN, order, bmu)


@strict_jit
def online_other(data, weights, bounds, lattice, steps, samples, kind, metric, order, bmu):
    """:func:`_online` for the other distances (``metric`` cosine, manhattan or chebyshev)."""
    return _online(data, weights, bounds, lattice, steps, samples, kind, metric, order, bmu)


def online_kernel(metric):
    """The online kernel for a distance code: :func:`online_euclidean` or :func:`online_other`."""
    return online_euclidean if metric == EUCLIDEAN else online_other


@strict_jit
def largest(X, rows, out):
    """The largest |x_k| of each feature over the given rows of X (what the skip rule bounds samples by).

    X    IN  (n_samples, n_features) float64
    rows IN  (n_rows,) int64
    out  OUT (n_features,) float64

    No copy of the rows: on 10,000 rows of a 70,000 x 784 data set, NumPy's
    per-column max and min over the whole array took 49 ms of a 0.9 s run.
    """
    out[:] = 0.0
    for r in rows:
        for k in range(X.shape[1]):
            size = abs(X[r, k])
            if size > out[k] or size != size:  # a NaN stays (data are checked finite before)
                out[k] = size


@strict_jit
def winners(X, norms, weights, metric, order, out):
    """MiniSom's ``winner`` of every row of X (flat unit index).

    X       IN  (n_samples, n_features) float64
    norms   IN  (n_samples,) float64, |x| for cosine
    weights IN  (n_units, n_features) float64
    out     OUT (n_samples,) int64
    """
    scratch = np.empty((order.leaves.shape[0] + order.additions.shape[0], 2))
    for s in range(X.shape[0]):
        out[s] = _winner(metric, order, scratch, weights, X[s], norms[s])


@strict_jit
def activations(X, norms, weights, metric, order, out):
    """MiniSom's activation map of every row of X.

    out OUT (n_samples, n_units) float64
    """
    scratch = np.empty((order.leaves.shape[0] + order.additions.shape[0], 2))
    for s in range(X.shape[0]):
        for u in range(weights.shape[0]):
            out[s, u] = activation(metric, order, scratch, weights, u, X[s], norms[s], 0.0, X[s], X[s], lanes.READ)[0]


@strict_jit
def batch_sums(X, bmus, lattice, steps, kind, numerator, denominator):
    """The sums of one epoch of MiniSom's ``train_batch_offline``, in its order.

    X           IN    (n_samples, n_features) float64
    bmus        IN    (n_samples,) int64, each sample's winner on the epoch's weights
    steps       IN    :class:`Steps` of one iteration (the epoch's sigma)
    numerator   INOUT (n_units, n_features) float64, zeros on entry
    denominator INOUT (n_units,) float64, zeros on entry

    Sample after sample, as MiniSom's loop: ``numerator += g * x`` and
    ``denominator += g``, with g the sample's neighbourhood (no learning
    rate). Units where g is exactly 0 add exactly 0 and are skipped.
    """
    n_units, n_features = numerator.shape
    g = np.empty(n_units)
    for s in range(X.shape[0]):
        x = X[s]
        for u in range(n_units):
            g[u] = influence(kind, lattice, steps, 0, u, bmus[s])
        for u in range(n_units):
            f = g[u]
            if f != 0.0:
                for k in range(n_features):
                    numerator[u, k] = numerator[u, k] + f * x[k]
                denominator[u] = denominator[u] + f
