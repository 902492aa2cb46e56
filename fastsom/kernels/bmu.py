"""BMU search over many samples: predict, transform and the metrics.

Parallel over chunks of samples (``prange``); each sample's result depends
only on that sample, so outputs are identical for any number of threads.
Distances are computed directly (not as ||w||^2 - 2 x.w + ||x||^2, whose
cancellation can reorder near-ties), by :mod:`fastsom.kernels.distances`,
with ties going to the lowest unit index, the same rule as training.
"""


import numpy as np

from .._jit import fast_jit, inline_jit, parallel_jit, prange
from .distances import COSINE, row_distance, vector_norm
from .grid import grid_d2

#: Samples per parallel task: large enough to amortise scheduling, small
#: enough to balance two to a few dozen threads.
CHUNK = 256


#: Samples per parallel task in the BMU kernels.
ROWS_PER_TASK = 64

#: Interleaved running minima per row in the GEMM BMU search (see best_two_lanes).
LANES = 16


@parallel_jit
def squared_norms(A, out):
    """Squared euclidean norm of every row, in float64.

    A   IN  (n, n_features), float32 or float64
    out OUT (n,) float64
    """
    n, n_features = A.shape
    n_tasks = (n + ROWS_PER_TASK - 1) // ROWS_PER_TASK
    for t in prange(n_tasks):
        for i in range(t * ROWS_PER_TASK, min(n, (t + 1) * ROWS_PER_TASK)):
            acc = 0.0
            for k in range(n_features):
                a = np.float64(A[i, k])
                acc += a * a
            out[i] = acc



@inline_jit
def offer(best_d, best_u, second_d, second_u, d, u):
    """Insert unit u at rank distance d into a top two.

    Candidates are ordered by (distance, unit index): the best is the
    lowest-index unit at the smallest distance, the second the best of the
    others. Scanning units in index order with a strict ``<`` gives the same
    answer, so top twos of unit ranges merge into the top two of the map.
    """
    if d < best_d or (d == best_d and u < best_u):
        return d, u, best_d, best_u
    if d < second_d or (d == second_d and (second_u < 0 or u < second_u)):
        return best_d, best_u, d, u
    return best_d, best_u, second_d, second_u


@inline_jit
def keep(track, best_d, best_u, second_d, second_u, d, u):
    """The scan step of a top two, for units met in index order.

    Strict ``<`` keeps the lowest index on ties (the order of :func:`offer`).
    Most units lose to the second best: one comparison each. The second best
    is kept only when ``track`` (the running errors are wanted): it costs
    20% on the tutorial's map.
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
def nearest_units(weights, x, metric, track):
    """Plain BMU search: the top two units for x (see :func:`offer`); the second only if ``track``."""
    x_norm = vector_norm(x) if metric == COSINE else 0.0
    best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
    for u in range(weights.shape[0]):
        d = row_distance(metric, weights, u, x, x_norm)
        best_d, best_u, second_d, second_u = keep(track, best_d, best_u, second_d, second_u, d, u)
    return best_d, max(best_u, 0), second_d, second_u


@inline_jit
def nearest_two(weights, x, metric):
    """The best and second-best unit for vector x, scanning every unit.

    Returns (best unit, its rank distance, second unit, its rank distance);
    ties go to the lowest index. Unit 0 seeds the search (not -1 with
    distance inf), so the answer is a valid unit even if every distance
    overflowed; the second is -1 (distance inf) on a one-unit map.
    """
    x_norm = vector_norm(x)
    best, best_d = 0, row_distance(metric, weights, 0, x, x_norm)
    second, second_d = -1, np.inf
    for u in range(1, weights.shape[0]):
        d = row_distance(metric, weights, u, x, x_norm)
        if d < best_d:
            second, second_d = best, best_d
            best, best_d = u, d
        elif d < second_d or second < 0:
            second, second_d = u, d
    return best, best_d, second, second_d


@inline_jit
def ranks_before(s, u, best_s, best_u):
    """(s, u) ranks before (best_s, best_u): smaller score, then lower index; anything beats no unit."""
    return best_u < 0 or s < best_s or (s == best_s and u < best_u)


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
def best_two_units(X, weights, metric, bmu, dist_bmu, second, dist_second):
    """First and second best matching unit of every sample.

    X           IN  (n_samples, n_features)
    weights     IN  (n_units, n_features)
    metric      IN  int, a code from kernels.distances
    bmu         OUT (n_samples,) int64, the best unit (lowest index on ties)
    dist_bmu    OUT (n_samples,) float64, its rank distance
    second      OUT (n_samples,) int64, the second best unit, -1 if n_units == 1
    dist_second OUT (n_samples,) float64, its rank distance (inf if none)
    """
    n_samples = X.shape[0]
    n_chunks = (n_samples + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        for i in range(c * CHUNK, min(n_samples, (c + 1) * CHUNK)):
            best, best_d, next_u, next_d = nearest_two(weights, X[i], metric)
            bmu[i] = best
            dist_bmu[i] = best_d
            second[i] = next_u
            dist_second[i] = next_d


@parallel_jit
def rank_distances(X, weights, metric, out):
    """Rank distance of every sample to every unit (squared for euclidean).

    X       IN  (n_samples, n_features)
    weights IN  (n_units, n_features)
    metric  IN  int, a code from kernels.distances
    out     OUT (n_samples, n_units), float64
    """
    n_samples = X.shape[0]
    n_units = weights.shape[0]
    n_chunks = (n_samples + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        for i in range(c * CHUNK, min(n_samples, (c + 1) * CHUNK)):
            x = X[i]
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
