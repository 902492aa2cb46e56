"""U-matrix, neighbour tables, hits, win map, labels map and component planes."""

import numpy as np
import pytest

from fastsom import SOM, NotFittedError, topology
from fastsom.analysis import summaries
from fastsom.options import DISTANCES
from reference import grid as ref_grid
from reference import metrics as ref_metrics

GRIDS = [("rectangular", False, 4), ("rectangular", False, 8), ("rectangular", True, 4), ("rectangular", True, 8),
         ("hexagonal", False, 6), ("hexagonal", True, 6)]
SHAPES = [(1, 1), (1, 4), (2, 2), (2, 3), (3, 1), (4, 5), (6, 3)]


@pytest.mark.parametrize("kind, toroidal, connectivity, n_rows, n_cols", [
    (*grid, *shape) for grid in GRIDS for shape in SHAPES
    if not (grid[0] == "hexagonal" and grid[1] and shape[0] % 2)  # a hexagonal torus needs even n_rows
])
def test_neighbour_tables_equal_the_exact_grid_distances(kind, toroidal, connectivity, n_rows, n_cols):
    table = topology.neighbors(n_rows, n_cols, kind, toroidal, connectivity)
    grid_d2 = ref_grid.distance_function(n_rows, n_cols, kind, toroidal)
    max_d2 = topology.ADJACENCY[(kind, connectivity)]
    for u in range(n_rows * n_cols):
        expected = [v for v in range(n_rows * n_cols) if v != u and grid_d2(u, v) <= max_d2]
        assert [v for v in table[u] if v >= 0] == expected, (u, table[u])


@pytest.mark.parametrize("distance", list(DISTANCES))
@pytest.mark.parametrize("kind, toroidal, connectivity", GRIDS)
def test_umatrix_equals_the_reference(kind, toroidal, connectivity, distance):
    n_rows, n_cols = 4, 3
    weights = np.random.default_rng(len(distance)).random((n_rows * n_cols, 3))
    got = summaries.umatrix(weights, n_rows, n_cols, kind, toroidal, DISTANCES[distance], connectivity)
    expected = ref_metrics.umatrix(weights, ref_grid.distance_function(n_rows, n_cols, kind, toroidal),
                                   topology.ADJACENCY[(kind, connectivity)], distance)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-12)


def test_umatrix_by_hand():
    # 1x3 map with weights 0, 1, 5: unit 0 sees 1 (distance 1), unit 1 sees 0 and 2 ((1 + 4) / 2),
    # unit 2 sees 1 (4). On a torus every unit sees both others.
    weights = np.array([[0.0], [1.0], [5.0]])
    assert summaries.umatrix(weights, 1, 3, connectivity=4).tolist() == [[1.0, 2.5, 4.0]]
    assert summaries.umatrix(weights, 1, 3, toroidal=True, connectivity=4).tolist() == [[3.0, 2.5, 4.5]]
    assert np.isnan(summaries.umatrix(np.zeros((1, 2)), 1, 1)).all()


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(4)
    X = rng.random((200, 3))
    y = np.where(X[:, 0] > 0.5, "right", "left")
    return SOM(4, 5, n_iterations=2000, random_state=0).fit(X), X, y


def test_hit_counts_win_map_and_labels_map_count_every_sample_once(fitted):
    som, X, y = fitted
    bmu = som.predict(X)
    rows, cols = np.divmod(bmu, 5)
    hits = som.hit_counts(X)
    win = som.win_map(X)
    labels = som.labels_map(X, y)
    assert hits.shape == (4, 5) and hits.sum() == len(X)
    assert list(labels.classes) == ["left", "right"]
    for r in range(4):
        for c in range(5):
            members = [i for i in range(len(X)) if rows[i] == r and cols[i] == c]
            assert hits[r, c] == len(members)
            assert win.get((r, c), np.empty(0)).tolist() == members
            assert labels.counts[r, c].tolist() == [sum(y[i] == "left" for i in members),
                                                    sum(y[i] == "right" for i in members)]
    assert set(win) == {(r, c) for r in range(4) for c in range(5) if hits[r, c]}
    majority = labels.majority()
    assert ((majority == -1) == (hits == 0)).all()
    assert (labels.counts.max(axis=2)[hits > 0] == np.take_along_axis(
        labels.counts, majority[..., None].clip(0), axis=2)[..., 0][hits > 0]).all()


def test_component_planes_and_umatrix_shapes(fitted):
    som, _, _ = fitted
    planes = som.component_planes()
    assert planes.shape == (3, 4, 5)
    for k in range(3):
        np.testing.assert_array_equal(planes[k], som.weights_[:, :, k])
    planes[0] += 1  # a copy: the map is untouched
    assert not np.array_equal(planes[0], som.weights_[:, :, 0])
    assert som.umatrix().shape == (4, 5)
    assert not np.array_equal(som.umatrix(connectivity=4), som.umatrix(connectivity=8))


def test_summaries_refuse_bad_input(fitted):
    som, X, y = fitted
    with pytest.raises(ValueError, match="one label per sample"):
        som.labels_map(X, y[:-1])
    with pytest.raises(ValueError, match="connectivity"):
        som.umatrix(connectivity=6)
    with pytest.raises(NotFittedError):
        SOM(2, 2).umatrix()
    with pytest.raises(NotFittedError):
        SOM(2, 2).topographic_product()
    with pytest.raises(ValueError, match="sigma"):
        som.distortion(X, sigma=0.0)
    with pytest.raises(ValueError, match="neighborhood"):
        som.distortion(X, neighborhood="square")


def test_estimator_distortion_defaults_to_the_final_sigma(fitted):
    som, X, _ = fitted
    from fastsom.training import schedules

    # The width of the last training step: sigma from max(4, 5) / 2 = 2.5 towards sigma_end = 1.
    final_sigma = schedules.evaluate("exponential", 2.5, 1.0, 2000, "sigma_schedule")[-1]
    assert 1.0 < final_sigma < 1.001
    assert som.distortion(X) == som.distortion(X, sigma=final_sigma, neighborhood="gaussian")
    assert som.distortion(X, sigma=3.0) > som.distortion(X)


# ---------------------------------------------------------------- the full U-matrix (issue 14, item 3)

def test_full_umatrix_cells_by_hand():
    from fastsom.analysis.summaries import umatrix_cells

    # 2 x 2 rectangular map of one feature: units 0, 1, 2, 4 at (row, col) (0,0), (0,1), (1,0), (1,1).
    weights = np.array([[0.0], [1.0], [2.0], [4.0]])
    positions, values, kinds = umatrix_cells(weights, 2, 2, "rectangular")
    found = {(round(x, 6), round(y, 6)): (v, k) for (x, y), v, k in zip(positions, values, kinds, strict=True)}
    assert found == {
        (0.0, 0.0): (1.5, 0), (1.0, 0.0): (2.0, 0), (0.0, 1.0): (2.0, 0), (1.0, 1.0): (2.5, 0),  # medians
        (0.5, 0.0): (1.0, 1), (0.0, 0.5): (2.0, 1), (1.0, 0.5): (3.0, 1), (0.5, 1.0): (2.0, 1),  # pairs
        (0.5, 0.5): (2.5, 2),  # the diagonals 0-4 and 1-2: (4 + 1) / 2
    }


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_full_umatrix_has_the_toolbox_layout(topology):
    from fastsom.analysis.summaries import umatrix_cells
    from fastsom.topology import neighbors

    weights = np.random.default_rng(0).random((35, 3))
    positions, values, kinds = umatrix_cells(weights, 5, 7, topology)
    edges = int((neighbors(5, 7, topology, False, 4 if topology == "rectangular" else 6) >= 0).sum()) // 2
    if topology == "rectangular":
        assert len(values) == (2 * 5 - 1) * (2 * 7 - 1)  # the toolbox's (2 n - 1) x (2 m - 1)
    else:
        assert len(values) == 35 + edges  # a unit, or a pair of touching units: half the units' spacing
    assert np.isfinite(values).all()
    assert len(np.unique(np.round(positions, 9), axis=0)) == len(positions), "no two cells in one place"
