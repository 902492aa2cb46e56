"""Plots run headless, return their Axes/Figure and draw one cell per unit with the right values."""

import numpy as np
import pytest

from fastsom import SOM
from fastsom.analysis import plot

plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module", params=["rectangular", "hexagonal"])
def fitted(request):
    rng = np.random.default_rng(0)
    X = rng.random((120, 3))
    y = np.array(["a", "b", "c"])[(X[:, 0] * 3).astype(int)]
    return SOM(4, 6, n_iterations=600, topology=request.param, random_state=0).fit(X), X, y


def _cells(ax):
    (cells,) = [c for c in ax.collections if c.__class__.__name__ == "PolyCollection"]
    return cells


def test_cell_shapes_follow_the_topology():
    squares = plot.cell_polygons(2, 3)
    hexagons = plot.cell_polygons(2, 3, "hexagonal")
    assert squares.shape == (6, 4, 2) and hexagons.shape == (6, 6, 2)
    # Squares tile the plane: unit (0, 1) spans x in [0.5, 1.5]; unit (1, 0) spans y in [0.5, 1.5].
    assert squares[1, :, 0].min() == 0.5 and squares[1, :, 0].max() == 1.5
    assert squares[3, :, 1].min() == 0.5 and squares[3, :, 1].max() == 1.5
    # Hexagons: width 1 (neighbours in a row touch), odd rows shifted right by half a cell.
    assert hexagons[0, :, 0].max() - hexagons[0, :, 0].min() == pytest.approx(1.0)
    assert hexagons[3].mean(axis=0) == pytest.approx([0.5, np.sqrt(3) / 2])
    # Neighbouring hexagons share an edge: two corners in common.
    shared = [c for c in hexagons[0] if np.isclose(hexagons[3], c).all(axis=1).any()]
    assert len(shared) == 2


def test_plot_colours_draws_each_unit_in_its_colour():
    weights = np.random.default_rng(0).random((4, 5, 3)) * 1.2 - 0.1  # some values outside [0, 1]
    ax = plot.plot_colours(weights, title="map")
    cells = _cells(ax)
    assert len(cells.get_paths()) == 20
    np.testing.assert_allclose(cells.get_facecolor()[:, :3], np.clip(weights, 0, 1).reshape(20, 3))
    assert ax.get_title() == "map"
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # row 0 on top, as the tutorial draws it


def test_plot_colours_uses_the_maps_topology_and_the_given_axes(fitted):
    som, _, _ = fitted
    fig, ax = plt.subplots()
    assert plot.plot_colours(som, ax=ax) is ax
    corners = {"rectangular": 4, "hexagonal": 6}[som.topology]
    assert all(len(p.vertices) >= corners for p in _cells(ax).get_paths())
    np.testing.assert_allclose(_cells(ax).get_facecolor()[:, :3], np.clip(som.weights_, 0, 1).reshape(-1, 3))


def test_plot_colours_refuses_maps_without_three_features():
    with pytest.raises(ValueError, match=r"3 features.*\(2, 2, 4\)"):
        plot.plot_colours(np.zeros((2, 2, 4)))


def test_umatrix_and_hits_show_the_maps_values(fitted):
    som, X, _ = fitted
    ax = plot.plot_umatrix(som)
    np.testing.assert_array_equal(_cells(ax).get_array(), som.umatrix().ravel())
    assert len(ax.figure.axes) == 2  # the map and its colour bar
    ax = plot.plot_hits(som, X)
    hits = som.hit_counts(X)
    np.testing.assert_array_equal(_cells(ax).get_array(), hits.ravel())
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(hits[hits > 0].tolist())
    assert len(plot.plot_hits(som, X, annotate=False).texts) == 0


def test_component_planes_one_panel_per_feature(fitted):
    som, _, _ = fitted
    fig = plot.plot_components(som, feature_names=["r", "g", "b"])
    maps = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in maps] == ["r", "g", "b"]
    for k, ax in enumerate(maps):
        np.testing.assert_array_equal(_cells(ax).get_array(), som.weights_[:, :, k].ravel())
    fig = plot.plot_components(som, features=[2], n_cols=1)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["feature 2"]
    with pytest.raises(ValueError, match="feature 3 is out of range"):
        plot.plot_components(som, features=[3])


def test_samples_sit_on_their_bmu_within_the_jitter(fitted):
    from fastsom.topology import plot_positions

    som, X, y = fitted
    ax = plot.plot_samples(som, X, y, jitter=0.3, label_names={"a": "alpha"})
    scatters = ax.collections[1:]
    assert [s.get_label() for s in scatters] == ["alpha", "b", "c"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["alpha", "b", "c"]
    centres = plot_positions(*som.weights_.shape[:2], som.topology)[som.predict(X)]
    for scatter, label in zip(scatters, ["a", "b", "c"], strict=True):
        offsets = scatter.get_offsets()
        assert len(offsets) == np.sum(y == label)
        assert np.all(np.hypot(*(offsets - centres[y == label]).T) <= 0.3 + 1e-12)
    again = plot.plot_samples(som, X, y, jitter=0.3, background=None)
    np.testing.assert_array_equal(again.collections[1].get_offsets(), scatters[0].get_offsets())  # seeded


def test_plots_refuse_bad_input(fitted):
    som, X, y = fitted
    with pytest.raises(ValueError, match="one label per sample"):
        plot.plot_samples(som, X, y[:-1])
    with pytest.raises(ValueError, match="background"):
        plot.plot_samples(som, X, y, background="hits")
    with pytest.raises(TypeError, match="fitted fastsom SOM"):
        plot.plot_umatrix(SOM(2, 2))


# ---------------------------------------------------------------- regions (issue 14, item 3)

def test_empty_units_are_left_empty_in_the_hit_map(fitted):
    som, X, _ = fitted
    hits = som.hit_counts(X[:5]).ravel()
    shown = _cells(plot.plot_hits(som, X[:5])).get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(shown), hits == 0)
    np.testing.assert_array_equal(shown[hits > 0], hits[hits > 0])


def test_region_borders_are_the_edges_shared_by_different_regions():
    # A 1 x 4 row cut after unit 1: one vertical edge at x = 1.5.
    borders = plot.region_borders(1, 4, "rectangular", [0, 0, 1, 1])
    assert borders.shape == (1, 2, 2)
    assert sorted(map(tuple, borders[0].tolist())) == [(1.5, -0.5), (1.5, 0.5)]
    # A 2 x 2 square of four regions: the four inner half-edges.
    assert len(plot.region_borders(2, 2, "rectangular", [0, 1, 2, 3])) == 4
    # Hexagonal 2 x 2: unit 0 touches 1 and 2; 3 touches 1 and 2; 1 and 2 touch too (odd row shifted right).
    assert len(plot.region_borders(2, 2, "hexagonal", [0, 1, 2, 3])) == 5
    # Across a torus's seam two cells share no drawn edge: none for the wrap-around pair.
    assert len(plot.region_borders(1, 4, "rectangular", [0, 1, 1, 1], toroidal=True)) == 1


def test_plot_regions_draws_the_borders_of_the_maps_clusters(fitted):
    pytest.importorskip("sklearn")
    som, X, _ = fitted
    with pytest.raises(ValueError, match="call som.cluster"):
        plot.plot_regions(som)
    som.cluster(3)
    ax = plot.plot_regions(som)
    (lines,) = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
    expected = plot.region_borders(4, 6, som.settings_.topology, som.clusters_)
    assert len(lines.get_segments()) == len(expected) > 0
    assert ax.get_title() == "Regions (3)"
    del som.clusters_


def test_plot_codebook_draws_every_grid_edge_at_the_projected_units(fitted):
    som, X, _ = fitted
    ax = plot.plot_codebook(som, X)
    (edges,) = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
    from fastsom.analysis.regions import region_neighbors

    table = region_neighbors(4, 6, som.settings_.topology, False)
    assert len(edges.get_segments()) == int((table > np.arange(24)[:, None]).sum())
    with pytest.raises(ValueError, match="at least 2 samples of 3 features"):
        plot.plot_codebook(som, X[:, :2])


def test_the_full_umatrix_is_drawn_cell_for_cell(fitted):
    from fastsom.analysis.summaries import umatrix_cells

    som, _, _ = fitted
    ax = plot.plot_umatrix(som, full=True)
    (cells,) = [c for c in ax.collections if c.get_array() is not None]
    weights = np.ascontiguousarray(som.weights_.reshape(24, -1))
    np.testing.assert_array_equal(cells.get_array(), umatrix_cells(weights, 4, 6, som.settings_.topology)[1])
