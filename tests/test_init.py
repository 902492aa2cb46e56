"""Initial maps of ``SOM``: ``init="sample"``, ``init="pca"`` and an explicit array.

The initial map is read from the run the estimator hands the online driver
(the ``runs`` fixture), exactly. Data stay tiny: maps of at most 6x6, at
most 200 samples.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fastsom import SOM, make_plan

N_FEATURES = 3


# ---------------------------------------------------------------------------
# init="sample"
# ---------------------------------------------------------------------------

def test_sample_init_starts_every_unit_on_a_distinct_row_of_X(runs, make_X):
    X = make_X(n_samples=50)
    SOM(4, 5, n_iterations=1, init="sample", random_state=0).fit(X)
    is_row = (runs[0]["weights"][:, None, :] == X[None]).all(-1)  # (n_units, n_samples)
    assert (is_row.sum(axis=1) == 1).all(), "a unit did not start on a row of X"
    assert len(np.unique(is_row.argmax(axis=1))) == 20, "n_samples >= n_units: the rows must be distinct"


def test_sample_init_takes_the_plans_rows(runs, make_X):
    X = make_X(n_samples=50)
    SOM(4, 5, n_iterations=200, init="sample", random_state=3).fit(X)
    plan = make_plan(4, 5, N_FEATURES, 50, 200, random_state=3)
    assert_array_equal(runs[0]["weights"], X[plan.init_indices])


def test_sample_init_is_reproducible(runs, make_X):
    X = make_X(n_samples=50)
    first = SOM(4, 5, n_iterations=200, init="sample", random_state=3).fit(X)
    second = SOM(4, 5, n_iterations=200, init="sample", random_state=3).fit(X)
    SOM(4, 5, n_iterations=200, init="sample", random_state=4).fit(X)
    assert_array_equal(runs[0]["weights"], runs[1]["weights"])
    assert_array_equal(first.weights_, second.weights_)
    assert not np.array_equal(runs[0]["weights"], runs[2]["weights"]), "the seed does not choose the rows"


def test_sample_init_with_fewer_samples_than_units_repeats_rows(runs, make_X):
    X = make_X(n_samples=5)
    SOM(3, 3, n_iterations=20, init="sample", random_state=0).fit(X)
    weights = runs[0]["weights"]
    is_row = (weights[:, None, :] == X[None]).all(-1)
    assert is_row.any(axis=1).all(), "every unit starts on a row of X"


# ---------------------------------------------------------------------------
# init="pca"
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plane():
    """200 points lying exactly on a 2-D plane of R^5: X = a u + b v + c, a spread 3x more than b."""
    rng = np.random.default_rng(0)
    u, v, c = rng.normal(size=(3, 5))
    a = 3.0 * rng.normal(size=200)
    b = rng.normal(size=200)
    X = a[:, None] * u + b[:, None] * v + c
    return X, u, v


def principal_axes(X):
    """The two leading eigenvectors of X's covariance and their standard deviations, by hand."""
    variances, vectors = np.linalg.eigh(np.cov(X, rowvar=False))  # ascending
    return vectors[:, -1], vectors[:, -2], np.sqrt(variances[-1]), np.sqrt(variances[-2])


def pca_initial_weights(runs, X, n_rows, n_cols, **params):
    SOM(n_rows, n_cols, n_iterations=10, init="pca", **params).fit(X)
    return runs[-1]["weights"].reshape(n_rows, n_cols, X.shape[1])


def test_pca_init_lies_in_the_plane_of_the_data(runs, plane):
    X, u, v = plane
    weights = pca_initial_weights(runs, X, 4, 6)
    basis, _ = np.linalg.qr(np.column_stack([u, v]))
    offsets = (weights - X.mean(axis=0)).reshape(-1, 5)
    residual = offsets - (offsets @ basis) @ basis.T
    assert_allclose(residual, 0.0, rtol=0, atol=1e-12, err_msg="units off the plane through the mean")


@pytest.mark.parametrize(("n_rows", "n_cols"), [(4, 6), (6, 4), (4, 4)])
def test_pca_init_orders_the_longer_side_along_the_first_component(runs, plane, n_rows, n_cols):
    X, _, _ = plane
    first, second, _, _ = principal_axes(X)
    offsets = pca_initial_weights(runs, X, n_rows, n_cols) - X.mean(axis=0)
    along_first, along_second = offsets @ first, offsets @ second  # (n_rows, n_cols) each
    if n_rows >= n_cols:  # the first component runs down the columns (row index), the second along the rows
        along_first, along_second = along_first.T, along_second.T
    # now the first component must change along axis 1 and the second along axis 0
    steps = np.diff(along_first, axis=1)
    assert (steps > 0).all() or (steps < 0).all(), f"not monotone along the longer side ({n_rows}x{n_cols})"
    assert_allclose(np.diff(along_first, axis=0), 0.0, rtol=0, atol=1e-12)
    steps = np.diff(along_second, axis=0)
    assert (steps > 0).all() or (steps < 0).all(), f"not monotone along the shorter side ({n_rows}x{n_cols})"
    assert_allclose(np.diff(along_second, axis=1), 0.0, rtol=0, atol=1e-12)


def test_pca_init_corners_are_one_standard_deviation_out(runs, plane):
    X, _, _ = plane
    first, second, std_first, std_second = principal_axes(X)
    weights = pca_initial_weights(runs, X, 4, 6)
    corners = np.array([weights[0, 0], weights[0, -1], weights[-1, 0], weights[-1, -1]]) - X.mean(axis=0)
    coordinates = np.column_stack([corners @ first, corners @ second])
    assert_allclose(np.abs(coordinates), [[std_first, std_second]] * 4, rtol=1e-12, atol=0)
    signs = {tuple(s) for s in np.sign(coordinates).astype(int)}
    assert signs == {(1, 1), (1, -1), (-1, 1), (-1, -1)}, "the corners span +-1 std of both components"


def test_pca_init_is_deterministic(runs, plane):
    X, _, _ = plane
    one = pca_initial_weights(runs, X, 4, 6, random_state=0)
    other = pca_initial_weights(runs, X, 4, 6, random_state=1)
    assert_array_equal(one, other, err_msg="pca init does not depend on the seed")
    first = SOM(4, 6, n_iterations=300, init="pca", random_state=0).fit(X)
    second = SOM(4, 6, n_iterations=300, init="pca", random_state=0).fit(X)
    assert_array_equal(first.weights_, second.weights_)


def test_pca_init_with_one_feature_spans_one_standard_deviation(runs, make_X):
    X = make_X(n_features=1)
    weights = pca_initial_weights(runs, X, 3, 5)[..., 0]
    std = X.std(ddof=1)
    assert_allclose(np.diff(weights, axis=0), 0.0, rtol=0, atol=1e-12)  # 5 > 3: along each row
    assert_allclose(np.sort(np.abs(weights[0, [0, -1]] - X.mean())), [std, std], rtol=1e-12)
    assert (np.diff(weights[0]) > 0).all() or (np.diff(weights[0]) < 0).all()


def test_pca_init_with_one_sample_puts_every_unit_on_it(runs, plane):
    X = plane[0][:1]
    weights = pca_initial_weights(runs, X, 3, 4)
    assert_allclose(weights, np.broadcast_to(X[0], weights.shape), rtol=0, atol=1e-15)
    assert np.isfinite(SOM(3, 4, n_iterations=10, init="pca").fit(X).weights_).all()


def test_explicit_init_array_is_used_as_given(runs, X):
    init = np.random.default_rng(5).normal(size=(3, 4, N_FEATURES))
    SOM(3, 4, n_iterations=10, init=init).fit(X)
    assert_array_equal(runs[0]["weights"], init.reshape(12, N_FEATURES))
