"""Map quality measures and BMU queries on a weight matrix.

Guts of the estimator's methods: no input validation here. ``X`` must be a
finite C-contiguous array of the weights' dtype, ``weights`` the
(n_units, n_features) matrix. Results depend only on the data, never on
the number of threads.
"""

import numpy as np

from .kernels import bmu as _bmu


def best_two_units(X, weights):
    """Best and second-best unit of every sample, with squared distances.

    Returns
    -------
    bmu : ndarray (n_samples,) int64
    d2_bmu : ndarray (n_samples,) float64
    second : ndarray (n_samples,) int64, -1 on a one-unit map
    d2_second : ndarray (n_samples,) float64, inf on a one-unit map
    """
    n_samples = X.shape[0]
    bmu = np.empty(n_samples, dtype=np.int64)
    second = np.empty(n_samples, dtype=np.int64)
    d2_bmu = np.empty(n_samples, dtype=np.float64)
    d2_second = np.empty(n_samples, dtype=np.float64)
    _bmu.best_two_units(X, weights, bmu, d2_bmu, second, d2_second)
    return bmu, d2_bmu, second, d2_second


def squared_distances(X, weights):
    """Squared Euclidean distance of every sample to every unit, (n_samples, n_units)."""
    out = np.empty((X.shape[0], weights.shape[0]), dtype=np.float64)
    _bmu.squared_distances(X, weights, out)
    return out


def quantization_error(X, weights):
    """Mean Euclidean distance from each sample to its BMU's weight vector."""
    d2_bmu = best_two_units(X, weights)[1]
    return float(np.mean(np.sqrt(d2_bmu)))


def topographic_error(X, weights, coords, geometry, max_d2):
    """Share of samples whose two best units are farther apart than ``max_d2`` on the grid."""
    if weights.shape[0] < 2:
        raise ValueError("topographic_error needs a map of at least 2 units; this map has 1")
    bmu, _, second, _ = best_two_units(X, weights)
    not_adjacent = np.empty(bmu.shape[0], dtype=np.bool_)
    _bmu.count_not_adjacent(bmu, second, coords, geometry, float(max_d2), not_adjacent)
    return float(np.mean(not_adjacent))
