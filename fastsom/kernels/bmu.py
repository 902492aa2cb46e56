"""The best matching unit: the one home of the rule, and the searches that apply it.

**The rule** (DESIGN.md, "BMU"). Units are ranked by the pair (rank
distance, unit index): the best matching unit is the smallest pair, i.e.
the unit at the smallest distance and, among equals, the lowest index (the
tutorial's strict ``<`` in row-major order); the second best is the
smallest pair among the other units. :func:`ranks_before` states it. Every
search in fastsom applies it through this module:

* :func:`offer` puts a unit into a top two, units met in any order (the
  online kernel merges the top twos of unit ranges swept in parallel);
* :func:`keep` is the same step for units met in increasing index order,
  where the rule is a strict ``<`` (a later unit never wins a tie), and
  :func:`settle` fills what such a scan leaves empty;
* :func:`nearest_units` scans every unit for one vector (the online
  kernel's first search), and :func:`nearest_two` settles its result by
  the rule also when distances overflow (the batch map's direct path, the
  queries: :func:`best_two_units`, :func:`best_two_checked`);
* :func:`best_two_lanes` ranks one row of GEMM scores (batch training,
  and the euclidean queries' shortlist, which :func:`best_two_checked`
  then re-ranks by direct distance, so queries answer exactly what the
  direct scan answers).

Two second copies of the scan exist for speed, each saying why beside it,
and ``tests/test_bmu_rule.py`` checks both against the rule on exact and
near ties: :func:`best_two_lanes` (a branch-free scan over interleaved lanes
that LLVM vectorises) and ``kernels.sweep._sweep_euclidean`` (the online
sweep written out for euclidean maps without running errors).

Parallel kernels split the samples into tasks of :data:`TASK_ROWS` rows
(``prange``); each sample's result depends only on that sample, so outputs
are the same for any number of threads.
"""

import numpy as np

from .._jit import fast_jit, inline_jit, parallel_jit, prange, strict_jit
from .distances import (
    COSINE,
    EUCLIDEAN,
    has_missing,
    masked_distance,
    masked_distances,
    masked_norm,
    observed_weight,
    reported_scale,
    row_distance,
    vector_norm,
)
from .grid import grid_d2

#: Rows per parallel task in every kernel over samples (or units): the
#: threads take whole tasks, so finer tasks balance better; 64 rows of even
#: 3 features are still microseconds of work, far above the cost of a task.
TASK_ROWS = 64

#: Interleaved running minima per row in the GEMM BMU search (see best_two_lanes).
LANES = 16


@inline_jit
def ranks_before(d, u, best_d, best_u):
    """The rule: unit u at rank distance d ranks before the unit in slot (best_d, best_u).

    Smaller distance first, then lower index; an empty slot (``best_u <
    0``) takes anything.
    """
    return best_u < 0 or d < best_d or (d == best_d and u < best_u)


@inline_jit
def offer(best_d, best_u, second_d, second_u, d, u):
    """Insert unit u at rank distance d into a top two, units met in any order (:func:`ranks_before`)."""
    if ranks_before(d, u, best_d, best_u):
        return d, u, best_d, best_u
    if ranks_before(d, u, second_d, second_u):
        return best_d, best_u, d, u
    return best_d, best_u, second_d, second_u


@inline_jit
def keep(track, best_d, best_u, second_d, second_u, d, u):
    """The scan step of a top two, for units met in increasing index order.

    :func:`ranks_before` for that order: a unit never ranks before an
    earlier one at the same distance, so a strict ``<`` is the whole rule.
    Slots start empty at distance inf, so a unit whose distance overflowed
    to inf is not taken: :func:`settle` fills such slots after the scan.
    Most units lose to the second best: one comparison each. The second best
    is kept only when ``track``: it costs 20% on the tutorial's map (online).
    """
    if track:
        if d < second_d:
            if d < best_d:
                return d, u, best_d, best_u
            return best_d, best_u, d, u
    elif d < best_d:
        return d, u, second_d, second_u
    return best_d, best_u, second_d, second_u


@inline_jit
def settle(track, best_d, best_u, second_d, second_u, lo, hi):
    """The top two of units lo .. hi - 1 after a scan with :func:`keep` from empty slots.

    A slot still empty holds units at distance inf (all distances
    overflowed, or all but the best's): tied, so the lowest indices take
    them, the best ``lo`` and the second ``lo`` or ``lo + 1``. An empty
    range stays empty (best -1).
    """
    if best_u < 0 and hi > lo:
        best_u = lo
    if track and second_u < 0 and hi - lo > 1:
        second_u = lo + 1 if best_u == lo else lo
    return best_d, best_u, second_d, second_u


@inline_jit
def nearest_units(weights, x, metric, track):
    """The top two units for vector x, scanning every unit with :func:`keep`; the second only if ``track``.

    Returns (best distance, best unit, second distance, second unit), rank
    distances; the second is -1 (distance inf) on a one-unit map or without
    ``track``. Units whose distance overflowed to inf are not ranked (the
    best is then unit 0): the online kernel runs on data checked not to
    overflow, and leaving :func:`settle` out of its code measured 8% faster
    on the tutorial's map. Queries use :func:`nearest_two`.
    """
    x_norm = vector_norm(x) if metric == COSINE else 0.0
    best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
    for u in range(weights.shape[0]):
        d = row_distance(metric, weights, u, x, x_norm)
        best_d, best_u, second_d, second_u = keep(track, best_d, best_u, second_d, second_u, d, u)
    return best_d, max(best_u, 0), second_d, second_u


@inline_jit
def nearest_two(weights, x, metric):
    """The top two units for vector x by the rule, also when distances overflow; see :func:`nearest_units`."""
    best_d, best_u, second_d, second_u = nearest_units(weights, x, metric, True)
    return settle(True, best_d, best_u, second_d, second_u, 0, weights.shape[0])


@strict_jit
def masked_top_two(weights, x, metric, mu, total):
    """:func:`nearest_two` for a masked row (missing values, feature weights): the same scan and rule.

    weights IN (n_units, n_features)
    x       IN (n_features,), NaN where missing
    metric  IN int, a code from kernels.distances
    mu      IN (n_features,) float64, the feature weights (ones: none)
    total   IN float, the sum of mu (``distances.total_weight``)

    Units are ranked by :func:`fastsom.kernels.distances.masked_distance`
    with :func:`keep` and :func:`settle`, as :func:`nearest_two` ranks
    plain distances (SOM Toolbox's BMU: not rescaled, which would not
    change the order). Returns (best distance, best unit, second distance,
    second unit), the distances *reported*, i.e. rescaled
    (``distances.reported_scale``); (nan, -1, nan, -1) for a row with no
    observed feature of weight > 0, which has no BMU.

    Not inlined: compiled once per dtype in exact IEEE arithmetic, and
    called by every kernel that meets a masked row (see the notes on masks
    in :mod:`fastsom.kernels.distances`).
    """
    observed = observed_weight(x, mu)
    if observed == 0.0:
        return np.nan, -1, np.nan, -1
    x_norm = masked_norm(x, mu) if metric == COSINE else 0.0
    best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
    for u in range(weights.shape[0]):
        d = masked_distance(metric, weights, u, x, x_norm, mu)
        best_d, best_u, second_d, second_u = keep(True, best_d, best_u, second_d, second_u, d, u)
    best_d, best_u, second_d, second_u = settle(True, best_d, best_u, second_d, second_u, 0, weights.shape[0])
    scale = reported_scale(metric, total, observed)
    return np.float64(best_d) * scale, best_u, np.float64(second_d) * scale, second_u


@inline_jit
def is_masked(masks, x):
    """Whether row x is masked: the map is weighted, or x holds NaN in data that may (``masks`` not None)."""
    return masks.weighted or (masks.missing and has_missing(x))


@parallel_jit
def squared_norms(A, out):
    """Squared euclidean norm of every row, in float64.

    A   IN  (n, n_features), float32 or float64
    out OUT (n,) float64
    """
    n, n_features = A.shape
    n_tasks = (n + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        for i in range(t * TASK_ROWS, min(n, (t + 1) * TASK_ROWS)):
            acc = 0.0
            for k in range(n_features):
                a = np.float64(A[i, k])
                acc += a * a
            out[i] = acc




@inline_jit
def gemm_score(G, unit_term, cosine, i, u):
    """Rank score of unit u for sample i of the chunk (see :func:`best_two_gemm`)."""
    g = np.float64(G[i, u])
    if cosine:
        return -(g * unit_term[u])
    return unit_term[u] - 2.0 * g


@inline_jit
def best_two_lanes(G, unit_term, cosine, i, lane_s, lane_u):
    """(best unit, its score, second-best unit or -1) of row i of G, ties to the lower index.

    A second copy of the scan of :func:`nearest_units` (:func:`keep`), for
    speed: that scan branches on every unit; this one is branch-free, so
    LLVM vectorises it (timings below). Both apply :func:`ranks_before`;
    ``tests/test_bmu_rule.py`` checks they agree on exact and near ties.
    (Scores that all overflow to inf give unit 0 and no second here, not
    :func:`settle`'s units 0 and 1: validation refuses data whose distances
    can overflow before training starts.)

    Units are dealt round-robin to ``LANES`` lanes; each lane keeps its
    smallest score and that unit (strict ``<`` in increasing unit order keeps
    the lowest index), in a loop written so that LLVM vectorises it: one
    compare and two blends per score, no branch. The ``& (u != n_units)``
    (always true) is what makes it so: with the bare ``s < lane_s[j]``
    numba's IR keeps a branch that LLVM does not vectorise, 2.2 ns per
    score against 0.55 ns (one thread, 400 units, float32 products). A
    sequential scan that tracks the runner-up branches on every unit and
    cost 2-3x more again.
    The best unit is the lexicographic minimum of (score, index) over the
    lanes and the tail; the second best is the minimum over the other
    lanes' winners, the tail, and the runner-up of the best's own lane (one
    strided pass over 1 / LANES of the row). This is exactly the two
    smallest (score, index) pairs, the result of the sequential scan.
    """
    n_units = G.shape[1]
    full = n_units - n_units % LANES
    for j in range(LANES):
        lane_s[j] = np.inf
        lane_u[j] = -1
    if cosine:
        for u0 in range(0, full, LANES):
            for j in range(LANES):
                s = -(np.float64(G[i, u0 + j]) * unit_term[u0 + j])
                better = (s < lane_s[j]) & (u0 + j != n_units)
                lane_s[j] = s if better else lane_s[j]
                lane_u[j] = u0 + j if better else lane_u[j]
    else:
        for u0 in range(0, full, LANES):
            for j in range(LANES):
                s = unit_term[u0 + j] - 2.0 * np.float64(G[i, u0 + j])
                better = (s < lane_s[j]) & (u0 + j != n_units)
                lane_s[j] = s if better else lane_s[j]
                lane_u[j] = u0 + j if better else lane_u[j]
    best_s, best_u, best_lane = np.inf, -1, -1
    for j in range(LANES):
        if lane_u[j] >= 0 and ranks_before(lane_s[j], lane_u[j], best_s, best_u):
            best_s, best_u, best_lane = lane_s[j], lane_u[j], j
    for u in range(full, n_units):
        s = gemm_score(G, unit_term, cosine, i, u)
        if ranks_before(s, u, best_s, best_u):
            best_s, best_u, best_lane = s, u, -1
    if best_u < 0:  # every score nan: unit 0, as the sequential scan answers
        return 0, gemm_score(G, unit_term, cosine, i, 0), -1
    next_s, next_u = np.inf, -1
    for j in range(LANES):
        if j != best_lane and lane_u[j] >= 0 and ranks_before(lane_s[j], lane_u[j], next_s, next_u):
            next_s, next_u = lane_s[j], lane_u[j]
    for u in range(full, n_units):
        if u != best_u:
            s = gemm_score(G, unit_term, cosine, i, u)
            if ranks_before(s, u, next_s, next_u):
                next_s, next_u = s, u
    if best_lane >= 0:
        for u in range(best_lane, full, LANES):
            if u != best_u:
                s = gemm_score(G, unit_term, cosine, i, u)
                if ranks_before(s, u, next_s, next_u):
                    next_s, next_u = s, u
    return best_u, best_s, next_u


@parallel_jit
def best_two_units(X, weights, metric, bmu, dist_bmu, second, dist_second, masks=None):
    """First and second best matching unit of every sample.

    X           IN  (n_samples, n_features)
    weights     IN  (n_units, n_features)
    metric      IN  int, a code from kernels.distances
    bmu         OUT (n_samples,) int64, the best unit (lowest index on ties)
    dist_bmu    OUT (n_samples,) float64, its rank distance
    second      OUT (n_samples,) int64, the second best unit, -1 if n_units == 1
    dist_second OUT (n_samples,) float64, its rank distance (inf if none)
    masks       IN  ``distances.Masks`` or omitted: masked rows are answered
                    by :func:`masked_top_two` (rank distances reported
                    rescaled; -1 and nan for a row with nothing observed)
    """
    n_samples = X.shape[0]
    n_tasks = (n_samples + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        for i in range(t * TASK_ROWS, min(n_samples, (t + 1) * TASK_ROWS)):
            if masks is not None:
                if is_masked(masks, X[i]):
                    dist_bmu[i], bmu[i], dist_second[i], second[i] = masked_top_two(weights, X[i], metric, masks.mu,
                                                                                    masks.total)
                    continue
            best_d, best, next_d, next_u = nearest_two(weights, X[i], metric)
            bmu[i] = best
            dist_bmu[i] = best_d
            second[i] = next_u
            dist_second[i] = next_d


def gemm_error_bounds(dtype, n_features, unit_norm2, shift, centred_norm2):
    """Constants of the rounding bound of :func:`best_two_checked`; (6,) float64.

    The queries' GEMM multiplies the samples by the *centred* weights
    ``w'_u = fl(w_u - c)``, ``c`` (``shift``) the units' mean rounded to
    ``dtype``, and ranks by ``s_u = ||w_u||^2 - ||c||^2 - 2 x.w'_u``, which
    is ``||x - w_u||^2 - ||x - c||^2`` up to rounding. The GEMM's error
    grows with ``|x| |w'_u|`` rather than ``|x| |w_u|``: 2.5-6x fewer units
    to re-check on MNIST-like and uniform data (70,000 x 784, 20x20).

    ``unit_norm2`` and ``centred_norm2`` are ``||w_u||^2`` and ``||w'_u||^2``
    from :func:`squared_norms`. With u the unit roundoff of ``dtype``, u64
    that of float64 and ``gamma(k, u) = k u / (1 - k u)`` (Higham, "Accuracy
    and Stability of Numerical Algorithms", 2nd ed., sec. 3.1: a sum of k
    products in any order, with or without FMA, is off by at most
    ``gamma(k, u)`` times the sum of the products' absolute values), returns

    0. the absolute bound on ``||w_u||^2 - ||c||^2`` (two float64 sums and a
       difference): ``(gamma(n, u64) + 2 u64) (max ||w_u||^2 + ||c||^2)``;
    1. ``w'_max``, an upper bound of max_u ||w'_u||;
    2. ``2 gamma(n, u) + 2.01 u + 3 u64``, the bound on ``2 x.w'_u`` from the
       GEMM (Cauchy-Schwarz: ``sum |x_k w'_k| <= |x| |w'|``), from the
       rounding of ``w_u - c`` and from the score's subtraction, per unit of
       ``|x| w'_max``;
    3. ``gamma(n + 2, u)``, the relative bound on a direct squared
       distance (a rounded difference, squared, summed: all terms >= 0);
    4. ``2 n tiny``, ``tiny`` the smallest subnormal of ``dtype``: what
       underflow can add, absolutely, to a sum of n products;
    5. ``gamma(n, u64)``, the relative bound on ``||w_u||^2``.
    """
    info = np.finfo(dtype)
    u, u64 = float(info.eps) / 2, 2.0**-53

    def gamma(k, unit):
        return k * unit / (1.0 - k * unit)

    n = n_features
    unit_error = (gamma(n, u64) + 2.0 * u64) * (float(np.max(unit_norm2)) + float(np.dot(shift, shift)))
    centred_max = np.sqrt(float(np.max(centred_norm2))) * (1.0 + gamma(n, u64))
    return np.array([unit_error, centred_max, 2.0 * gamma(n, u) + 2.01 * u + 3.0 * u64, gamma(n + 2, u),
                     2.0 * n * float(info.smallest_subnormal), gamma(n, u64)])


@inline_jit
def _shortlist_threshold(bounds, next_s, next_norm2, best_d, next_d):
    """Largest GEMM score a unit can have and still be among a sample's two best by direct distance.

    Let p and q be the two best units by score (sg_p <= sg_q), best_d and
    next_d their direct distances, and for any unit u: s_u = ||x - w_u||^2
    - ||x - c||^2 (exact; see :func:`gemm_error_bounds`), sg_u its value from
    the GEMM, d_u its direct distance and D_u its exact squared distance.
    Then ``|sg_u - s_u| <= E`` (bounds 0-2, 4) and ``|d_u - D_u| <= g D_u +
    t`` (bounds 3, 4). A unit ranks among the two best by direct distance
    only if ``d_u <= max(best_d, next_d)`` (p and q both rank before it
    otherwise), so ``D_u <= (max(best_d, next_d) + t) / (1 - g)``; and
    ``||x - c||^2 = D_q - s_q >= (next_d - t) / (1 + g) - sg_q - E``. So
    ``sg_u <= s_u + E <= sg_q + M`` with ``M = 2E + (max(best_d, next_d) +
    t) / (1 - g) - (next_d - t) / (1 + g)``, written below as a sum of
    terms >= 0. E needs |x|: ``|x| <= sqrt(D_q) + |w_q|``. Returned:
    ``sg_q + 2M``, the factor 2 covering the rounding of this arithmetic
    (relative errors of order u64; M >= 2E exceeds the rounding of sg_q).
    nan or inf when a score or distance overflowed.
    """
    unit_error, centred_max, c_x, g, t, g64 = bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5]
    best_d = np.float64(best_d)
    next_d = np.float64(next_d)
    x_norm = np.sqrt((next_d + t) / (1.0 - g)) + np.sqrt(next_norm2 * (1.0 + g64))
    error = unit_error + c_x * x_norm * centred_max + t
    margin = (2.0 * error + (max(best_d, next_d) - next_d) / (1.0 - g) + next_d * (2.0 * g / ((1.0 - g) * (1.0 + g)))
              + t / (1.0 - g) + t / (1.0 + g))
    return next_s + 2.0 * margin


@fast_jit
def best_two_checked(G, unit_term, unit_norm2, X, weights, bounds, bmu, dist_bmu, second, dist_second, masks=None):
    """Euclidean BMU queries from GEMM products, equal to :func:`best_two_units` bit for bit.

    G           IN  (m, n_units), ``X @ (weights - c).T`` in the weights' dtype,
                    c the weights' centre (:func:`gemm_error_bounds`)
    unit_term   IN  (n_units,) float64, ``||w_u||^2 - ||c||^2``
    unit_norm2  IN  (n_units,) float64, ``||w_u||^2`` (:func:`squared_norms`)
    X           IN  (m, n_features), the chunk's samples
    weights     IN  (n_units, n_features)
    bounds      IN  (6,) float64, :func:`gemm_error_bounds`
    bmu, dist_bmu, second, dist_second OUT (m,): as :func:`best_two_units`
    masks       IN  ``distances.Masks`` (unweighted, data with NaN) or
                    omitted: rows with NaN are answered by
                    :func:`masked_top_two`, their products unused

    The GEMM ranks every unit cheaply (:func:`best_two_lanes`), but its
    rounding can misorder units whose distances differ by less than it.
    So it only shortlists: the two best by score, and every unit whose
    score is within a rigorous bound of the second best's
    (:func:`_shortlist_threshold`, from the direct distances of those two:
    2-3 units in all on average on 70,000 x 784 MNIST-like data, 20x20
    map), are re-ranked by direct distance with :func:`nearest_units`' rule
    (:func:`keep`, units in index order). The two best by direct distance
    are always on the shortlist, so the answer, distances included, is the
    direct scan's. A sample whose scores or distances overflow, or a
    one-unit map, gets the full direct scan.

    Serial, like the batch map's GEMM kernels: it runs between BLAS calls
    (see ``kernels.accumulate.best_two_gemm``).
    """
    m = G.shape[0]
    n_units = G.shape[1]
    lane_s = np.empty(LANES)
    lane_u = np.empty(LANES, dtype=np.int64)
    shortlist = np.empty(n_units, dtype=np.int64)
    for i in range(m):
        x = X[i]
        if masks is not None:
            if is_masked(masks, x):
                dist_bmu[i], bmu[i], dist_second[i], second[i] = masked_top_two(weights, x, EUCLIDEAN, masks.mu,
                                                                                masks.total)
                continue
        best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
        p, _, q = best_two_lanes(G, unit_term, False, i, lane_s, lane_u)
        if q >= 0:
            d_p = row_distance(EUCLIDEAN, weights, p, x, 0.0)
            d_q = row_distance(EUCLIDEAN, weights, q, x, 0.0)
            threshold = _shortlist_threshold(bounds, gemm_score(G, unit_term, False, i, q), unit_norm2[q], d_p, d_q)
            if threshold < np.inf:
                # Gather first (a tight loop over the scores), then measure
                # (p and q are on the list: sg_p <= sg_q <= threshold).
                n_listed = 0
                for u in range(n_units):
                    if gemm_score(G, unit_term, False, i, u) <= threshold:
                        shortlist[n_listed] = u
                        n_listed += 1
                for k in range(n_listed):
                    u = shortlist[k]
                    if u == p:
                        d = d_p
                    elif u == q:
                        d = d_q
                    else:
                        d = row_distance(EUCLIDEAN, weights, u, x, 0.0)
                    best_d, best_u, second_d, second_u = keep(True, best_d, best_u, second_d, second_u, d, u)
        if not second_d < np.inf:  # no shortlist, or a distance overflowed: scan every unit
            best_d, best_u, second_d, second_u = nearest_two(weights, x, EUCLIDEAN)
        bmu[i] = best_u
        dist_bmu[i] = best_d
        second[i] = second_u
        dist_second[i] = second_d


@parallel_jit
def rank_distances(X, weights, metric, out, masks=None):
    """Rank distance of every sample to every unit (squared for euclidean).

    X       IN  (n_samples, n_features)
    weights IN  (n_units, n_features)
    metric  IN  int, a code from kernels.distances
    out     OUT (n_samples, n_units), float32 or float64 (each value rounded once)
    masks   IN  ``distances.Masks`` or omitted: masked rows get their
                distances as :func:`masked_top_two` reports them (rescaled),
                nan for a row with nothing observed
    """
    n_samples = X.shape[0]
    n_units = weights.shape[0]
    n_tasks = (n_samples + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        for i in range(t * TASK_ROWS, min(n_samples, (t + 1) * TASK_ROWS)):
            x = X[i]
            if masks is not None:
                if is_masked(masks, x):
                    masked_distances(weights, x, metric, masks.mu, masks.total, out[i])
                    continue
            x_norm = vector_norm(x)
            for u in range(n_units):
                out[i, u] = row_distance(metric, weights, u, x, x_norm)


@fast_jit
def count_not_adjacent(bmu, second, coords, geometry, max_d2, out):
    """Flag samples whose two best units are not grid neighbours.

    bmu, second IN  (n_samples,) int64
    coords      IN  (n_units, 2) float64
    geometry    IN  (4,) float64, see kernels.grid
    max_d2      IN  float, largest squared grid distance counted as adjacent
    out         OUT (n_samples,) bool
    """
    n_samples = bmu.shape[0]
    for i in range(n_samples):
        # Exact: lattice distances are exact in floating point (see fastsom.topology).
        out[i] = grid_d2(coords, geometry, bmu[i], second[i]) > max_d2
