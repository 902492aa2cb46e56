"""Early stopping of online training: when it stops, and the map it stops with."""

import re

import pytest
from numpy.testing import assert_array_equal

from fastsom import SOM, make_plan, train_online
from fastsom.training import schedules

N_FEATURES = 3


@pytest.mark.parametrize("n_iter_no_change", [1, 3])
def test_early_stopping_stops_after_n_iter_no_change_blocks_without_progress(online_block_size, X, n_iter_no_change):
    block = online_block_size(100)
    # Monitor: the first report always improves on the initial best (inf); with tol=10
    # none after it can, so the run stops at report 1 + n_iter_no_change.
    n_blocks = 1 + n_iter_no_change
    som = SOM(3, 3, n_iterations=3000, early_stopping=True, tol=10.0, n_iter_no_change=n_iter_no_change,
              strict=True, random_state=0).fit(X)
    assert len(som.history_) == n_blocks
    assert som.n_iter_ == n_blocks * block
    # The map is the plan's first n_iter_ iterations, consistent and usable.
    plan = make_plan(3, 3, N_FEATURES, len(X), 3000, random_state=0)
    done = slice(0, som.n_iter_)
    learning_rate = schedules.evaluate("exponential", 0.5, 0.01, 3000)[done]
    sigma = schedules.evaluate("exponential", 1.5, 1.0, 3000)[done]
    ref, _ = train_online(X, plan.initial_weights, plan.sample_indices[done], learning_rate, sigma,
                          neighborhood="gaussian", strict=True)
    assert_array_equal(som.weights_, ref)


def test_without_early_stopping_training_runs_to_the_end(online_block_size, X):
    online_block_size(100)
    som = SOM(3, 3, n_iterations=3000, early_stopping=False, tol=10.0, n_iter_no_change=1, random_state=0).fit(X)
    assert som.n_iter_ == 3000
    assert len(som.history_) == 30


@pytest.mark.parametrize(("params", "message"), [
    ({"tol": 0}, "tol=0 must be a finite number > 0"),
    ({"tol": -1.0}, "tol=-1.0 must be a finite number > 0"),
    ({"n_iter_no_change": 0}, "n_iter_no_change=0 must be >= 1"),
], ids=["tol=0", "tol=-1", "n_iter_no_change=0"])
def test_early_stopping_parameters_are_checked(X, params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SOM(3, 3, n_iterations=20, early_stopping=True, **params).fit(X)
