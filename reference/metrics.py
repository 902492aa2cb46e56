"""Map quality measures, one sample and one unit at a time.

* quantization error: the mean, over samples, of the distance from the
  sample to its best matching unit (in the BMU search's metric);
* topographic error: the share of samples whose best and second-best
  units are not neighbours on the grid (squared grid distance above
  ``max_d2``: 1 for 4-connected rectangular and for hexagonal maps, 2 for
  8-connected rectangular maps).

Ties go to the lowest unit index for the best unit and for the second.
"""

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
