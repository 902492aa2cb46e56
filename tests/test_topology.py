"""Grid geometry: fastsom's lattice distances equal the reference's plane distances, exactly."""

import numpy as np
import pytest

from fastsom import SOM, topology
from reference import grid as ref_grid

SHAPES = [(1, 1), (1, 5), (4, 1), (3, 4), (4, 6), (6, 5)]


# Every shape, topology and wrap, except hexagonal tori of odd height (refused).
GRIDS = [(r, c, kind, toroidal) for r, c in SHAPES for kind in ("rectangular", "hexagonal")
         for toroidal in (False, True) if not (toroidal and kind == "hexagonal" and r % 2)]


@pytest.mark.parametrize("n_rows, n_cols, kind, toroidal", GRIDS)
def test_grid_distances_equal_the_reference_exactly(n_rows, n_cols, kind, toroidal):
    grid = topology.make_grid(n_rows, n_cols, kind, toroidal)
    for u in range(n_rows * n_cols):
        ref_d2 = [ref_grid.squared_distance(u, v, n_rows, n_cols, kind, toroidal) for v in range(n_rows * n_cols)]
        np.testing.assert_array_equal(topology.grid_squared_distances(grid, u), ref_d2,
                                      err_msg=f"{kind}, toroidal={toroidal}, unit {u}")


@pytest.mark.parametrize(
    "kind, connectivity, expected",
    [("rectangular", 4, 4), ("rectangular", 8, 8), ("hexagonal", 6, 6)],
)
def test_every_unit_of_a_torus_has_the_full_set_of_neighbours(kind, connectivity, expected):
    grid = topology.make_grid(6, 8, kind, toroidal=True)
    max_d2 = topology.ADJACENCY[(kind, connectivity)]
    for u in range(48):
        d2 = topology.grid_squared_distances(grid, u)
        assert np.count_nonzero((d2 > 0) & (d2 <= max_d2)) == expected, f"unit {u}"


def test_planar_hexagonal_neighbour_counts_by_hand():
    # 3x3 hexagonal, odd row shifted right: the centre unit 4 has 6 neighbours;
    # unit 0 (x=0) has 2 (unit 1, and unit 3 at x=0.5); unit 3 (x=0.5) has 5
    # (4, and 0, 1 above, 6, 7 below); unit 5 (x=2.5) has 3 (4, 2, 8).
    grid = topology.make_grid(3, 3, "hexagonal")
    counts = [np.count_nonzero(topology.grid_squared_distances(grid, u) == 1.0) for u in range(9)]
    assert counts == [2, 4, 3, 5, 6, 3, 2, 4, 3]


def test_hexagonal_torus_needs_an_even_number_of_rows():
    with pytest.raises(ValueError, match=r"n_rows=5 must be even for a hexagonal torus"):
        SOM(5, 4, topology="hexagonal", toroidal=True, n_iterations=10).fit(np.zeros((3, 2)))


def test_unknown_topology_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"topology='hex' is not one of 'rectangular', 'hexagonal'"):
        SOM(topology="hex").fit(np.zeros((3, 2)))


def test_topographic_error_counts_neighbours_across_the_seam(fitted_som):
    # A 1x4 ring: units 0 and 3 are neighbours only on the torus.
    weights = np.array([[0.0], [10.0], [20.0], [1.0]])
    X = np.array([[0.4]])  # best unit 0 (0.4), second unit 3 (0.6)
    planar = fitted_som(weights.reshape(1, 4, 1))
    ring = fitted_som(weights.reshape(1, 4, 1), toroidal=True)
    assert planar.topographic_error(X) == 1.0
    assert ring.topographic_error(X) == 0.0


def test_hexagonal_topographic_error_uses_six_neighbours(fitted_som):
    # 2x2 hexagonal: unit 0 (x=0, row 0) and unit 3 (x=1.5, row 1) are at
    # d2 = 2.25 + 0.75 = 3: not neighbours; units 0 and 2 (x = 0.5) are.
    weights = np.array([[0.0], [10.0], [0.5], [0.3]]).reshape(2, 2, 1)
    som = fitted_som(weights, topology="hexagonal")
    assert som.topographic_error(np.array([[0.1]])) == 1.0  # best 0, second 3
    assert som.topographic_error(np.array([[0.45]])) == 0.0  # best 2 (0.5), second 3 (0.3): x 0.5 vs 1.5
    with pytest.raises(ValueError, match=r"connectivity=8 is not one of 6"):
        som.topographic_error(np.array([[0.1]]), connectivity=8)
