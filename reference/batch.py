"""Kohonen's batch map, literally: BMUs, per-unit sums, a neighbourhood-weighted mean.

Kohonen, "Self-Organizing Maps" (3rd ed., 2001), section 3.14 ("Batch map"):
each epoch assigns every sample to its best matching unit under the current
weights, then replaces every unit's weight vector by the mean of all samples,
each weighted by the neighbourhood function between the unit and the sample's
BMU. Grouped by BMU, with ``S[v]`` the sum of the samples whose BMU is v and
``n[v]`` their count, the new vector of unit u is::

    w[u] = sum_v h(d2(u, v), sigma) * S[v]  /  sum_v h(d2(u, v), sigma) * n[v]

There is no learning rate: an epoch replaces each vector outright.

A unit whose denominator is exactly 0 (no sample has its BMU inside the
unit's neighbourhood) keeps its vector. The formula is applied as written
for every neighbourhood, but it is a weighted *mean* only when the weights
are >= 0: with the mexican hat, units beyond sigma get negative weight, the
denominator can be 0, negative or arbitrarily close to 0, and the "mean"
can land far outside the data. The batch map is ill-posed with such
neighbourhoods; use them with the online algorithm.

Plain Python loops over samples, units and features; no vectorisation, on
purpose.
"""

import numpy as np

from .online import NEIGHBORHOODS, find_bmu


def train_batch(X, weights, grid_d2, sigmas, neighborhood, distance="euclidean"):
    """Batch SOM training, one epoch per entry of ``sigmas``.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    weights : array_like, shape (n_units, n_features)
        Initial weights; copied, not modified.
    grid_d2 : callable (u, v) -> float
        Squared grid distance between units u and v
        (see :func:`reference.grid.distance_function`).
    sigmas : sequence of float, length n_epochs
        The neighbourhood radius of each epoch.
    neighborhood : str
        A key of :data:`reference.online.NEIGHBORHOODS`.
    distance : str
        A key of :data:`reference.distances.DISTANCES`, for the BMU search.

    Returns
    -------
    weights : ndarray, shape (n_units, n_features), float64
    bmus : ndarray, shape (n_samples,), int64
        The BMU of every sample in the last epoch (under the weights before
        that epoch's update).
    """
    h = NEIGHBORHOODS[neighborhood]
    X = [[float(v) for v in row] for row in np.asarray(X)]
    weights = [[float(v) for v in row] for row in np.asarray(weights)]
    n_units = len(weights)
    n_features = len(weights[0])
    bmus = []
    for sigma in sigmas:
        # Step 1: every sample's BMU under this epoch's starting weights.
        bmus = [find_bmu(x, weights, distance) for x in X]
        # Step 2: per-unit sums and counts of the samples it wins.
        S = [[0.0] * n_features for _ in range(n_units)]
        n = [0] * n_units
        for i in range(len(X)):
            for k in range(n_features):
                S[bmus[i]][k] += X[i][k]
            n[bmus[i]] += 1
        # Step 3: each unit becomes the neighbourhood-weighted mean.
        new_weights = []
        for u in range(n_units):
            num = [0.0] * n_features
            den = 0.0
            for v in range(n_units):
                factor = h(grid_d2(u, v), sigma)
                for k in range(n_features):
                    num[k] += factor * S[v][k]
                den += factor * n[v]
            if den != 0:
                new_weights.append([num[k] / den for k in range(n_features)])
            else:
                new_weights.append(list(weights[u]))
        weights = new_weights
    return np.array(weights, dtype=np.float64), np.array(bmus, dtype=np.int64)
