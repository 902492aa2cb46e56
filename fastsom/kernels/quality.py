"""Map quality measures that need more than each sample's two best units.

* ``distortion_terms``: each sample's neighbourhood-weighted squared
  distance to every unit, summed per sample (the SOM's energy);
* ``topographic_product_terms``: per unit, the sum of the Bauer-Pawelzik
  log-ratios comparing its neighbour order on the grid with its neighbour
  order in data space;
* ``neighbor_distances``: per unit, the mean data-space distance to its
  grid neighbours (the U-matrix).

Each writes one value per sample or unit from that sample's or unit's own
data, in a fixed order, and callers sum the outputs with NumPy: results do
not depend on the number of threads. Nothing here allocates an
n_samples x n_units array; the topographic product holds two n_units
vectors per unit being processed.
"""

import math

import numpy as np

from .._jit import parallel_jit, prange
from .bmu import TASK_ROWS
from .distances import (
    has_missing,
    kernel_weights,
    masked_distances,
    row_distance,
    to_metric,
    vector_norm,
    weighted_unit_distance,
)
from .grid import position_d2
from .neighborhoods import neighborhood


@parallel_jit
def distortion_terms(X, weights, bmu, coords, geometry, sigma, kind, metric, feature_weights, missing, out):
    """sum_u h(d_grid(bmu_i, u), sigma) * d(x_i, w_u)^2 for every sample i.

    X        IN  (n_samples, n_features)
    weights  IN  (n_units, n_features)
    bmu      IN  (n_samples,) int64, each sample's best matching unit; -1:
                 none (a row with nothing observed), whose term is nan
    coords   IN  (n_units, 2), geometry IN (4,): see kernels.grid
    sigma    IN  float, the neighbourhood's width
    kind     IN  int, a code from kernels.neighborhoods
    metric   IN  int, a code from kernels.distances
    feature_weights IN (n_features,) float64, or length 0: none
    missing  IN  bool, X may hold NaN; masked rows (NaN, feature weights)
                 use their reported distances (``distances.masked_distances``)
    out      OUT (n_samples,) float64
    """
    n_samples = X.shape[0]
    n_units = weights.shape[0]
    mu, weighted, mu_total = kernel_weights(feature_weights, X.shape[1])
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    n_tasks = (n_samples + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        masked_d = np.empty(n_units)  # a task's scratch, for its masked rows
        for i in range(t * TASK_ROWS, min(n_samples, (t + 1) * TASK_ROWS)):
            if bmu[i] < 0:
                out[i] = np.nan
                continue
            x = X[i]
            masked = weighted or (missing and has_missing(x))
            if masked:
                masked_distances(weights, x, metric, mu, mu_total, masked_d)
            x_norm = vector_norm(x)
            br, bc = coords[bmu[i], 0], coords[bmu[i], 1]
            total = 0.0
            for u in range(n_units):
                h = neighborhood(kind, position_d2(br, bc, coords[u, 0], coords[u, 1],
                                                   period_r, period_c, weight_r, weight_c), sigma)
                if h != 0.0:
                    rank = masked_d[u] if masked else float(row_distance(metric, weights, u, x, x_norm))
                    d = to_metric(metric, rank)
                    total += h * (d * d)
            out[i] = total


@parallel_jit
def topographic_product_terms(weights, coords, geometry, metric, feature_weights, out):
    """Bauer and Pawelzik's log-ratio sum for every unit j.

    With n_k^A(j) the k-th nearest unit to j on the grid and n_k^V(j) the
    k-th nearest in data space (ties to the lower index, j itself left out),
    d_V a data-space distance and d_A a grid distance:

        Q1(j, k) = d_V(w_j, w_{n_k^A(j)}) / d_V(w_j, w_{n_k^V(j)})
        Q2(j, k) = d_A(j, n_k^A(j)) / d_A(j, n_k^V(j))
        out[j] = sum_{k=1}^{N-1} 1/(2k) sum_{l<=k} (log Q1(j, l) + log Q2(j, l))

    weights IN  (n_units, n_features)
    coords  IN  (n_units, 2), geometry IN (4,): see kernels.grid
    metric  IN  int, a code from kernels.distances
    feature_weights IN (n_features,) float64, or length 0: none
    out     OUT (n_units,) float64; inf or nan where a data-space distance
                to j is 0 (two units with the same weights)
    """
    n_units = weights.shape[0]
    mu, weighted, mu_total = kernel_weights(feature_weights, weights.shape[1])
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    for j in prange(n_units):
        w = weights[j]
        w_norm = vector_norm(w)
        d_grid = np.empty(n_units)
        d_data = np.empty(n_units)
        if weighted:
            masked_distances(weights, w, metric, mu, mu_total, d_data)
        for u in range(n_units):
            d_grid[u] = math.sqrt(position_d2(coords[j, 0], coords[j, 1], coords[u, 0], coords[u, 1],
                                              period_r, period_c, weight_r, weight_c))
            rank = d_data[u] if weighted else float(row_distance(metric, weights, u, w, w_norm))
            d_data[u] = to_metric(metric, rank)
        # Stable sorts: equal distances keep index order, the documented tie rule.
        by_grid = np.argsort(d_grid, kind="mergesort")
        by_data = np.argsort(d_data, kind="mergesort")
        total = 0.0
        running = 0.0
        a = 0
        v = 0
        for k in range(1, n_units):
            while by_grid[a] == j:
                a += 1
            while by_data[v] == j:
                v += 1
            na, nv = by_grid[a], by_data[v]
            running += math.log(d_data[na] / d_data[nv]) + math.log(d_grid[na] / d_grid[nv])
            total += running / (2.0 * k)
            a += 1
            v += 1
        out[j] = total


@parallel_jit
def neighbor_distances(weights, neighbors, metric, feature_weights, out):
    """Mean data-space distance from each unit to its grid neighbours.

    weights   IN  (n_units, n_features)
    neighbors IN  (n_units, max_neighbors) int64, unit indices, -1 = none
    metric    IN  int, a code from kernels.distances
    feature_weights IN (n_features,) float64, or length 0: none
    out       OUT (n_units,) float64; nan for a unit without neighbours
    """
    n_units = weights.shape[0]
    mu, weighted, _ = kernel_weights(feature_weights, weights.shape[1])
    for u in prange(n_units):
        w = weights[u]
        w_norm = vector_norm(w)
        total = 0.0
        count = 0
        for k in range(neighbors.shape[1]):
            v = neighbors[u, k]
            if v >= 0:
                if weighted:
                    total += weighted_unit_distance(metric, weights, v, u, mu)
                else:
                    total += to_metric(metric, float(row_distance(metric, weights, v, w, w_norm)))
                count += 1
        out[u] = total / count if count > 0 else np.nan
