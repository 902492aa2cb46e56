"""Map quality measures, one sample and one unit at a time.

* quantization error: the mean, over samples, of the distance from the
  sample to its best matching unit (in the BMU search's metric);
* topographic error: the share of samples whose best and second-best
  units are not neighbours on the grid (squared grid distance above
  ``max_d2``: 1 for 4-connected rectangular and for hexagonal maps, 2 for
  8-connected rectangular maps);
* distortion: the SOM's energy, the neighbourhood-weighted squared
  distances from each sample to every unit around its BMU;
* topographic product (Bauer & Pawelzik 1992): how well each unit's
  neighbour order on the grid matches its neighbour order in data space;
* U-matrix: each unit's mean distance to its grid neighbours.

Ties go to the lowest unit index for the best unit and for the second.
"""

import math

from . import distances


def two_best_units(x, weights, distance="euclidean"):
    """(best, second) unit indices for x; second is None on a one-unit map."""
    measure = distances.DISTANCES[distance]
    ranked = sorted(range(len(weights)), key=lambda u: (measure(weights[u], x), u))
    return ranked[0], (ranked[1] if len(ranked) > 1 else None)


def quantization_error(X, weights, distance="euclidean"):
    measure = distances.DISTANCES[distance]
    total = 0.0
    for x in X:
        best, _ = two_best_units(x, weights, distance)
        total += distances.to_metric(distance, measure(weights[best], x))
    return total / len(X)


def topographic_error(X, weights, grid_d2, max_d2, distance="euclidean"):
    errors = 0
    for x in X:
        best, second = two_best_units(x, weights, distance)
        if grid_d2(best, second) > max_d2:
            errors += 1
    return errors / len(X)


def distortion(X, weights, grid_d2, sigma, neighborhood, distance="euclidean"):
    """Mean over samples of sum over units of h(d_grid(bmu, u)) * d(x, w_u)^2.

    ``neighborhood`` is a function (d2, sigma) from reference.online.
    """
    measure = distances.DISTANCES[distance]
    total = 0.0
    for x in X:
        best, _ = two_best_units(x, weights, distance)
        energy = 0.0
        for u in range(len(weights)):
            h = neighborhood(grid_d2(best, u), sigma)
            d = distances.to_metric(distance, measure(weights[u], x))
            energy += h * d * d
        total += energy
    return total / len(X)


def topographic_product(weights, grid_d2, distance="euclidean"):
    """Bauer & Pawelzik (1992): P = 1/(N(N-1)) sum_j sum_k log P3(j, k).

    For unit j, n_A(k) is its k-th nearest unit on the grid and n_V(k) its
    k-th nearest in weight space (j left out, ties to the lower index);
    P3(j, k) = (prod_{l<=k} Q1(j, l) Q2(j, l)) ** (1 / (2k)) with
    Q1 = d_V(j, n_A(l)) / d_V(j, n_V(l)) and Q2 = d_A(j, n_A(l)) / d_A(j, n_V(l)).
    """
    measure = distances.DISTANCES[distance]
    n = len(weights)

    def d_data(a, b):
        return distances.to_metric(distance, measure(weights[a], weights[b]))

    def d_grid(a, b):
        return math.sqrt(grid_d2(a, b))

    total = 0.0
    for j in range(n):
        others = [u for u in range(n) if u != j]
        by_grid = sorted(others, key=lambda u: (d_grid(j, u), u))
        by_data = sorted(others, key=lambda u: (d_data(j, u), u))
        for k in range(1, n):
            product = 1.0
            for l in range(k):
                q1 = d_data(j, by_grid[l]) / d_data(j, by_data[l])
                q2 = d_grid(j, by_grid[l]) / d_grid(j, by_data[l])
                product *= q1 * q2
            total += math.log(product) / (2 * k)
    return total / (n * (n - 1))


def umatrix(weights, grid_d2, max_d2, distance="euclidean"):
    """Per unit, the mean distance to the units at grid distance <= max_d2 (itself excluded)."""
    measure = distances.DISTANCES[distance]
    values = []
    for u in range(len(weights)):
        near = [v for v in range(len(weights)) if v != u and grid_d2(u, v) <= max_d2]
        if not near:
            values.append(float("nan"))
            continue
        values.append(sum(distances.to_metric(distance, measure(weights[u], weights[v])) for v in near) / len(near))
    return values
