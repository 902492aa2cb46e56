"""``SOM.partial_fit`` with online training: a call continues the map and the schedules.

Every sample of each call is presented once; the schedules continue where
the last call stopped and stay at their end past it; ``fit`` starts afresh.
The batch algorithm's ``partial_fit`` is in ``test_batch_estimator.py``.
"""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastsom import SOM
from fastsom.training import schedules

N_FEATURES = 3


def test_first_partial_fit_starts_a_map(X):
    som = SOM(3, 3, n_iterations=250, random_state=0)
    assert not hasattr(som, "weights_")
    assert som.partial_fit(X) is som
    assert som.weights_.shape == (3, 3, N_FEATURES)
    assert som.n_iter_ == len(X)
    assert som.n_features_in_ == N_FEATURES


def test_second_partial_fit_continues_from_the_first(runs, X):
    som = SOM(3, 3, n_iterations=250, random_state=0).partial_fit(X)
    after_one = som.weights_.copy()
    som.partial_fit(X)
    assert som.n_iter_ == 2 * len(X)
    assert not np.array_equal(som.weights_, after_one), "the second call did not train"
    assert_array_equal(runs[1]["weights"], after_one.reshape(9, N_FEATURES), err_msg="the map was reset")


def test_partial_fit_presents_every_sample_once(runs, X):
    som = SOM(3, 3, n_iterations=250, random_state=0)
    som.partial_fit(X)
    som.partial_fit(X[:30])
    assert_array_equal(np.sort(runs[0]["sample_indices"]), np.arange(len(X)))
    assert_array_equal(np.sort(runs[1]["sample_indices"]), np.arange(30))


FULL_SCHEDULES = {  # SOM(3, 3, n_iterations=250)'s defaults, laid out over the 250 steps
    "learning_rate": schedules.evaluate("exponential", 0.5, 0.01, 250),
    "sigma": schedules.evaluate("exponential", 1.5, 1.0, 250),  # sigma: max(3, 3) / 2 -> 1
}


@pytest.mark.parametrize("name", list(FULL_SCHEDULES))
def test_partial_fit_continues_the_schedules_and_clamps_at_their_end(runs, X, name):
    som = SOM(3, 3, n_iterations=250, random_state=0)
    for _ in range(4):  # X has 100 samples: the third call crosses the end, the fourth is past it
        som.partial_fit(X)
    assert som.n_iter_ == 400
    full = FULL_SCHEDULES[name]
    assert runs[1][name][0] == full[len(X)], "the second call starts where the first stopped"
    expected = [full[:100], full[100:200], np.r_[full[200:], np.full(50, full[-1])], np.full(100, full[-1])]
    for call, (run, ref) in enumerate(zip(runs, expected, strict=True)):
        assert_array_equal(run[name], ref, err_msg=f"{name}, call {call}")


def test_partial_fit_rejects_another_number_of_features(X):
    som = SOM(3, 3, n_iterations=250, random_state=0).partial_fit(X)
    with pytest.raises(ValueError, match=re.escape("X has 2 features, but SOM is expecting 3 features as input")):
        som.partial_fit(X[:, :2])


def test_fit_after_partial_fit_starts_afresh(X):
    som = SOM(3, 3, n_iterations=250, random_state=0)
    som.partial_fit(X)
    som.partial_fit(X)
    som.fit(X)
    fresh = SOM(3, 3, n_iterations=250, random_state=0).fit(X)
    assert som.n_iter_ == 250
    assert_array_equal(som.weights_, fresh.weights_)
    assert som.history_ == fresh.history_


def test_partial_fit_is_reproducible(X):
    def train(random_state):
        som = SOM(3, 3, n_iterations=250, random_state=random_state)
        for batch in (X, X[:40], X):
            som.partial_fit(batch)
        return som.weights_

    assert_array_equal(train(1), train(1))
    assert not np.array_equal(train(1), train(2))
