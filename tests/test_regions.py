"""Regions of a map (fastsom/analysis/regions.py): issue 14, item 1 and its oracles.

The connected Ward clustering is checked against the literal loop in
``reference/regions.py`` (weighted, recomputed from scratch at every merge)
and, with equal weights, against scikit-learn's AgglomerativeClustering on
the same connectivity.
"""

import numpy as np
import pytest

import reference.regions as ref
from fastsom import SOM
from fastsom.analysis import regions
from fastsom.exceptions import NotFittedError

sklearn = pytest.importorskip("sklearn")

GRIDS = [("rectangular", False), ("rectangular", True), ("hexagonal", False), ("hexagonal", True)]


def same_partition(a, b):
    """Whether two labelings group the units identically (labels may be named differently)."""
    pairs = set(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True))
    return len(pairs) == len(set(a)) == len(set(b))


def touching(table):
    return [[int(v) for v in row if v >= 0 and v != u] for u, row in enumerate(table)]


@pytest.mark.parametrize(("topology", "toroidal"), GRIDS)
def test_connected_ward_is_the_literal_weighted_definition(topology, toroidal):
    rng = np.random.default_rng(4)
    n_rows, n_cols = 4, 6
    prototypes = rng.random((n_rows * n_cols, 3))
    masses = rng.integers(1, 9, n_rows * n_cols).astype(float)
    table = regions.region_neighbors(n_rows, n_cols, topology, toroidal)
    for k in (1, 2, 5, 9):
        fast = regions.connected_ward(prototypes, masses, table, k)
        literal = ref.connected_ward(prototypes.tolist(), masses.tolist(), touching(table), k)
        np.testing.assert_array_equal(fast, literal, err_msg=f"k={k}")


@pytest.mark.parametrize(("topology", "toroidal"), GRIDS)
def test_with_equal_weights_it_is_scikit_learns_connected_ward(topology, toroidal):
    from scipy.sparse import csr_matrix
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(5)
    n_rows, n_cols = 6, 8
    prototypes = rng.random((n_rows * n_cols, 4))
    table = regions.region_neighbors(n_rows, n_cols, topology, toroidal)
    rows, cols = np.nonzero(table >= 0)
    connectivity = csr_matrix((np.ones(len(rows)), (rows, table[rows, cols])), shape=(len(table),) * 2)
    for k in (2, 4, 7):
        ours = regions.connected_ward(prototypes, np.ones(len(prototypes)), table, k)
        ward = AgglomerativeClustering(n_clusters=k, linkage="ward", connectivity=connectivity)
        theirs = ward.fit_predict(prototypes)
        assert same_partition(ours, theirs), f"k={k}"


def connected_components(labels, table):
    """Number of grid-connected pieces of each region (BFS over touching units)."""
    pieces = {}
    seen = np.zeros(len(labels), dtype=bool)
    for start in range(len(labels)):
        if seen[start]:
            continue
        pieces[labels[start]] = pieces.get(labels[start], 0) + 1
        stack, seen[start] = [start], True
        while stack:
            u = stack.pop()
            for v in table[u]:
                if v >= 0 and not seen[v] and labels[v] == labels[u]:
                    seen[v] = True
                    stack.append(v)
    return pieces


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated blobs in 3-D."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.1, 0.1, 0.1], [0.9, 0.2, 0.5], [0.4, 0.9, 0.9]])
    truth = rng.integers(0, 3, 600)
    return centres[truth] + 0.04 * rng.standard_normal((600, 3)), truth


@pytest.mark.parametrize(("topology", "toroidal"), GRIDS)
def test_ward_regions_are_contiguous_and_samples_follow_their_bmu(blobs, topology, toroidal):
    X, _ = blobs
    som = SOM(8, 8, n_iterations=3000, topology=topology, toroidal=toroidal, random_state=0).fit(X)
    labels = som.cluster(5, X=X).ravel()
    table = regions.region_neighbors(8, 8, topology, toroidal)
    assert connected_components(labels, table) == {k: 1 for k in range(5)}
    np.testing.assert_array_equal(som.predict_cluster(X), labels[som.predict(X)])


@pytest.mark.parametrize("method", ["ward", "kmeans"])
def test_the_chosen_k_finds_three_blobs(blobs, method):
    from sklearn.metrics import adjusted_rand_score

    X, truth = blobs
    som = SOM(10, 10, n_iterations=5000, random_state=0).fit(X)
    som.cluster(method=method, X=X)
    assert sorted(som.cluster_scores_) == list(range(2, 11))
    assert min(som.cluster_scores_, key=som.cluster_scores_.get) == len(np.unique(som.clusters_)) == 3
    assert adjusted_rand_score(truth, som.predict_cluster(X)) > 0.95


def test_hits_weigh_the_units():
    # Four units in a row at 0, 1, 2, 3. Equal weights cut the row in the
    # middle; a heavy first unit makes merging with it expensive, so it
    # stays alone: Ward's cost m_a m_b / (m_a + m_b) d^2, worked by hand.
    table = regions.region_neighbors(1, 4, "rectangular", False)
    prototypes = np.array([[0.0], [1.0], [2.0], [3.0]])
    assert regions.connected_ward(prototypes, np.ones(4), table, 2).tolist() == [0, 0, 1, 1]
    assert regions.connected_ward(prototypes, np.array([100.0, 1, 1, 1]), table, 2).tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"n_clusters": 1}, ValueError, r"n_clusters=1 must be an integer from 2 to the number of units \(36\)"),
    ({"n_clusters": 37}, ValueError, r"n_clusters=37 must be an integer from 2"),
    ({"n_clusters": 2.5}, ValueError, r"n_clusters=2.5 must be an integer"),
    ({"n_clusters": 3, "method": "dbscan"}, ValueError, r"method='dbscan' is not one of 'ward', 'kmeans'"),
])
def test_bad_arguments_are_named(blobs, kwargs, error, message):
    som = SOM(6, 6, n_iterations=300, random_state=0).fit(blobs[0])
    with pytest.raises(error, match=message):
        som.cluster(**kwargs)


def test_kmeans_cannot_ask_for_more_regions_than_hit_units():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    som = SOM(5, 5, n_iterations=300, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"number of units that X hits \(\d\)"):
        som.cluster(5, method="kmeans", X=X)


def test_unfitted_maps_and_maps_without_regions_are_refused(blobs):
    with pytest.raises(NotFittedError):
        SOM(3, 3).cluster(2)
    som = SOM(4, 4, n_iterations=200, random_state=0).fit(blobs[0])
    with pytest.raises(NotFittedError, match="call cluster"):
        som.predict_cluster(blobs[0])
    som.cluster(2)
    with pytest.raises(ValueError, match="expecting 3 features"):
        som.predict_cluster(np.zeros((2, 4)))


def test_without_scikit_learn_the_error_names_the_install_line(blobs, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    som = SOM(4, 4, n_iterations=200, random_state=0).fit(blobs[0])
    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"pip install 'fastsom\[cluster\]'"):
        som.cluster(2)
