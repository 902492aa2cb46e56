"""The scikit-learn contract of ``SOM``.

``fit_transform`` and ``score``, the input types accepted and refused, the
estimator checks, ``clone`` of every parameter and a grid search.
"""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastsom import SOM

N_FEATURES = 3


# ---------------------------------------------------------------------------
# Other estimator methods and input types
# ---------------------------------------------------------------------------

def test_fit_transform_equals_fit_then_transform(X):
    comp = SOM(3, 3, n_iterations=200, random_state=0).fit_transform(X)
    ref = SOM(3, 3, n_iterations=200, random_state=0).fit(X).transform(X)
    assert_array_equal(comp, ref)


def test_score_is_minus_quantization_error(X):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    assert som.score(X) == -som.quantization_error(X)
    assert som.score(X) < 0


def test_sparse_input_is_rejected(X):
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        SOM(3, 3, n_iterations=20).fit(sparse.csr_matrix(X))


def test_object_array_of_numbers_is_accepted(X):
    comp = SOM(3, 3, n_iterations=200, random_state=0).fit(X.astype(object))
    ref = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    assert_array_equal(comp.weights_, ref.weights_)


def test_complex_input_is_rejected(X):
    with pytest.raises(ValueError, match="Complex data not supported"):
        SOM(3, 3, n_iterations=20).fit(X + 1j)


def test_unknown_algorithm_lists_the_valid_ones(X):
    with pytest.raises(ValueError, match=re.escape("algorithm='nope' is not one of 'online', 'batch'")):
        SOM(algorithm="nope").fit(X)


# ---------------------------------------------------------------------------
# scikit-learn
# ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")  # "does not inherit from BaseEstimator", skipped-check notices
def test_scikit_learn_estimator_checks_pass():
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    results = estimator_checks.check_estimator(SOM(3, 3, n_iterations=200), on_fail=None)
    assert len(results) > 20, "check_estimator ran almost nothing"
    failed = [result for result in results if result["status"] == "failed"]
    assert not failed, "failed checks:\n" + "\n".join(
        f"{result['check_name']}: {result['exception']!r}" for result in failed)


def constant_rate(step, n_steps):
    """A callable schedule: a clone must keep this very object."""
    return 0.1


ALL_CHANGED = dict(
    n_rows=4, n_cols=5, algorithm="online", n_iterations=123, n_epochs=7, learning_rate=0.3, learning_rate_end=None,
    sigma=1.7, sigma_end=0.8, learning_rate_schedule=constant_rate, sigma_schedule="linear", neighborhood="bubble",
    topology="hexagonal", toroidal=True, distance="manhattan", feature_weights=np.arange(1.0, N_FEATURES + 1),
    missing="ignore", max_missing=0.5, init=np.zeros((4, 5, N_FEATURES)), strict=True,
    dtype="float32", n_jobs=2, callbacks=[print], early_stopping=True, tol=0.01, n_iter_no_change=5,
    random_state=11, verbose=True,
)


def test_clone_keeps_every_parameter():
    base = pytest.importorskip("sklearn.base")
    source = SOM(**ALL_CHANGED)
    assert set(source.get_params()) == set(ALL_CHANGED), "ALL_CHANGED must set every parameter"
    params = base.clone(source).get_params()
    assert list(params) == list(source.get_params())
    for name, value in ALL_CHANGED.items():
        if isinstance(value, np.ndarray):
            assert_array_equal(params[name], value, err_msg=name)
        else:
            assert params[name] == value, name


def test_grid_search_uses_score(X):
    model_selection = pytest.importorskip("sklearn.model_selection")
    search = model_selection.GridSearchCV(SOM(3, 3, n_iterations=200, random_state=0), {"sigma": [0.5, 1.5]}, cv=2)
    search.fit(X)
    assert search.best_params_["sigma"] in (0.5, 1.5)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and (scores < 0).all(), "scores are minus quantization errors"
    assert search.best_estimator_.n_iter_ == 200
