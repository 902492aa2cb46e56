"""Quantization and topographic errors, distortion and topographic product against the reference,
on every topology and distance, and by hand on tiny maps."""

import numpy as np
import pytest

from fastsom import topology
from fastsom.analysis import metrics
from fastsom.options import DISTANCES, NEIGHBORHOODS
from reference import grid as ref_grid
from reference import metrics as ref_metrics
from reference.online import NEIGHBORHOODS as REF_NEIGHBORHOODS

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


@pytest.mark.parametrize("seed, distance", list(enumerate(DISTANCES)))
@pytest.mark.parametrize("kind, toroidal, connectivity", GRIDS[1::2] + GRIDS[4:5])
def test_distortion_and_topographic_product_equal_the_reference(kind, toroidal, connectivity, seed, distance):
    n_rows, n_cols = 4, 4
    X, _ = _data(seed, n_rows * n_cols)
    # Continuous weights: the topographic product divides by weight distances, 0 for duplicate units.
    weights = np.random.default_rng(seed + 100).random((n_rows * n_cols, 3))
    grid = topology.make_grid(n_rows, n_cols, kind, toroidal)
    grid_d2 = ref_grid.distance_function(n_rows, n_cols, kind, toroidal)
    metric = DISTANCES[distance]
    for name, sigma in [("gaussian", 1.3), ("bubble", 1.0), ("mexican_hat", 2.0)]:
        assert metrics.distortion(X, weights, *grid, sigma, NEIGHBORHOODS[name], metric) == pytest.approx(
            ref_metrics.distortion(X, weights, grid_d2, sigma, REF_NEIGHBORHOODS[name], distance), rel=1e-12)
    assert metrics.topographic_product(weights, *grid, metric) == pytest.approx(
        ref_metrics.topographic_product(weights, grid_d2, distance), rel=1e-10, abs=1e-14)


def test_distortion_by_hand():
    # 1x2 map, weights 0 and 1; gaussian of sigma 1: h = 1 at the BMU, exp(-1/2) next door.
    # Sample 0.25: BMU 0, energy 0.25^2 + exp(-1/2) 0.75^2. Sample 1.5: BMU 1, 0.5^2 + exp(-1/2) 1.5^2.
    weights = np.array([[0.0], [1.0]])
    X = np.array([[0.25], [1.5]])
    expected = (0.0625 + np.exp(-0.5) * 0.5625 + 0.25 + np.exp(-0.5) * 2.25) / 2
    assert metrics.distortion(X, weights, *topology.make_grid(1, 2), 1.0, 0) == pytest.approx(expected, rel=1e-15)


def test_distortion_without_neighbours_is_the_mean_squared_quantization_error():
    X, _ = _data(5, 1)
    weights = np.random.default_rng(6).random((12, 3))
    bubble = NEIGHBORHOODS["bubble"]  # sigma < 1 reaches the BMU only
    dist = np.sqrt(metrics.best_two_units(X, weights)[1])
    assert metrics.distortion(X, weights, *topology.make_grid(3, 4), 0.5, bubble) == pytest.approx(
        np.mean(dist ** 2), rel=1e-12)


def test_topographic_product_by_hand():
    # 1x3 map. Only k = 1 contributes (for k = N - 1 both orders hold the same units, ratio 1).
    # Weights 0, 10, 1: unit 0's grid neighbour is 1, its data neighbour 2: Q1 = 10/1, Q2 = 1/2.
    # Unit 1: grid neighbour 0 (tie with 2: lower index), data neighbour 2: Q1 = 10/9, Q2 = 1.
    # Unit 2: grid neighbour 1, data neighbour 0: Q1 = 9/1, Q2 = 1/2.
    # P = 1/(3 * 2) * 1/2 * log(5 * 10/9 * 4.5) = log(25) / 12.
    grid = topology.make_grid(1, 3)
    assert metrics.topographic_product(np.array([[0.0], [10.0], [1.0]]), *grid) == pytest.approx(
        np.log(25) / 12, rel=1e-14)
    # Weights in grid order: both orders agree everywhere.
    assert metrics.topographic_product(np.array([[0.0], [1.0], [10.0]]), *grid) == 0.0
    # A map whose weights are its own lattice positions preserves every order.
    positions = topology.make_grid(4, 5).coords
    assert metrics.topographic_product(positions, *topology.make_grid(4, 5)) == 0.0


def test_topographic_product_edge_cases():
    grid = topology.make_grid(1, 3)
    assert np.isnan(metrics.topographic_product(np.array([[0.0], [1.0], [1.0]]), *grid))  # duplicate units
    with pytest.raises(ValueError, match="at least 2 units"):
        metrics.topographic_product(np.zeros((1, 2)), *topology.make_grid(1, 1))


def test_metrics_do_not_build_a_samples_by_units_array():
    import tracemalloc

    rng = np.random.default_rng(0)
    X, weights = rng.random((20000, 4)), rng.random((400, 4))
    grid = topology.make_grid(20, 20)
    metrics.distortion(X[:10], weights, *grid, 2.0, 0)  # compile outside the measurement
    tracemalloc.start()
    metrics.distortion(X, weights, *grid, 2.0, 0)
    metrics.quantization_error(X, weights)
    metrics.topographic_error(X, weights, *grid, 2.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < X.shape[0] * weights.shape[0] * 8 / 20  # the full table would be 64 MB
