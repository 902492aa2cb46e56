"""Learning-rate and radius schedules of ``SOM``: callables and named schedules.

Callables (vectorised or called step by step) train as ``train_online`` on
the same plan; bad values are refused naming the step; named schedules
decrease from their start.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from fastsom import SOM, make_plan, train_online
from fastsom.training import schedules

N_FEATURES = 3


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
