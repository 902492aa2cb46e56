"""The machine's floor: what no implementation of a workload can beat on this machine.

* Batch: :func:`floor_epoch`, one epoch's BMU search and nothing else. The
  chunks of fastsom's batch pass (same chunk size), ``np.matmul(X_chunk,
  W.T)`` (OpenBLAS sgemm, all its threads) and the argmin of ``||w||^2 -
  2 G`` per row (:func:`argmin_rows`, a serial vectorised numba loop); no
  second best, no errors, no sums, no smoothing, no weight update.
* Online: :func:`online_floor`, the BMU search of every iteration (one
  sweep of squared distances over the map per sample, serial, vectorised)
  and nothing else: no neighbourhood, no update. The update reads and
  writes the whole map once more per iteration, so the floor is about half
  of any real online iteration.

Both return the BMUs so that nothing is optimised away and the bench can
check them (:mod:`bench.test_batch`).
"""

import numpy as np

from .._jit import fast_jit


@fast_jit
def argmin_rows(G, w_norm2, bmus):
    """Index of the smallest ``w_norm2[u] - 2 G[i, u]`` per row: the floor's argmin.

    G       IN  (m, n_units) float32
    w_norm2 IN  (n_units,) float64
    bmus    OUT (m,) int64

    fastsom's lane-interleaved search (16 running minima per row,
    vectorised; float64 scores, which measured faster than float32 ones),
    but only the minimum: no second best, no errors.
    """
    m, n_units = G.shape
    lanes = 16
    full = n_units - n_units % lanes
    lane_s = np.empty(lanes)
    lane_u = np.empty(lanes, dtype=np.int64)
    for i in range(m):
        for j in range(lanes):
            lane_s[j] = np.inf
            lane_u[j] = 0
        for u0 in range(0, full, lanes):
            for j in range(lanes):
                s = w_norm2[u0 + j] - 2.0 * np.float64(G[i, u0 + j])
                better = (s < lane_s[j]) & (u0 + j != n_units)
                lane_s[j] = s if better else lane_s[j]
                lane_u[j] = u0 + j if better else lane_u[j]
        best_s, best_u = np.inf, 0
        for j in range(lanes):
            if lane_s[j] < best_s:
                best_s, best_u = lane_s[j], lane_u[j]
        for u in range(full, n_units):
            s = w_norm2[u] - 2.0 * np.float64(G[i, u])
            if s < best_s:
                best_s, best_u = s, u
        bmus[i] = best_u


def floor_epoch(X, weights, chunk_size):
    """Chunked sgemm and argmin over X, nothing else; returns the BMUs (n_samples,) int64.

    X       (n_samples, n_features), C-contiguous, dtype of weights
    weights (n_units, n_features), C-contiguous
    """
    n_samples = X.shape[0]
    w_norm2 = np.einsum("ij,ij->i", weights, weights, dtype=np.float64)
    G = np.empty((chunk_size, weights.shape[0]), dtype=weights.dtype)
    bmus = np.empty(n_samples, dtype=np.int64)
    for lo in range(0, n_samples, chunk_size):
        hi = min(n_samples, lo + chunk_size)
        np.matmul(X[lo:hi], weights.T, out=G[:hi - lo])
        argmin_rows(G[:hi - lo], w_norm2, bmus[lo:hi])
    return bmus


@fast_jit
def online_floor(X, weights, samples, bmus):
    """The BMU of each iteration's sample under fixed weights: the online floor.

    X       IN  (n_samples, n_features)
    weights IN  (n_units, n_features), C-contiguous, dtype of X
    samples IN  (n_iterations,) int64, the sample of each iteration
    bmus    OUT (n_iterations,) int64

    One sweep of squared euclidean distances per iteration (the inner loop
    over features vectorises), ties to the lowest unit; the weights never
    change, which no online algorithm can do better than.
    """
    n_units, n_features = weights.shape
    for i in range(samples.shape[0]):
        x = X[samples[i]]
        best_d, best_u = np.inf, 0
        for u in range(n_units):
            d = 0.0
            for k in range(n_features):
                diff = np.float64(x[k] - weights[u, k])
                d += diff * diff
            if d < best_d:
                best_d, best_u = d, u
        bmus[i] = best_u
