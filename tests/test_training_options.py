"""Online training options of ``SOM``: what each one does, checked against an explicit plan.

Initialisation ("sample", "pca", an array), callable and named schedules,
``partial_fit``, callbacks and ``history_`` (with the running errors checked
iteration by iteration), early stopping, pandas input, input types, the
scikit-learn contract and ``n_jobs``. The batch algorithm is not covered
here. Data stay tiny: maps of at most 6x6 (16x16 for ``n_jobs``), at most
200 samples, at most 3,000 iterations.
"""

import math
import re

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fastsom
import fastsom.som
import fastsom.training.online
from fastsom import SOM, make_plan, train_online
from fastsom.training import schedules

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


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------

def decaying(step, n_steps):
    """Vectorisable: works on the whole array of steps at once."""
    return 0.3 * (1 - step / n_steps) + 0.01


def shrinking(step, n_steps):
    return 2.0 * (1 - step / n_steps) + 0.5


def stepwise(step, n_steps):
    """Not vectorisable: math.exp and an ``if`` on the step."""
    if step < n_steps // 2:
        return 0.4 * math.exp(-step / n_steps)
    return 0.05


def stepwise_radius(step, n_steps):
    if step < n_steps // 3:
        return 2.0
    return 1.0 + math.exp(-step / n_steps)


@pytest.mark.parametrize(("learning_rate_schedule", "sigma_schedule"),
                         [(decaying, shrinking), (stepwise, stepwise_radius)], ids=["vectorised", "per-step"])
def test_callable_schedules_train_as_train_online_on_the_same_plan(X, learning_rate_schedule, sigma_schedule):
    n_iterations = 400
    comp = SOM(3, 4, n_iterations=n_iterations, init="random", strict=True, neighborhood="gaussian",
               learning_rate_schedule=learning_rate_schedule, sigma_schedule=sigma_schedule,
               random_state=7).fit(X)
    plan = make_plan(3, 4, N_FEATURES, len(X), n_iterations, random_state=7)
    learning_rate = np.array([learning_rate_schedule(i, n_iterations) for i in range(n_iterations)])
    sigma = np.array([sigma_schedule(i, n_iterations) for i in range(n_iterations)])
    ref, _ = train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma,
                          neighborhood="gaussian", strict=True)
    assert_array_equal(comp.weights_, ref, err_msg=learning_rate_schedule.__name__)
    default = SOM(3, 4, n_iterations=n_iterations, strict=True, random_state=7).fit(X)
    assert not np.array_equal(default.weights_, ref), "the callables had no effect: the test proves nothing"


def test_non_vectorised_callable_is_evaluated_step_by_step(runs, X):
    calls = []

    def schedule(step, n_steps):
        calls.append(step)
        return stepwise(step, n_steps)

    SOM(3, 3, n_iterations=300, learning_rate_schedule=schedule, random_state=0).fit(X)
    assert_array_equal(runs[0]["learning_rate"], [stepwise(i, 300) for i in range(300)])
    per_step = [step for step in calls if not isinstance(step, np.ndarray)]
    # fit checks the first and last step, then training evaluates each step once (after a probe of its first)
    assert per_step[-300:] == list(range(300))
    assert all(type(step) is int for step in per_step)


def test_constant_callable_is_broadcast(runs, X):
    """A callable returning one scalar for the whole array is called per step, giving a constant."""
    SOM(3, 3, n_iterations=50, sigma_schedule=lambda step, n_steps: 0.7, random_state=0).fit(X)
    assert_array_equal(runs[0]["sigma"], np.full(50, 0.7))


def zero_at_5(step, n_steps):
    return np.where(step == 5, 0.0, 0.1)


def nan_at_5(step, n_steps):
    return np.where(step == 5, np.nan, 0.1)


def zero_at_5_per_step(step, n_steps):
    if step == 5:
        return 0
    return 0.1


@pytest.mark.parametrize("schedule", [zero_at_5, nan_at_5, zero_at_5_per_step])
@pytest.mark.parametrize("name", ["learning_rate_schedule", "sigma_schedule"])
def test_callable_with_a_bad_value_is_rejected_naming_the_step(X, name, schedule):
    message = f"{name} gives .* at step 5; every value must be a finite number > 0"
    with pytest.raises(ValueError, match=message):
        SOM(3, 3, n_iterations=20, **{name: schedule}).fit(X)


def test_inverse_time_without_end_ends_near_start_over_101(runs, X):
    n_iterations = 1000
    SOM(2, 2, n_iterations=n_iterations, learning_rate=0.5, learning_rate_end=None,
        learning_rate_schedule="inverse_time", random_state=0).fit(X)
    learning_rate = runs[0]["learning_rate"]
    assert learning_rate[0] == 0.5
    assert_allclose(learning_rate[-1], 0.5 / 101, rtol=2e-3)  # it reaches 0.5 / 101 at step n_iterations
    assert_allclose(learning_rate[-1], 0.5 / (1 + 100 * (n_iterations - 1) / n_iterations), rtol=1e-14)


@pytest.mark.parametrize("end", [0.05, None], ids=["end=0.05", "end=None"])
@pytest.mark.parametrize("name", list(schedules.SCHEDULES))
def test_named_schedules_decrease_from_start(name, end):
    values = schedules.evaluate(name, 1.0, end, 500)
    assert values[0] == 1.0
    assert (np.diff(values) < 0).all(), f"{name} with end={end} is not decreasing"
    if end is not None:
        assert values[-1] > end, f"{name} passes its end before step n_steps"


# ---------------------------------------------------------------------------
# partial_fit
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Callbacks and history_
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# pandas
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def frame(X):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=["red", "green", "blue"])


def test_dataframe_column_names_become_feature_names_in(frame, X):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    assert_array_equal(som.feature_names_in_, ["red", "green", "blue"])
    assert som.feature_names_in_.dtype == object
    from_array = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    assert_array_equal(som.weights_, from_array.weights_)
    assert_array_equal(som.predict(frame), from_array.predict(frame.to_numpy()))


def test_predict_rejects_other_feature_names(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    renamed = frame.rename(columns={"green": "GREEN"})
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        som.predict(renamed)


def test_predict_on_an_array_after_a_dataframe_warns(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but SOM was fitted with feature names"):
        som.predict(frame.to_numpy())


def test_predict_on_a_dataframe_after_an_array_warns(frame, X):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    with pytest.warns(UserWarning, match="X has feature names, but SOM was fitted without feature names"):
        som.predict(frame)


def test_feature_name_warning_points_at_the_callers_line(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match="X does not have valid feature names") as record:
        som.predict(frame.to_numpy())
    assert record[0].filename == __file__


def test_integer_column_names_are_not_feature_names(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    som.fit(frame.set_axis([0, 1, 2], axis=1))
    assert not hasattr(som, "feature_names_in_"), "a refit without string names keeps no stale names"


def test_dataframe_is_not_modified(frame):
    before = frame.copy(deep=True)
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    som.partial_fit(frame)
    som.predict(frame)
    som.transform(frame)
    som.score(frame)
    som.fit_transform(frame)
    assert frame.equals(before)
    assert list(frame.columns) == list(before.columns)


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
    topology="hexagonal", toroidal=True, distance="manhattan", init=np.zeros((4, 5, N_FEATURES)), strict=True,
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


# ---------------------------------------------------------------------------
# n_jobs
# ---------------------------------------------------------------------------

# 16 x 16 units x 64 features = fastsom.training.online.PARALLEL_MIN_ELEMENTS: large enough to be split over threads.
def threads_som(n_jobs):
    return SOM(16, 16, n_iterations=300, n_jobs=n_jobs, random_state=0)


@pytest.fixture(scope="module")
def wide_X(make_X):
    return make_X(n_samples=100, n_features=64)


@pytest.fixture(scope="module")
def serial_map(wide_X):
    return threads_som(None).fit(wide_X).weights_


def test_threads_map_is_split_over_threads():
    """The premise of the comparison below: n_jobs=2 really runs the parallel kernel on this map."""
    if numba.get_num_threads() < 2:
        pytest.skip("numba has a single thread here")
    kernel, extra = fastsom.training.online.choose_kernel(16 * 16, 64, strict=False, n_jobs=2)
    assert kernel is fastsom.training.online.online_parallel
    assert extra == (2,)


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
def test_n_jobs_gives_the_same_map_bit_for_bit(wide_X, serial_map, n_jobs):
    assert_array_equal(threads_som(n_jobs).fit(wide_X).weights_, serial_map, err_msg=f"n_jobs={n_jobs}")


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True])
def test_bad_n_jobs_is_rejected_naming_it(X, n_jobs):
    with pytest.raises((ValueError, TypeError), match=re.escape(f"n_jobs={n_jobs!r}")):
        SOM(3, 3, n_iterations=20, n_jobs=n_jobs).fit(X)
