"""Callbacks and ``history_`` of online training.

When callbacks are called, what they receive, and the running errors they
report, checked iteration by iteration against maps trained one iteration
at a time. The batch algorithm's are in ``test_batch_estimator.py``.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fastsom import SOM, make_plan, train_online
from fastsom.training import schedules

N_FEATURES = 3


REPORT_KEYS = {"step", "n_iter", "quantization_error", "topographic_error"}


def test_callbacks_are_called_after_every_block(online_block_size, X):
    online_block_size(100)
    first, second = [], []
    som = SOM(3, 3, n_iterations=350, callbacks=[first.append, second.append], random_state=0).fit(X)
    assert first == second
    assert all(set(info) == REPORT_KEYS for info in first)
    assert [info["step"] for info in first] == [0, 1, 2, 3]
    assert [info["n_iter"] for info in first] == [100, 200, 300, 350]
    assert som.history_ == first


def test_a_single_callable_is_a_callback(online_block_size, X):
    online_block_size(100)
    seen = []
    som = SOM(3, 3, n_iterations=200, callbacks=seen.append, random_state=0).fit(X)
    assert [info["n_iter"] for info in seen] == [100, 200]
    assert som.history_ == seen


def test_callback_gets_a_copy(online_block_size, X):
    online_block_size(100)
    def vandal(info):
        info["quantization_error"] = -1.0

    som = SOM(3, 3, n_iterations=200, callbacks=vandal, random_state=0).fit(X)
    assert all(info["quantization_error"] > 0 for info in som.history_)


def test_running_errors_are_plausible(online_block_size, make_X):
    online_block_size(100)
    X = make_X(n_samples=200, seed=1)
    som = SOM(4, 4, n_iterations=3000, random_state=0, callbacks=[lambda info: None]).fit(X)
    assert len(som.history_) == 30
    assert all(0.0 <= info["topographic_error"] <= 1.0 for info in som.history_)
    assert all(info["quantization_error"] > 0 for info in som.history_)
    # The reported error is a running estimate, gathered during training from each
    # sample's distance to its BMU just before its update; it is not the final
    # map's error. With a learning rate near its end the map barely moves in the
    # last block, so the two should agree closely.
    assert_allclose(som.history_[-1]["quantization_error"], som.quantization_error(X), rtol=0.2)


def test_running_errors_are_only_gathered_when_asked_for(online_block_size, make_X):
    online_block_size(100)
    # Tracking the second-best unit costs time, so without callbacks or early
    # stopping the history records the steps but no errors.
    som = SOM(4, 4, n_iterations=300, random_state=0).fit(make_X(n_samples=50, seed=1))
    assert [info["n_iter"] for info in som.history_] == [100, 200, 300]
    assert all(np.isnan(info["quantization_error"]) for info in som.history_)
    asked = SOM(4, 4, n_iterations=300, random_state=0, early_stopping=True).fit(make_X(n_samples=50, seed=1))
    assert all(np.isfinite(info["quantization_error"]) for info in asked.history_)
    # Same map either way: tracking observes, it does not change training.
    assert_array_equal(som.weights_, SOM(4, 4, n_iterations=300, random_state=0,
                                         callbacks=[lambda info: None]).fit(make_X(n_samples=50, seed=1)).weights_)


@pytest.mark.parametrize("callbacks", [[print, 3], "print"], ids=["list", "string"])
def test_non_callable_callback_is_rejected(X, callbacks):
    with pytest.raises(TypeError, match="callbacks must be callables"):
        SOM(3, 3, n_iterations=20, callbacks=callbacks).fit(X)


RUN_ROWS, RUN_COLS, RUN_ITERATIONS, RUN_SEED = 3, 4, 300, 2


def running_som(**params):
    return SOM(RUN_ROWS, RUN_COLS, n_iterations=RUN_ITERATIONS, strict=True, random_state=RUN_SEED,
               callbacks=[lambda info: None], **params)


@pytest.fixture(scope="module")
def ref_running_errors(X):
    """For every iteration i, from the weights just before iteration i's update (NumPy on train_online's maps):

    the distance from the sample to its BMU, and whether its two best units are not
    grid neighbours (squared grid distance > 2: sharing neither an edge nor a corner).
    """
    plan = make_plan(RUN_ROWS, RUN_COLS, N_FEATURES, len(X), RUN_ITERATIONS, random_state=RUN_SEED)
    learning_rate = schedules.evaluate("exponential", 0.5, 0.01, RUN_ITERATIONS)
    sigma = schedules.evaluate("exponential", max(RUN_ROWS, RUN_COLS) / 2, 1.0, RUN_ITERATIONS)
    rows, cols = np.divmod(np.arange(RUN_ROWS * RUN_COLS), RUN_COLS)
    weights = plan.initial_weights
    distance, not_adjacent = [], []
    for i, sample in enumerate(plan.sample_indices):
        d = np.sqrt(((X[sample] - weights.reshape(-1, N_FEATURES)) ** 2).sum(-1))
        best, second = np.argsort(d, kind="stable")[:2]
        distance.append(d[best])
        not_adjacent.append((rows[best] - rows[second]) ** 2 + (cols[best] - cols[second]) ** 2 > 2)
        # One iteration at a time: exactly the same arithmetic as one long run.
        weights, _ = train_online(X, weights, plan.sample_indices[i:i + 1], learning_rate[i:i + 1],
                                  sigma[i:i + 1], neighborhood="gaussian", strict=True)
    final = train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma,
                         neighborhood="gaussian", strict=True)[0]
    assert_array_equal(weights, final, err_msg="stepping one iteration at a time changed the map")
    return np.array(distance), np.array(not_adjacent, dtype=np.float64)


def test_reference_running_errors_follow_the_estimators_map(X):
    """The oracle's plan and schedules are the estimator's: both end on the same map."""
    som = running_som().fit(X)
    plan = make_plan(RUN_ROWS, RUN_COLS, N_FEATURES, len(X), RUN_ITERATIONS, random_state=RUN_SEED)
    learning_rate = schedules.evaluate("exponential", 0.5, 0.01, RUN_ITERATIONS)
    sigma = schedules.evaluate("exponential", 2.0, 1.0, RUN_ITERATIONS)
    ref, _ = train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma,
                          neighborhood="gaussian", strict=True)
    assert_array_equal(som.weights_, ref)


def test_running_errors_of_one_block_are_exact(X, ref_running_errors):
    """With the default block size the whole run is one block: its errors average every iteration."""
    distance, not_adjacent = ref_running_errors
    som = running_som().fit(X)
    assert len(som.history_) == 1
    assert_allclose(som.history_[0]["quantization_error"], distance.mean(), rtol=1e-12, atol=0)
    assert_allclose(som.history_[0]["topographic_error"], not_adjacent.mean(), rtol=1e-12, atol=0)


def test_running_errors_of_each_block_cover_its_own_iterations(online_block_size, X, ref_running_errors):
    block_size = online_block_size(100)
    distance, not_adjacent = ref_running_errors
    som = running_som().fit(X)
    assert [info["n_iter"] for info in som.history_] == [100, 200, 300]
    for block, info in enumerate(som.history_):
        iterations = slice(block * block_size, (block + 1) * block_size)
        assert_allclose(info["quantization_error"], distance[iterations].mean(), rtol=1e-12, atol=0,
                        err_msg=f"block {block}")
        assert_allclose(info["topographic_error"], not_adjacent[iterations].mean(), rtol=1e-12, atol=0,
                        err_msg=f"block {block}")


def test_partial_fit_callbacks_see_the_estimators_n_iter(X):
    seen = []
    som = SOM(3, 3, n_iterations=250, random_state=0)
    som.set_params(callbacks=lambda info: seen.append((info["n_iter"], som.n_iter_)))
    for _ in range(3):
        som.partial_fit(X)
    assert [n_iter for n_iter, _ in seen] == [n_iter_ for _, n_iter_ in seen] == [100, 200, 300]
    assert [info["n_iter"] for info in som.history_] == [100, 200, 300]


def test_partial_fit_history_steps_keep_counting(X):
    som = SOM(3, 3, n_iterations=250, random_state=0)
    for _ in range(3):
        som.partial_fit(X)
    assert [info["step"] for info in som.history_] == [0, 1, 2]


def test_history_has_one_entry_per_block_trained_before_an_interrupt(online_block_size, interrupting_progress_bar, X):
    online_block_size(100)
    interrupting_progress_bar(200)
    som = SOM(3, 3, n_iterations=1000, random_state=0, verbose=True)
    with pytest.raises(KeyboardInterrupt):
        som.fit(X)
    assert som.n_iter_ == 200
    assert [info["n_iter"] for info in som.history_] == [100, 200]
