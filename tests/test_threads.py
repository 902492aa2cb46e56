"""Same seed, same map, bit for bit, on 1 or N threads (and N chunks)."""

import re

import numba
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fastsom.training.online
from fastsom import SOM, make_plan, topology
from fastsom.kernels.sweep import online_fast, online_parallel, online_strict
from fastsom.options import DISTANCES, NEIGHBORHOODS
from fastsom.training import online


def run(kernel, *extra, n_rows=5, n_cols=7, n_features=6, n_iterations=300):
    X = np.random.default_rng(0).random((60, n_features))
    plan = make_plan(n_rows, n_cols, n_features, len(X), n_iterations, random_state=1)
    weights = plan.initial_weights.reshape(n_rows * n_cols, n_features).copy()
    learning_rate = np.linspace(0.5, 0.01, n_iterations)
    sigma = np.linspace(3.0, 0.5, n_iterations)
    state = np.array([0, -1, -1], dtype=np.int64)
    bmus = np.empty(n_iterations, dtype=np.int64)
    kernel(X, weights, *topology.make_grid(n_rows, n_cols), plan.sample_indices,
           learning_rate, sigma, NEIGHBORHOODS["gaussian"], DISTANCES["euclidean"], 2.0, n_iterations, state, bmus,
           np.zeros(4), *extra)
    return weights, bmus


@pytest.mark.parametrize("n_chunks", [1, 2, 3, 7, 35])
def test_parallel_kernel_equals_serial_kernel_for_any_chunking(n_chunks):
    serial_w, serial_bmus = run(online_fast)
    parallel_w, parallel_bmus = run(online_parallel, n_chunks)
    np.testing.assert_array_equal(parallel_bmus, serial_bmus, err_msg=f"n_chunks={n_chunks}")
    np.testing.assert_array_equal(parallel_w, serial_w, err_msg=f"n_chunks={n_chunks}")


def test_estimator_gives_the_same_map_on_one_and_all_threads():
    n_features = 64
    assert 16 * 16 * n_features >= online.PARALLEL_MIN_ELEMENTS  # the parallel kernel is the one chosen
    X = np.random.default_rng(2).random((100, n_features))
    som = SOM(16, 16, n_iterations=200, random_state=3, n_jobs=-1)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = som.fit(X).weights_.copy()
    finally:
        numba.set_num_threads(threads)
    all_threads = som.fit(X).weights_
    np.testing.assert_array_equal(one, all_threads, err_msg=f"1 thread vs {threads}")


def test_threads_are_opt_in_and_only_for_large_maps(monkeypatch):
    monkeypatch.setattr(numba, "get_num_threads", lambda: 4)
    assert online.choose_kernel(400, 784, strict=False, n_jobs=-1) == (online_parallel, (4,))
    assert online.choose_kernel(400, 784, strict=False, n_jobs=2) == (online_parallel, (2,))
    assert online.choose_kernel(400, 784, strict=False, n_jobs=8) == (online_parallel, (4,))
    assert online.choose_kernel(400, 784, strict=False) == (online_fast, ())  # default: one thread
    assert online.choose_kernel(25, 3, strict=False, n_jobs=-1)[0] is online_fast
    assert online.choose_kernel(400, 784, strict=True, n_jobs=-1) == (online_strict, ())


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
