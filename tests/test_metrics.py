"""Quantization and topographic errors against the reference, on every topology and distance."""

import numpy as np
import pytest

from fastsom import metrics, topology
from fastsom.distances import DISTANCES
from reference import grid as ref_grid
from reference import metrics as ref_metrics

GRIDS = [("rectangular", False, 4), ("rectangular", False, 8), ("rectangular", True, 4), ("rectangular", True, 8),
         ("hexagonal", False, 6), ("hexagonal", True, 6)]


def _data(seed, n_units, n_features=3, n_samples=40):
    rng = np.random.default_rng(seed)
    # Quantised values: exact ties between units and between distances happen.
    return rng.integers(0, 4, (n_samples, n_features)) / 4, rng.integers(0, 4, (n_units, n_features)) / 4


@pytest.mark.parametrize("seed, distance", list(enumerate(DISTANCES)))
@pytest.mark.parametrize("kind, toroidal, connectivity", GRIDS)
def test_errors_equal_the_reference(kind, toroidal, connectivity, seed, distance):
    n_rows, n_cols = 4, 5
    X, weights = _data(seed, n_rows * n_cols)
    grid = topology.make_grid(n_rows, n_cols, kind, toroidal)
    max_d2 = topology.ADJACENCY[(kind, connectivity)]
    metric = DISTANCES[distance]
    grid_d2 = ref_grid.distance_function(n_rows, n_cols, kind, toroidal)
    assert metrics.quantization_error(X, weights, metric) == pytest.approx(
        ref_metrics.quantization_error(X, weights, distance), rel=1e-12)
    assert metrics.topographic_error(X, weights, *grid, max_d2, metric) == ref_metrics.topographic_error(
        X, weights, grid_d2, max_d2, distance)
    comp_bmu, _, comp_second, _ = metrics.best_two_units(X, weights, metric)
    ref = [ref_metrics.two_best_units(x, weights, distance) for x in X]
    np.testing.assert_array_equal(comp_bmu, [r[0] for r in ref], err_msg=f"{kind} {distance}")
    np.testing.assert_array_equal(comp_second, [r[1] for r in ref], err_msg=f"{kind} {distance}")


def test_topographic_error_by_hand_on_a_tiny_map():
    # 1x3 map, units 0, 1, 2 with weights 0, 1, 5. Sample 0.4: best unit 0,
    # second unit 1 (adjacent). Sample 3.2: best unit 2 (1.8 away), second
    # unit 1 (2.2): adjacent. Sample 2.9: best unit 1 (1.9), second unit 2
    # (2.1): adjacent. Sample -3: best unit 0, second unit 1: adjacent.
    weights = np.array([[0.0], [1.0], [5.0]])
    grid = topology.make_grid(1, 3)
    X = np.array([[0.4], [3.2], [2.9], [-3.0]])
    assert metrics.topographic_error(X, weights, *grid, 1.0) == 0.0
    # Swap units 1 and 2: now unit 0 (0.0) and unit 2 (1.0) are two apart.
    swapped = weights[[0, 2, 1]]
    # 0.4: best 0, second 2 -> not adjacent; 3.2: best 1 (5.0), second 2 -> adjacent;
    # 2.9: best 2 (1.0) at 1.9, second 1 (5.0) at 2.1 -> adjacent; -3: best 0, second 2 -> not adjacent.
    assert metrics.topographic_error(X, swapped, *grid, 1.0) == 0.5
    # quantization error: (0.4 + 1.8 + 1.9 + 3.0) / 4
    assert metrics.quantization_error(X, weights) == pytest.approx((0.4 + 1.8 + 1.9 + 3.0) / 4, rel=1e-15)
