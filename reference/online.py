"""The tutorial's online loop, generalised and still literal.

Same loop as :func:`reference.tutorial.train` (pick a sample, find its BMU by
the smallest squared distance with ties to the lowest unit index, pull every
unit towards the sample), but with

* ``X`` in the library's layout, (n_samples, n_features);
* the learning rate and neighbourhood radius given per iteration as arrays,
  so any schedule can be checked;
* the neighbourhood function chosen by name from :data:`NEIGHBORHOODS`, as a
  plain function of (squared grid distance, sigma);
* the grid given as a function ``grid_d2(u, v)`` of two unit indices (see
  :func:`reference.grid.distance_function`), so any topology can be checked.

Plain Python loops over units and features; no vectorisation, on purpose.
"""

import math

import numpy as np

from . import distances


def gaussian(d2, sigma):
    """exp(-d^2 / (2 sigma^2)) on the whole map (MiniSom's default)."""
    return math.exp(-d2 / (2 * sigma * sigma))


def gaussian_cutoff(d2, sigma):
    """The tutorial's influence, only inside the radius: d^2 <= sigma^2."""
    if d2 <= sigma * sigma:
        return math.exp(-d2 / (2 * sigma * sigma))
    return 0.0


def bubble(d2, sigma):
    """1 inside the radius (d^2 <= sigma^2), 0 outside."""
    if d2 <= sigma * sigma:
        return 1.0
    return 0.0


def triangle(d2, sigma):
    """A cone: 1 at the BMU, falling linearly to 0 at distance sigma."""
    d = math.sqrt(d2)
    if d < sigma:
        return 1.0 - d / sigma
    return 0.0


def mexican_hat(d2, sigma):
    """(1 - d^2 / sigma^2) exp(-d^2 / (2 sigma^2)): negative beyond sigma."""
    return (1 - d2 / (sigma * sigma)) * math.exp(-d2 / (2 * sigma * sigma))


NEIGHBORHOODS = {
    "gaussian": gaussian,
    "gaussian_cutoff": gaussian_cutoff,
    "bubble": bubble,
    "triangle": triangle,
    "mexican_hat": mexican_hat,
}


def find_bmu(x, weights, distance="euclidean", return_gap=False):
    """Index of the unit closest to x; strict < keeps the lowest index on ties.

    With ``return_gap``, also the distance from the second-closest unit minus
    the closest one's (inf on a one-unit map): how near the choice was to a tie.
    """
    measure = distances.DISTANCES[distance]
    best, best_dist, second_dist = 0, math.inf, math.inf
    for u in range(len(weights)):
        dist = measure(weights[u], x)
        if dist < best_dist:
            best, best_dist, second_dist = u, dist, best_dist
        elif dist < second_dist:
            second_dist = dist
    if return_gap:
        return best, second_dist - best_dist
    return best


def train_online(X, weights, grid_d2, sample_indices, learning_rate, sigma, neighborhood, distance="euclidean",
                 gaps=None):
    """Online SOM training, one sample per iteration.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    weights : array_like, shape (n_units, n_features)
        Initial weights; copied, not modified.
    grid_d2 : callable (u, v) -> float
        Squared grid distance between units u and v.
    sample_indices, learning_rate, sigma : sequences of length n_iterations
        The sample, learning rate and radius of each iteration.
    neighborhood : str
        A key of :data:`NEIGHBORHOODS`.
    distance : str
        A key of :data:`reference.distances.DISTANCES`, for the BMU search.
    gaps : list, optional
        If given, each iteration appends how far its BMU was from a tie
        (second-best distance minus best).

    Returns
    -------
    weights : ndarray, shape (n_units, n_features), float64
    bmus : ndarray, shape (n_iterations,), int64
    """
    h = NEIGHBORHOODS[neighborhood]
    X = [[float(v) for v in row] for row in np.asarray(X)]
    weights = [[float(v) for v in row] for row in np.asarray(weights)]
    bmus = []
    for i in range(len(sample_indices)):
        x = X[sample_indices[i]]
        bmu, gap = find_bmu(x, weights, distance, return_gap=True)
        if gaps is not None:
            gaps.append(gap)
        bmus.append(bmu)
        for u in range(len(weights)):
            d2 = grid_d2(u, bmu)
            factor = learning_rate[i] * h(d2, sigma[i])
            w = weights[u]
            for k in range(len(w)):
                w[k] = w[k] + factor * (x[k] - w[k])
    return np.array(weights, dtype=np.float64), np.array(bmus, dtype=np.int64)
