"""Kernels of Kohonen's batch map: BMUs and sufficient statistics, then the new weights.

One epoch (see :mod:`fastsom.training.batch` for the driver and
``reference.batch`` for the literal algorithm):

1. For each chunk of samples, the driver computes ``G = X_chunk @ weights.T``
   with NumPy (BLAS GEMM, in the weights' dtype). :func:`best_two_gemm` ranks
   the units of each sample by ``||w_u||^2 - 2 G[i, u]`` (euclidean: the
   ``||x||^2`` term is the same for every unit, so it is added only to
   report the distance) or by ``-G[i, u] / |w_u|`` (cosine: dividing by the
   constant ``|x|`` does not change the order). Manhattan and chebyshev have
   no GEMM form; :func:`best_two_direct` computes them term by term.
2. :func:`accumulate_gemm` (or :func:`accumulate_parallel` after the direct
   search) adds each sample to its BMU's row of ``stats``, the
   per-unit sums ``S`` (columns ``:n_features``) and counts ``n`` (column
   ``n_features``), in float64.
3. ``kernels.smoothing`` computes ``H @ stats`` (``H[u, v] = h(d2(u, v),
   sigma)``) without ever forming ``H``, and :func:`divide` turns
   ``(H S) / (H n)`` into the new weights.

Determinism: every output element is computed in an order fixed by the data
alone, never by the thread schedule. Rows of ``G`` are independent; the
accumulation adds samples in sample order (its parallel flavour is split over
*column ranges*, so each element of ``stats`` still receives its samples one
by one in sample order, whatever the number of ranges or chunks); each
smoothed element sums its terms in lattice order. So the map is bit for bit
the same on 1 or N threads and for any chunk size.

Threads: the GEMM path's per-chunk kernels (:func:`best_two_gemm`,
:func:`accumulate_gemm`) are serial, because they run between BLAS calls
whose threads are still spinning (timings in :func:`best_two_gemm`). The
direct BMU search, its accumulation and the smoothing run on all numba
threads.
"""

import math

import numpy as np

from .._jit import fast_jit, inline_jit, parallel_jit, prange
from .bmu import LANES, TASK_ROWS, best_two_lanes, is_masked, masked_top_two, nearest_two
from .distances import COSINE, EUCLIDEAN, reported_scale, to_metric
from .grid import grid_d2


@inline_jit
def _far(coords, geometry, max_d2, best_u, next_u):
    """1 if the two best units are not grid neighbours (0 on a one-unit map)."""
    if next_u < 0:
        return 0
    # Exact: lattice distances are exact in floating point (see fastsom.topology).
    return 1 if grid_d2(coords, geometry, best_u, next_u) > max_d2 else 0


@fast_jit
def best_two_gemm(G, unit_term, metric, coords, geometry, max_d2, bmus, score, far):
    """Best and second-best unit of each sample of a chunk, from its GEMM products.

    G         IN  (m, n_units), ``X_chunk @ weights.T`` in the weights' dtype
    unit_term IN  (n_units,) float64: ``||w_u||^2`` (euclidean) or ``1 / |w_u|``
                  (cosine; 0 for a zero vector, whose cosine distance is 1)
    metric    IN  int, EUCLIDEAN or COSINE (kernels.distances)
    coords    IN  (n_units, 2) float64, lattice coordinates
    geometry  IN  (4,) float64, see kernels.grid
    max_d2    IN  float, largest squared grid distance counted as adjacent
    bmus      OUT (m,) int64, the best unit (lowest index on ties)
    score     OUT (m,) float64, the best unit's score; :func:`accumulate_gemm`
                  turns it into the distance once it has read the sample
    far       OUT (m,) uint8, 1 where the two best units are not adjacent

    Scores (euclidean ``||w_u||^2 - 2 G[i, u]``, cosine ``-G[i, u] / |w_u|``)
    are formed in float64 from the float32 or float64 products. The best and
    second best are the two smallest (score, index) pairs, which is what
    ``kernels.bmu.best_two_units`` finds with its sequential scan.

    Serial: the driver calls it right after each chunk's GEMM. OpenBLAS's
    threads keep spinning for a while after a call returns; a numba parallel
    region started then competes with them for the cores. Measured on 2
    cores, one epoch of 70,000 x 784 on a 20x20 map: GEMM alone 0.24 s, GEMM
    + serial kernels 0.30 s, GEMM + parallel kernels 0.50 s.
    """
    m = G.shape[0]
    cosine = metric == COSINE
    lane_s = np.empty(LANES)
    lane_u = np.empty(LANES, dtype=np.int64)
    for i in range(m):
        best_u, best_s, next_u = best_two_lanes(G, unit_term, cosine, i, lane_s, lane_u)
        score[i] = best_s
        bmus[i] = best_u
        far[i] = _far(coords, geometry, max_d2, best_u, next_u)


@parallel_jit
def best_two_direct(X, weights, metric, coords, geometry, max_d2, bmus, dist, far, masks=None):
    """Best and second-best unit of each sample, distances computed term by term.

    For the metrics without a GEMM form (manhattan, chebyshev); any metric
    code of kernels.distances works.

    X        IN  (m, n_features), the chunk's samples, dtype of weights
    weights  IN  (n_units, n_features)
    metric   IN  int, a code from kernels.distances
    coords, geometry, max_d2, bmus, dist, far: as :func:`best_two_gemm`
    masks    IN  ``distances.Masks`` or omitted: masked rows are matched by
                 ``bmu.masked_top_two`` (distances reported rescaled); a
                 row with nothing observed gets BMU -1, left out of the sums
    """
    m = X.shape[0]
    n_tasks = (m + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        for i in range(t * TASK_ROWS, min(m, (t + 1) * TASK_ROWS)):
            if masks is not None:
                if is_masked(masks, X[i]):
                    best_s, best_u, _, next_u = masked_top_two(weights, X[i], metric, masks.mu, masks.total)
                    bmus[i] = best_u
                    dist[i] = to_metric(metric, best_s)
                    far[i] = _far(coords, geometry, max_d2, best_u, next_u)
                    continue
            best_s, best_u, _, next_u = nearest_two(weights, X[i], metric)
            bmus[i] = best_u
            dist[i] = to_metric(metric, best_s)
            far[i] = _far(coords, geometry, max_d2, best_u, next_u)


@inline_jit
def _accumulate_body(X, bmus, dist, far, stats, totals, n_ranges, masks):
    """Add a chunk's samples to their BMUs' sums and counts, and its errors to the totals.

    X        IN    (m, n_features), the chunk's samples
    bmus     IN    (m,) int64
    dist     IN    (m,) float64, each sample's distance to its BMU
    far      IN    (m,) uint8, 1 where the two best units are not adjacent
    stats    INOUT (n_units, n_columns) float64, n_columns >= n_features + 1:
                   sums in columns :n_features, count in column n_features;
                   with ``masks`` of data with NaN, column n_features + 1 + k
                   counts the samples missing feature k (``training.batch``
                   turns the counts into observed counts before smoothing);
                   any further columns are padding and stay untouched
    totals   INOUT (2,) float64: [sum of dist, number of far samples]
    n_ranges IN    int, column ranges accumulated in parallel (1 = serial)
    masks    IN    ``distances.Masks`` or None (the kernel's omitted argument,
                   pruned): a missing value adds nothing to the sums and one
                   to its feature's missing count; BMU -1 (nothing observed)
                   is left out

    Each thread owns a range of columns (a feature's sum and its missing
    count together) and walks all samples in order, so every element of
    ``stats`` receives its samples in sample order: the sums are bit for bit
    those of a serial loop, for any ``n_ranges`` and any chunking of the
    samples.
    """
    m, n_features = X.shape
    n_columns = n_features + 1
    for r in prange(n_ranges):
        lo = r * n_columns // n_ranges
        hi = (r + 1) * n_columns // n_ranges
        top = min(hi, n_features)
        for i in range(m):
            b = bmus[i]
            if masks is not None:
                if b < 0:
                    continue
                for k in range(lo, top):
                    value = X[i, k]
                    if value == value:
                        stats[b, k] += value
                    else:
                        stats[b, n_columns + k] += 1.0
                if hi == n_columns:
                    stats[b, n_features] += 1.0
                continue
            for k in range(lo, top):
                stats[b, k] += X[i, k]
            if hi == n_columns:
                stats[b, n_features] += 1.0
    qe = totals[0]
    n_far = totals[1]
    for i in range(m):
        if masks is not None:
            if bmus[i] < 0:
                continue
        qe += dist[i]
        n_far += far[i]
    totals[0] = qe
    totals[1] = n_far


@fast_jit
def accumulate_gemm(X, bmus, score, far, metric, stats, totals):
    """:func:`_accumulate_body` for the GEMM path (serial, between BLAS calls), finishing the distances.

    score IN (m,) float64, from :func:`best_two_gemm`. While it adds sample
    i to ``stats`` it also sums ``||x_i||^2`` and turns the score into the
    distance: euclidean ``sqrt(max(0, ||x||^2 + score))`` (the cancellation
    can leave a tiny negative for a sample sitting on its unit), cosine
    ``1 + score / |x|`` (1 for a zero sample). The data's norms are never
    stored: no memory per sample beyond the data.
    """
    m, n_features = X.shape
    cosine = metric == COSINE
    qe = totals[0]
    n_far = totals[1]
    for i in range(m):
        b = bmus[i]
        norm2 = 0.0
        for k in range(n_features):
            stats[b, k] += X[i, k]
            a = np.float64(X[i, k])
            norm2 += a * a
        stats[b, n_features] += 1.0
        if cosine:
            x_norm = math.sqrt(norm2)
            qe += 1.0 + score[i] / x_norm if x_norm > 0.0 else 1.0
        else:
            qe += math.sqrt(max(0.0, norm2 + score[i]))
        n_far += far[i]
    totals[0] = qe
    totals[1] = n_far


@fast_jit
def best_two_gemm_masked(G1, G2, metric, coords, geometry, max_d2, bmus, score, far):
    """:func:`best_two_gemm` for rows with missing values, from their two GEMMs.

    G1   IN  (r, n_units), ``X0 @ (mu w).T``: the rows with NaN as 0, the
             codebook times the feature weights mu (ones if none)
    G2   IN  (r, n_units), ``K @ (mu w^2).T``: K the rows' observed mask (1/0)
    bmus, score, far OUT (r,): as :func:`best_two_gemm`

    SOM Toolbox's matrix form (som_bmus.m) of the masked distance: for a
    row x with observed mask k, ``sum_d mu_d k_d (x_d - w_d)^2 = G2[u] - 2
    G1[u] + sum_d mu_d k_d x_d^2``, so a unit's score is ``G2[u] - 2
    G1[u]`` and :func:`best_two_lanes` ranks it with ``G2``'s row as the
    unit term. Cosine: ``-G1[u] / sqrt(G2[u])``, the norm of the unit over
    the row's observed features.
    """
    cosine = metric == COSINE
    n_units = G1.shape[1]
    lane_s = np.empty(LANES)
    lane_u = np.empty(LANES, dtype=np.int64)
    unit_term = np.empty(n_units)
    for j in range(G1.shape[0]):
        for u in range(n_units):
            norm2 = np.float64(G2[j, u])
            if cosine:
                unit_term[u] = 1.0 / math.sqrt(norm2) if norm2 > 0.0 else 0.0
            else:
                unit_term[u] = norm2
        best_u, best_s, next_u = best_two_lanes(G1, unit_term, cosine, j, lane_s, lane_u)
        score[j] = best_s
        bmus[j] = best_u
        far[j] = _far(coords, geometry, max_d2, best_u, next_u)


@fast_jit
def split_masked_rows(X, rows, shift, X0, K):
    """The GEMM operands of rows with missing values: X0 (NaN as 0) and K (1 observed, 0 missing), one pass.

    X     IN  (n, n_features); rows IN (r,) int64, the rows to take
    shift IN  (n_features,) of X's dtype, subtracted (see ``training.batch.common_shift``), or length 0
    X0, K OUT (r, n_features), X's dtype
    """
    shifted = shift.shape[0] > 0
    for j in range(rows.shape[0]):
        i = rows[j]
        for k in range(X.shape[1]):
            value = X[i, k]
            if value == value:
                X0[j, k] = value - shift[k] if shifted else value
                K[j, k] = 1.0
            else:
                X0[j, k] = 0.0
                K[j, k] = 0.0


@fast_jit
def accumulate_gemm_masked(X, bmus, score, far, metric, masks, incomplete, stats, totals):
    """:func:`accumulate_gemm` with feature weights or rows with missing values (NaN).

    masks           IN ``distances.Masks``: the feature weights
    incomplete      IN (m,) uint8, 1 where the chunk's row holds NaN; or
                       length 0: no row does
    stats           INOUT as :func:`_accumulate_body` with masks (missing
                    counts from column n_features + 1) when X has NaN, else
                    (n_units, n_features + 1)

    Sums and counts as :func:`_accumulate_body`: a missing value adds
    nothing to its feature's sum and one to its missing count. The scores
    become distances with the row's weighted norm over its observed
    features, ``sum_d mu_d k_d x_d^2``, and, for an incomplete row, the
    reported rescaling (``distances.reported_scale``). A row with nothing
    observed of weight > 0 is left out (its BMU set to -1).
    """
    m, n_features = X.shape
    mu, weighted, total = masks.mu, masks.weighted, masks.total
    cosine = metric == COSINE
    flagged = incomplete.shape[0] > 0
    qe = totals[0]
    n_far = totals[1]
    for i in range(m):
        b = bmus[i]
        norm2 = 0.0
        observed = 0.0
        if flagged and incomplete[i] != 0:
            for k in range(n_features):
                a = np.float64(X[i, k])
                if a == a:
                    observed += mu[k]
                    norm2 += mu[k] * (a * a)
            if observed <= 0.0:
                bmus[i] = -1
                continue
            for k in range(n_features):
                value = X[i, k]
                if value == value:
                    stats[b, k] += value
                else:
                    stats[b, n_features + 1 + k] += 1.0
        elif weighted:
            for k in range(n_features):
                stats[b, k] += X[i, k]
                a = np.float64(X[i, k])
                norm2 += mu[k] * (a * a)
            observed = total
        else:  # a complete row of an unweighted map: accumulate_gemm's loop
            for k in range(n_features):
                stats[b, k] += X[i, k]
                a = np.float64(X[i, k])
                norm2 += a * a
            observed = total
        stats[b, n_features] += 1.0
        if cosine:
            x_norm = math.sqrt(norm2)
            qe += 1.0 + score[i] / x_norm if x_norm > 0.0 else 1.0
        else:
            qe += math.sqrt(max(0.0, reported_scale(EUCLIDEAN, total, observed) * (norm2 + score[i])))
        n_far += far[i]
    totals[0] = qe
    totals[1] = n_far


@parallel_jit
def accumulate_parallel(X, bmus, dist, far, stats, totals, n_ranges, masks=None):
    """:func:`_accumulate_body` over ``n_ranges`` column ranges in parallel; bit for bit the serial result.

    ``n_ranges`` is passed in (normally ``numba.get_num_threads()``): calling
    that inside the kernel makes numba refuse to cache it.
    """
    _accumulate_body(X, bmus, dist, far, stats, totals, n_ranges, masks)


@fast_jit
def divide(smoothed, weights, new_weights):
    """New weights: smoothed sums over smoothed counts, or the old vector where the count is 0.

    smoothed    IN  (n_units, n_columns) float64, ``H @ stats``; with
                    ``n_columns == 2 n_features + 1`` (data with missing
                    values) each feature k has its own count, column
                    ``n_features + 1 + k`` (SOM Toolbox's per-feature
                    denominator), and keeps its old value where that is 0
    weights     IN  (n_units, n_features), the weights before the epoch
    new_weights OUT (n_units, n_features), dtype of weights
    """
    n_units, n_features = weights.shape
    real = weights.dtype.type
    if smoothed.shape[1] == 2 * n_features + 1:
        for u in range(n_units):
            for k in range(n_features):
                den = smoothed[u, n_features + 1 + k]
                new_weights[u, k] = real(smoothed[u, k] / den) if den != 0.0 else weights[u, k]
        return
    for u in range(n_units):
        den = smoothed[u, n_features]
        if den != 0.0:
            for k in range(n_features):
                new_weights[u, k] = real(smoothed[u, k] / den)
        else:
            for k in range(n_features):
                new_weights[u, k] = weights[u, k]


@fast_jit
def commit(weights, new_weights, state, epochs_done):
    """Copy the epoch's new weights in and record the epoch as done, in one uninterruptible call.

    weights     INOUT (n_units, n_features)
    new_weights IN    (n_units, n_features), same dtype
    state       INOUT (1,) int64, set to ``epochs_done``

    Python delivers KeyboardInterrupt between bytecodes, never inside a
    compiled call, so the weights and the epoch count change together.
    """
    n_units, n_features = weights.shape
    for u in range(n_units):
        for k in range(n_features):
            weights[u, k] = new_weights[u, k]
    state[0] = epochs_done

