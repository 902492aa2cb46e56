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

from .._jit import parallel_jit, prange, strict_jit
from .bmu import TASK_ROWS, is_masked
from .distances import masked_distances, row_distance, to_metric, vector_norm
from .grid import grid_d2, position_d2
from .neighborhoods import neighborhood


@parallel_jit
def distortion_terms(X, weights, bmu, coords, geometry, sigma, kind, metric, out, masks=None):
    """sum_u h(d_grid(bmu_i, u), sigma) * d(x_i, w_u)^2 for every sample i.

    X        IN  (n_samples, n_features)
    weights  IN  (n_units, n_features)
    bmu      IN  (n_samples,) int64, each sample's best matching unit
    coords   IN  (n_units, 2), geometry IN (4,): see kernels.grid
    sigma    IN  float, the neighbourhood's width
    kind     IN  int, a code from kernels.neighborhoods
    metric   IN  int, a code from kernels.distances
    out      OUT (n_samples,) float64
    masks    IN  ``distances.Masks`` or omitted: masked rows use their
                 reported distances (``distances.masked_distances``); a row
                 without a BMU (-1: nothing observed) gets nan
    """
    n_samples = X.shape[0]
    n_units = weights.shape[0]
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    n_tasks = (n_samples + TASK_ROWS - 1) // TASK_ROWS
    for t in prange(n_tasks):
        for i in range(t * TASK_ROWS, min(n_samples, (t + 1) * TASK_ROWS)):
            if masks is not None:
                if bmu[i] < 0:
                    out[i] = np.nan
                    continue
                if is_masked(masks, X[i]):
                    out[i] = _masked_distortion(X[i], weights, bmu[i], coords, geometry, sigma, kind, metric, masks)
                    continue
            x = X[i]
            x_norm = vector_norm(x)
            br, bc = coords[bmu[i], 0], coords[bmu[i], 1]
            total = 0.0
            for u in range(n_units):
                h = neighborhood(kind, position_d2(br, bc, coords[u, 0], coords[u, 1],
                                                   period_r, period_c, weight_r, weight_c), sigma)
                if h != 0.0:
                    d = to_metric(metric, float(row_distance(metric, weights, u, x, x_norm)))
                    total += h * (d * d)
            out[i] = total


@strict_jit
def _masked_distortion(x, weights, bmu, coords, geometry, sigma, kind, metric, masks):
    """One masked row's term of :func:`distortion_terms`, from its reported distances; outlined (kernels.distances)."""
    n_units = weights.shape[0]
    distances = np.empty(n_units)
    masked_distances(weights, x, metric, masks.mu, masks.total, distances)
    total = 0.0
    for u in range(n_units):
        h = neighborhood(kind, grid_d2(coords, geometry, bmu, u), sigma)
        if h != 0.0:
            d = to_metric(metric, distances[u])
            total += h * (d * d)
    return total


@parallel_jit
def topographic_product_terms(weights, coords, geometry, metric, out):
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
    out     OUT (n_units,) float64; inf or nan where a data-space distance
                to j is 0 (two units with the same weights)
    """
    n_units = weights.shape[0]
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    for j in prange(n_units):
        w = weights[j]
        w_norm = vector_norm(w)
        d_grid = np.empty(n_units)
        d_data = np.empty(n_units)
        for u in range(n_units):
            d_grid[u] = math.sqrt(position_d2(coords[j, 0], coords[j, 1], coords[u, 0], coords[u, 1],
                                              period_r, period_c, weight_r, weight_c))
            d_data[u] = to_metric(metric, float(row_distance(metric, weights, u, w, w_norm)))
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
def neighbor_distances(weights, neighbors, metric, out):
    """Mean data-space distance from each unit to its grid neighbours.

    weights   IN  (n_units, n_features)
    neighbors IN  (n_units, max_neighbors) int64, unit indices, -1 = none
    metric    IN  int, a code from kernels.distances
    out       OUT (n_units,) float64; nan for a unit without neighbours
    """
    n_units = weights.shape[0]
    for u in prange(n_units):
        w = weights[u]
        w_norm = vector_norm(w)
        total = 0.0
        count = 0
        for k in range(neighbors.shape[1]):
            v = neighbors[u, k]
            if v >= 0:
                total += to_metric(metric, float(row_distance(metric, weights, v, w, w_norm)))
                count += 1
        out[u] = total / count if count > 0 else np.nan
