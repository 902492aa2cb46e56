"""The training plan and the schedules: what a seed and a schedule name decide."""

import numpy as np
import pytest

from fastsom import make_plan
from fastsom.training import schedules


def test_plan_draws_weights_then_sample_order_from_default_rng():
    plan = make_plan(4, 3, 2, 50, 100, random_state=42)
    rng = np.random.default_rng(42)
    expected_weights = rng.random((4, 3, 2))  # the tutorial's np.random.random((rows, cols, m))
    expected_indices = rng.integers(0, 50, size=100)
    np.testing.assert_array_equal(plan.initial_weights, expected_weights)
    np.testing.assert_array_equal(plan.sample_indices, expected_indices)
    assert plan.sample_indices.dtype == np.int64


def test_same_seed_same_plan_other_seed_other_plan():
    a, b, c = (make_plan(5, 5, 3, 100, 500, random_state=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.initial_weights, b.initial_weights)
    np.testing.assert_array_equal(a.sample_indices, b.sample_indices)
    assert not np.array_equal(a.sample_indices, c.sample_indices)


def test_plan_accepts_a_generator_and_leaves_global_state_alone():
    before = np.random.get_state()[1].copy()
    plan = make_plan(2, 2, 2, 10, 20, random_state=np.random.default_rng(3))
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    np.testing.assert_array_equal(plan.initial_weights, make_plan(2, 2, 2, 10, 20, random_state=3).initial_weights)


def test_plan_indices_cover_only_valid_samples():
    plan = make_plan(2, 2, 1, 7, 5000, random_state=0)
    assert plan.sample_indices.min() == 0 and plan.sample_indices.max() == 6


def test_exponential_heads_for_its_end():
    values = schedules.exponential(4.0, 1.0, 100)
    assert values[0] == 4.0
    # start * (end / start) ** (i / n): at the half-way point, the geometric mean
    np.testing.assert_allclose(values[50], 2.0, rtol=1e-14)
    assert np.all(np.diff(values) < 0)


def test_exponential_without_end_has_time_constant_n_steps():
    values = schedules.exponential(0.01, None, 1000)
    np.testing.assert_allclose(values[500], 0.01 * np.exp(-0.5), rtol=1e-15)


def test_exponential_with_equal_ends_is_constant():
    np.testing.assert_array_equal(schedules.exponential(1.0, 1.0, 10), np.ones(10))


def test_asymptotic_default_is_minisoms():
    values = schedules.asymptotic(0.5, None, 200)
    t = np.arange(200)
    np.testing.assert_array_equal(values, 0.5 / (1 + t / (200 / 2)))


def test_asymptotic_with_end_reaches_it_at_n_steps():
    values = schedules.asymptotic(3.0, 0.5, 10)
    # 3 / (1 + (3/0.5 - 1) * i / 10): at i = 5, 3 / 3.5
    np.testing.assert_allclose(values[5], 3.0 / 3.5, rtol=1e-15)


@pytest.mark.parametrize("end, expected_mid", [(None, 1.0), (1.0, 1.5)])
def test_linear(end, expected_mid):
    values = schedules.linear(2.0, end, 10)
    assert values[0] == 2.0
    np.testing.assert_allclose(values[5], expected_mid, rtol=1e-15)
