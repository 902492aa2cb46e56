"""SOMClassifier and SOMRegressor: unit labels equal the literal loops of ``reference.supervised``.

``ref_`` results come from ``reference/supervised.py`` (pure Python, one
unit, row and column at a time); ``comp_`` from fastsom. The maps
themselves are SOM's (tested elsewhere); what is checked here is what a
supervised map adds: unit labels (joint and post hoc), probabilities, the
empty-unit neighbourhood average, the label balance, predictions, the
scikit-learn contract, and that ``label_weight=0`` is the unsupervised map
bit for bit.
"""

import inspect
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from fastsom import SOM, SOMClassifier, SOMRegressor
from fastsom.datasets import load_iris
from fastsom.settings import resolve
from fastsom.supervised import (
    joint_probabilities,
    label_column_weight,
    label_prior,
    post_hoc_statistics,
    unit_labels,
)
from reference import grid as ref_grid
from reference import supervised as ref

ESTIMATORS = [SOMClassifier, SOMRegressor]
SMALL = dict(n_rows=4, n_cols=4, n_iterations=600, random_state=0)


@pytest.fixture(scope="module")
def iris():
    """Iris scaled to [0, 1] (so the default random init covers it), and its species."""
    X, y, *_ = load_iris()
    return (X - X.min(axis=0)) / np.ptp(X, axis=0), y


def semi_labels(y, share, seed=0):
    """y with a ``share`` of its rows relabelled -1 (unlabelled), a copy."""
    y = np.array(y)
    y[np.random.default_rng(seed).random(y.shape[0]) < share] = -1
    return y


def as_lists(array):
    """Nested Python lists with NaN kept (the reference reads NaN as missing)."""
    return np.asarray(array, dtype=np.float64).tolist()


# ---------------------------------------------------------------------------
# The pieces, against the literal loops
# ---------------------------------------------------------------------------

GRIDS = st.tuples(st.integers(1, 5), st.integers(1, 5), st.sampled_from(["rectangular", "hexagonal"]),
                  st.booleans()).filter(lambda g: g[0] * g[1] > 1 and not (g[2] == "hexagonal" and g[3] and g[0] % 2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid=GRIDS, sigma=st.floats(0.3, 4.0), n_columns=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_unit_labels_and_the_empty_unit_average_equal_the_reference(grid, sigma, n_columns, seed):
    n_rows, n_cols, topology, toroidal = grid
    n_units = n_rows * n_cols
    rng = np.random.default_rng(seed)
    N = rng.integers(0, 3, size=(n_units, n_columns)).astype(np.float64)
    empty, labelled = rng.choice(n_units, size=2, replace=False)
    N[empty, :] = 0.0  # at least one empty unit, and one labelled unit to average from
    N[labelled, 0] = 2.0
    S = N * rng.normal(size=(n_units, n_columns))
    prior = rng.normal(size=n_columns)
    setup = resolve(SOM(n_rows, n_cols, topology=topology, toroidal=toroidal, sigma=sigma, sigma_end=sigma,
                        n_iterations=10).get_params())
    final_sigma = setup.final_sigma
    comp = unit_labels(S, N, setup, prior)
    ref_out = ref.unit_labels(S.tolist(), N.tolist(), ref_grid.distance_function(n_rows, n_cols, topology, toroidal),
                              final_sigma, prior.tolist())
    assert_allclose(comp, ref_out, rtol=1e-12, atol=1e-300, err_msg=f"grid={grid}, sigma={final_sigma}")


@settings(max_examples=40, deadline=None)
@given(n_samples=st.integers(1, 30), n_units=st.integers(1, 6), n_columns=st.integers(1, 3),
       seed=st.integers(0, 2**31))
def test_post_hoc_statistics_equal_the_reference(n_samples, n_units, n_columns, seed):
    rng = np.random.default_rng(seed)
    bmu = rng.integers(-1, n_units, size=n_samples)  # -1: a row with nothing observed
    Y = rng.normal(size=(n_samples, n_columns))
    Y[rng.random(Y.shape) < 0.3] = np.nan  # unlabelled values
    comp_S, comp_N = post_hoc_statistics(bmu, Y, n_units)
    ref_S, ref_N = ref.post_hoc_statistics([None if b < 0 else int(b) for b in bmu], as_lists(Y), n_units)
    assert_allclose(comp_S, ref_S, rtol=1e-13, atol=1e-13)
    assert_array_equal(comp_N, ref_N)
    if not np.isnan(Y).all(axis=0).any():  # the prior needs a label in every column
        assert_allclose(label_prior(Y), ref.prior(as_lists(Y)), rtol=1e-13)


def test_joint_probabilities_clip_normalise_and_fall_back_to_the_prior():
    block = np.array([[0.2, 0.6, 0.2], [-0.1, 0.5, 0.7], [-0.3, -0.2, -0.1], [0.0, 0.0, 0.0], [0.25, 0.25, 0.5]])
    prior = np.array([0.5, 0.3, 0.2])
    comp = joint_probabilities(block, prior)
    ref_out = ref.joint_probabilities(block.tolist(), prior.tolist())
    assert_allclose(comp, ref_out, rtol=1e-15)
    assert_array_equal(comp[2], prior), "nothing left after the clip: the prior"
    assert_allclose(comp.sum(axis=1), 1.0, rtol=1e-15)


@settings(max_examples=30, deadline=None)
@given(n_samples=st.integers(2, 20), n_features=st.integers(1, 4), n_columns=st.integers(1, 3),
       label_weight=st.floats(0.0, 10.0), seed=st.integers(0, 2**31))
def test_label_balance_equals_the_reference(n_samples, n_features, n_columns, label_weight, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    X[rng.random(X.shape) < 0.2] = np.nan
    Y = rng.normal(size=(n_samples, n_columns))
    Y[rng.random(Y.shape) < 0.2] = np.nan
    mu = rng.random(n_features) * (rng.random(n_features) < 0.8)  # zeros among them
    comp = label_column_weight(X, Y, label_weight, mu)
    assert comp == pytest.approx(ref.label_column_weight(as_lists(X), as_lists(Y), label_weight, mu.tolist()),
                                 rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------------------
# Whole estimators, against the reference
# ---------------------------------------------------------------------------

def test_post_hoc_classifier_equals_the_reference_with_unlabelled_rows_and_empty_units(iris):
    X, y = iris
    y = semi_labels(y, 0.3)
    clf = SOMClassifier(6, 6, supervision="post_hoc", n_iterations=1500, random_state=1).fit(X, y)
    bmus = [int(b) for b in clf.som_.predict(X)]
    one_hot = [[float(label == c) for c in range(3)] if label >= 0 else [np.nan] * 3 for label in y]
    S, N = ref.post_hoc_statistics(bmus, one_hot, 36)
    ref_prior = ref.prior(one_hot)
    ref_units = ref.unit_labels(S, N, ref_grid.distance_function(6, 6), clf.som_.settings_.final_sigma, ref_prior)
    assert sum(1 for counts in N if counts[0] == 0) >= 3, "too few empty units to test their average"
    assert_allclose(clf.unit_proba_.reshape(36, 3), ref_units, rtol=1e-12)
    X_new = np.random.default_rng(5).random((40, 4))
    comp_proba = clf.predict_proba(X_new)
    ref_proba = ref.predict([int(b) for b in clf.som_.predict(X_new)], ref_units, ref_prior)
    assert_allclose(comp_proba, ref_proba, rtol=1e-12)
    assert_array_equal(clf.predict(X_new), [ref.predict_class(p) for p in ref_proba])


def test_joint_classifier_probabilities_are_its_label_prototypes_by_the_reference(iris):
    X, y = iris
    clf = SOMClassifier(5, 5, n_iterations=1500, random_state=0).fit(X, semi_labels(y, 0.2))
    prototypes = clf.label_prototypes_.reshape(25, 3)
    ref_units = ref.joint_probabilities(prototypes.tolist(), clf.prior_.tolist())
    assert_allclose(clf.unit_proba_.reshape(25, 3), ref_units, rtol=1e-14)
    comp = clf.predict_proba(X)
    assert_allclose(comp, ref.predict([int(b) for b in clf.som_.predict(X)], ref_units, clf.prior_), rtol=1e-14)
    assert_array_equal(clf.predict(X), [ref.predict_class(p) for p in comp])
    assert clf.score(X, y) > 0.9


def test_joint_regressor_with_unlabelled_values_equals_its_prototypes():
    rng = np.random.default_rng(0)
    X = rng.random((200, 2))
    y = np.column_stack([X[:, 0] + X[:, 1], 10 * X[:, 0]])
    y_train = y.copy()
    y_train[rng.random(y.shape) < 0.25] = np.nan  # single outputs unlabelled
    reg = SOMRegressor(5, 5, n_iterations=3000, random_state=0).fit(X, y_train)
    assert reg.unit_values_.shape == (5, 5, 2)
    assert_array_equal(reg.unit_values_, reg.label_prototypes_)
    comp = reg.predict(X)
    assert_allclose(comp, ref.predict([int(b) for b in reg.som_.predict(X)], reg.unit_values_.reshape(25, 2),
                                      reg.prior_), rtol=1e-14)
    assert reg.score(X, y) > 0.8


def test_post_hoc_regressor_of_one_output_predicts_a_vector():
    rng = np.random.default_rng(1)
    X = rng.random((150, 2))
    y = X[:, 0] - X[:, 1]
    reg = SOMRegressor(6, 6, supervision="post_hoc", n_iterations=2000, random_state=0).fit(X, y)
    bmus = [int(b) for b in reg.som_.predict(X)]
    S, N = ref.post_hoc_statistics(bmus, [[v] for v in y], 36)
    ref_units = ref.unit_labels(S, N, ref_grid.distance_function(6, 6), reg.som_.settings_.final_sigma,
                                [float(y.mean())])
    assert_allclose(reg.unit_values_.reshape(36, 1), ref_units, rtol=1e-12)
    assert reg.unit_values_.shape == (6, 6) and reg.predict(X).shape == (150,)


# ---------------------------------------------------------------------------
# label_weight=0 and the data block's start
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("params", [dict(n_iterations=800), dict(algorithm="batch", n_epochs=5, init="pca")],
                         ids=["online", "batch-pca"])
def test_label_weight_zero_is_the_unsupervised_map_bit_for_bit(iris, estimator, params):
    X, y = iris
    comp = estimator(4, 5, label_weight=0.0, random_state=3, **params).fit(X, y)
    ref_map = SOM(4, 5, random_state=3, **params).fit(X)
    assert_array_equal(comp.som_.weights_, ref_map.weights_)
    assert comp.n_iter_ == ref_map.n_iter_
    assert "label_prototypes_" not in vars(comp)


def test_post_hoc_map_is_the_unsupervised_map_bit_for_bit(iris):
    X, y = iris
    comp = SOMClassifier(4, 5, supervision="post_hoc", n_iterations=800, random_state=3).fit(X, y)
    assert_array_equal(comp.som_.weights_, SOM(4, 5, n_iterations=800, random_state=3).fit(X).weights_)


@pytest.mark.parametrize("init", ["random", "sample", "pca"])
def test_joint_map_starts_from_the_unsupervised_maps_start(iris, init):
    # Batch maps are deterministic given their start: with labels weighing
    # almost nothing, the joint map's data columns must follow the
    # unsupervised map's from the same initial weights.
    X, y = iris
    params = dict(algorithm="batch", n_epochs=3, init=init, random_state=4)
    comp = SOMClassifier(4, 4, label_weight=1e-9, **params).fit(X, y)
    ref_map = SOM(4, 4, **params).fit(X)
    assert_allclose(comp.som_.weights_, ref_map.weights_, rtol=0, atol=1e-6, err_msg=f"init={init}")


def test_labels_shape_the_joint_map(iris):
    X, y = iris
    plain = SOMClassifier(4, 4, label_weight=0.0, algorithm="batch", n_epochs=5, random_state=0).fit(X, y)
    joint = SOMClassifier(4, 4, label_weight=3.0, algorithm="batch", n_epochs=5, random_state=0).fit(X, y)
    assert np.abs(joint.som_.weights_ - plain.som_.weights_).max() > 1e-3
    assert joint.label_column_weight_ > 0


# ---------------------------------------------------------------------------
# What users see
# ---------------------------------------------------------------------------

def test_string_labels_come_back_as_strings(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = SOMClassifier(**SMALL).fit(X, names)
    assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names) > 0.8


def test_empty_units_get_probabilities_not_nan(iris):
    X, y = iris
    clf = SOMClassifier(8, 8, supervision="post_hoc", n_iterations=500, random_state=0).fit(X[::10], y[::10])
    assert (clf.som_.hit_counts(X[::10]) == 0).sum() > 30
    assert np.isfinite(clf.unit_proba_).all()
    assert_allclose(clf.unit_proba_.sum(axis=2), 1.0, rtol=1e-12)


def test_a_row_with_nothing_observed_gets_the_prior(iris):
    X, y = iris
    X = X.copy()
    X[0, 1] = np.nan
    clf = SOMClassifier(**SMALL, missing="ignore").fit(X, y)
    query = np.full((2, 4), np.nan)
    query[1] = X[100]
    proba = clf.predict_proba(query)
    assert_array_equal(proba[0], clf.prior_)
    assert_allclose(clf.prior_, [1 / 3, 1 / 3, 1 / 3])
    assert_array_equal(proba[1], clf.unit_proba_.reshape(-1, 3)[clf.som_.predict(query[1:])[0]])


@pytest.mark.parametrize("supervision", ["joint", "post_hoc"])
def test_user_arrays_are_not_modified(iris, supervision):
    X, y = iris
    X, y = X.copy(), semi_labels(y, 0.2)
    X_before, y_before = X.copy(), y.copy()
    clf = SOMClassifier(**SMALL, supervision=supervision).fit(X, y)
    clf.predict(X)
    clf.predict_proba(X)
    assert_array_equal(X, X_before)
    assert_array_equal(y, y_before)
    assert not np.may_share_memory(clf.predict_proba(X), clf.unit_proba_)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_parameters_are_soms_plus_supervision_and_label_weight(estimator):
    som = inspect.signature(SOM.__init__).parameters
    comp = inspect.signature(estimator.__init__).parameters
    assert set(comp) - set(som) == {"supervision", "label_weight"}
    for name, parameter in som.items():
        assert name in comp and comp[name].default == parameter.default and comp[name].kind == parameter.kind, name


def test_score_is_scikit_learns(iris):
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = iris
    weights = np.random.default_rng(0).random(150)
    clf = SOMClassifier(**SMALL).fit(X, y)
    assert clf.score(X, y, sample_weight=weights) == pytest.approx(
        metrics.accuracy_score(y, clf.predict(X), sample_weight=weights), rel=1e-12)
    targets = np.column_stack([X[:, 0], X[:, 1] * 3])
    reg = SOMRegressor(**SMALL).fit(X, targets)
    assert reg.score(X, targets, sample_weight=weights) == pytest.approx(
        metrics.r2_score(targets, reg.predict(X), sample_weight=weights), rel=1e-12)
    constant = np.zeros(150)
    assert reg.fit(X, constant).score(X, constant) == metrics.r2_score(constant, reg.predict(X))


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("y, error, message", [
    (np.r_[np.nan, np.zeros(74), np.ones(75)], ValueError, "y contains NaN (row 0): SOMClassifier marks an "
                                                           "unlabelled row with -1, not NaN"),
    (np.zeros(150), ValueError, "y has only one class (0.0): a classifier needs labelled rows of at least 2 classes"),
    (np.r_[-np.ones(100), np.zeros(50)], ValueError, "y has only one class (0.0): a classifier needs labelled rows "
                                                     "of at least 2 classes (-1 marks an unlabelled row)"),
    (np.zeros(149), ValueError, "y has 149 labels but X has 150 rows: one label per row"),
    (np.linspace(0, 1, 150), ValueError, "Unknown label type: y holds continuous values"),
    (np.zeros((150, 2)), ValueError, "y must be 1-D, one class label per row; got shape (150, 2)"),
])
def test_classifier_refuses_bad_labels(iris, y, error, message):
    with pytest.raises(error, match=re.escape(message)):
        SOMClassifier(**SMALL).fit(iris[0], y)


@pytest.mark.parametrize("y, message", [
    (None, "SOMRegressor requires y to be passed, but the target y is None"),
    (np.r_[np.inf, np.zeros(149)], "y contains infinity; it must be finite (NaN marks an unlabelled value)"),
    (np.full(150, np.nan), "y has no labelled value: every value is NaN"),
    (np.zeros(10), "y has 10 rows but X has 150: one target per row"),
])
def test_regressor_refuses_bad_targets(iris, y, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SOMRegressor(**SMALL).fit(iris[0], y)


@pytest.mark.parametrize("params, error, message", [
    (dict(supervision="both"), ValueError, "supervision='both' is not one of 'joint', 'post_hoc'"),
    (dict(label_weight=-1.0), ValueError, "label_weight=-1.0 must be a finite number >= 0"),
    (dict(label_weight="1"), TypeError, "label_weight='1' must be a real number >= 0"),
    (dict(n_rows=0), ValueError, "n_rows=0 must be >= 1"),
    (dict(feature_weights=[1.0, -1.0, 1.0, 1.0]), ValueError, "feature_weights must be >= 0"),
])
def test_bad_parameters_are_named(iris, params, error, message):
    X, y = iris
    clf = SOMClassifier(**{**SMALL, **params})
    with pytest.raises(error, match=re.escape(message)):
        clf.fit(X, y)
    assert "som_" not in vars(clf)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_predict_refuses_other_features(iris, estimator):
    X, y = iris
    model = estimator(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match=f"X has 3 features, but {estimator.__name__} is expecting 4 features"):
        model.predict(X[:, :3])


def test_unfitted_use_is_refused():
    from fastsom import NotFittedError

    with pytest.raises(NotFittedError, match=re.escape("This SOMClassifier is not fitted yet; call fit(X, y)")):
        SOMClassifier().predict(np.zeros((2, 2)))


def test_a_refused_fit_leaves_the_fitted_model_as_it_was(iris):
    X, y = iris
    clf = SOMClassifier(**SMALL).fit(X, y)
    proba = clf.predict_proba(X)
    with pytest.raises(ValueError, match="one class"):
        clf.fit(X, np.zeros(150))
    assert_array_equal(clf.predict_proba(X), proba)
    assert_array_equal(clf.classes_, [0, 1, 2])


# ---------------------------------------------------------------------------
# scikit-learn
# ---------------------------------------------------------------------------

#: Checks that cannot pass, and why.
EXPECTED_FAILURES = {
    SOMClassifier: {
        "check_classifiers_classes": "its binary problem is labelled -1 and 1, and -1 marks an unlabelled row "
                                     "(scikit-learn's semi-supervised convention, which SOMClassifier follows): "
                                     "one class is left, which fit refuses",
    },
    SOMRegressor: {},
}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("estimator", [
    SOMClassifier(3, 3, n_iterations=300),
    SOMClassifier(3, 3, n_iterations=300, supervision="post_hoc"),
    SOMRegressor(5, 5, n_iterations=2000),  # 3x3 predicts 9 values: R^2 0.49 on the check's data, 0.5 needed
], ids=["classifier-joint", "classifier-post_hoc", "regressor-joint"])
def test_scikit_learn_estimator_checks_pass(estimator):
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    expected = EXPECTED_FAILURES[type(estimator)]
    results = estimator_checks.check_estimator(estimator, on_fail=None, expected_failed_checks=expected)
    assert len(results) > 30, "check_estimator ran almost nothing"
    assert {r["check_name"] for r in results if r["status"] == "xfail"} == set(expected), "an expected failure passes"
    failed = [result for result in results if result["status"] == "failed"]
    assert not failed, "failed checks:\n" + "\n".join(
        f"{result['check_name']}: {result['exception']!r}" for result in failed)


def test_pipeline_grid_search_and_cross_validation(iris):
    model_selection = pytest.importorskip("sklearn.model_selection")
    pipeline = pytest.importorskip("sklearn.pipeline")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    X, y = load_iris()[:2]
    model = pipeline.make_pipeline(preprocessing.MinMaxScaler(), SOMClassifier(**SMALL))
    scores = model_selection.cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.7).all()
    search = model_selection.GridSearchCV(model, {"somclassifier__supervision": ["joint", "post_hoc"]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["somclassifier__supervision"] in ("joint", "post_hoc")
    assert search.best_score_ > 0.8


def test_som_takes_an_initial_map_array_with_missing_values():
    # Joint maps start from an array and meet NaN in their label columns;
    # SOM compared the array with "sample" (an ambiguous truth value).
    X = np.random.default_rng(0).random((20, 3))
    X[::3, 1] = np.nan
    start = np.full((2, 2, 3), 0.5)
    som = SOM(2, 2, init=start, missing="ignore", n_iterations=10, random_state=0).fit(X)
    assert np.isfinite(som.weights_).all()


# ---------------------------------------------------------------------------
# Pictures
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_class_map_colours_each_unit_by_its_class(iris, topology):
    plt = pytest.importorskip("matplotlib.pyplot")
    from fastsom.analysis import plot

    X, y = iris
    clf = SOMClassifier(4, 6, topology=topology, n_iterations=600, random_state=0).fit(X, y)
    ax = plot.plot_classes(clf, class_names=["setosa", "versicolor", "virginica"])
    (cells,) = [c for c in ax.collections if c.__class__.__name__ == "PolyCollection"]
    assert len(cells.get_paths()) == 24
    assert len(cells.get_paths()[0].vertices) == (7 if topology == "hexagonal" else 5)  # closed polygons
    faces = cells.get_facecolors()[:, :3]
    proba = clf.unit_proba_.reshape(24, 3)
    palette = np.array([plt.get_cmap("tab10")(c)[:3] for c in range(3)])
    expected = 1.0 - proba.max(axis=1, keepdims=True) * (1.0 - palette[proba.argmax(axis=1)])
    assert_allclose(faces, expected, atol=1e-6)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["setosa", "versicolor", "virginica"]
    plt.close("all")


def test_regression_surface_shows_the_unit_values():
    plt = pytest.importorskip("matplotlib.pyplot")
    from fastsom.analysis import plot

    X = np.random.default_rng(0).random((100, 2))
    reg = SOMRegressor(3, 4, n_iterations=500, random_state=0).fit(X, np.column_stack([X.sum(axis=1), X[:, 0]]))
    ax = plot.plot_values(reg, output=1)
    (cells,) = [c for c in ax.collections if c.__class__.__name__ == "PolyCollection"]
    assert_allclose(cells.get_array(), reg.unit_values_[:, :, 1].ravel())
    plt.close("all")
