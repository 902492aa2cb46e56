"""Same seed, same map, bit for bit, on 1 or N threads (and N chunks).

**numba's threads.** The online kernel splits each iteration's sweep into
unit ranges; the batch kernels split the samples, the accumulation and the
smoothing. Every split is merged in a fixed order, so the bits do not
depend on the number of threads. On a machine where numba has a single
thread these comparisons would compare 1 thread with 1: they are skipped,
saying so. (Chunkings are compared on any machine: a parallel loop runs
any number of chunks on one thread.)

**BLAS's threads.** Batch training finds BMUs from a BLAS GEMM, and
OpenBLAS's GEMM changes its last bits with its own thread count on some
shapes (measured here, OpenBLAS 0.3.31: 256 x 784 times 784 x 100, 1 against
2 threads, 42% of the float64 products differ, 45% in float32). So the
claim there is narrower and tested as such: the map depends on BLAS's
threads only through BMUs that rounding decides (near ties), and the
per-epoch errors agree to rounding. In float32 with 784 features such near
ties are common: a 10x10 batch map of 256 uniform samples ends 0.08 apart
after 8 epochs on 1 and 2 BLAS threads.
"""

import re

import numba
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastsom import SOM, _threads, topology
from fastsom.kernels.sweep import OnlineState, online_fast, online_parallel, online_strict
from fastsom.options import DISTANCES, NEIGHBORHOODS
from fastsom.training import batch, online

needs_threads = pytest.mark.skipif(
    numba.config.NUMBA_NUM_THREADS < 2,
    reason=f"numba has {numba.config.NUMBA_NUM_THREADS} thread here (one core, or NUMBA_NUM_THREADS=1): "
           "1 thread against all would compare 1 with 1")


@pytest.fixture
def numba_threads():
    """``numba_threads(n)`` sets numba's thread count for the rest of the test; the count is restored after."""
    before = numba.get_num_threads()
    yield numba.set_num_threads
    numba.set_num_threads(before)


# ---------------------------------------------------------------------------
# Online
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def online_case(make_online_plan):
    return make_online_plan(5, 7, 6, 300, seed=1)


def run(online_case, kernel, *extra):
    """Run ``kernel`` on the 5x7 plan; returns (weights, BMUs)."""
    X, plan, learning_rate, sigma = online_case
    n_rows, n_cols, n_features = plan.initial_weights.shape
    n_iterations = len(plan.sample_indices)
    weights = plan.initial_weights.reshape(n_rows * n_cols, n_features).copy()
    state = online.new_state()
    bmus = np.empty(n_iterations, dtype=np.int64)
    kernel(X, weights, topology.make_grid(n_rows, n_cols), plan.sample_indices,
           learning_rate, sigma, NEIGHBORHOODS["gaussian"], DISTANCES["euclidean"], 2.0, n_iterations,
           OnlineState(state, np.zeros(4)), bmus, *extra)
    return weights, bmus


@pytest.mark.parametrize("n_chunks", [1, 2, 3, 7, 35])
@pytest.mark.parametrize("entry", ["parallel", "serial"], ids=["parallel_entry", "serial_twin"])
def test_parallel_kernel_equals_serial_kernel_for_any_chunking(online_case, n_chunks, entry):
    # The serial twin (fastsom._threads) runs in forked children, under n_jobs=1, ...
    serial_w, serial_bmus = run(online_case, online_fast)
    parallel_w, parallel_bmus = run(online_case, getattr(online_parallel, entry), n_chunks)
    np.testing.assert_array_equal(parallel_bmus, serial_bmus, err_msg=f"n_chunks={n_chunks}")
    np.testing.assert_array_equal(parallel_w, serial_w, err_msg=f"n_chunks={n_chunks}")


# 16 x 16 units x 64 features = online.PARALLEL_MIN_ELEMENTS: large enough to be split over threads.
def threads_som(n_jobs):
    return SOM(16, 16, n_iterations=300, n_jobs=n_jobs, random_state=0)


@pytest.fixture(scope="module")
def wide_X(make_X):
    return make_X(n_samples=100, n_features=64)


@needs_threads
@pytest.mark.parametrize("n_jobs", [2, -1])
def test_online_map_is_the_same_on_one_and_n_threads(wide_X, n_jobs):
    # The premise: n_jobs really runs the parallel kernel on this map, and
    # the default (n_jobs=None) the serial one.
    kernel, extra = online.choose_kernel(16 * 16, 64, strict=False, n_jobs=n_jobs)
    assert kernel is online_parallel and extra[0] >= 2
    assert online.choose_kernel(16 * 16, 64, strict=False) == (online_fast, ())
    serial = threads_som(None).fit(wide_X)
    assert_array_equal(threads_som(n_jobs).fit(wide_X).weights_, serial.weights_, err_msg=f"n_jobs={n_jobs}")


def test_threads_are_opt_in_and_only_for_large_maps(monkeypatch):
    monkeypatch.setattr(_threads, "available_threads", lambda: 4)
    assert online.choose_kernel(400, 784, strict=False, n_jobs=-1) == (online_parallel, (4,))
    assert online.choose_kernel(400, 784, strict=False, n_jobs=2) == (online_parallel, (2,))
    assert online.choose_kernel(400, 784, strict=False, n_jobs=8) == (online_parallel, (4,))
    assert online.choose_kernel(400, 784, strict=False) == (online_fast, ())  # default: one thread
    assert online.choose_kernel(25, 3, strict=False, n_jobs=-1)[0] is online_fast
    assert online.choose_kernel(400, 784, strict=True, n_jobs=-1) == (online_strict, ())


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True])
def test_bad_n_jobs_is_rejected_naming_it(X, n_jobs):
    with pytest.raises((ValueError, TypeError), match=re.escape(f"n_jobs={n_jobs!r}")):
        SOM(3, 3, n_iterations=20, n_jobs=n_jobs).fit(X)


# ---------------------------------------------------------------------------
# Batch: numba's threads
# ---------------------------------------------------------------------------

@needs_threads
@pytest.mark.parametrize("distance", ["euclidean", "manhattan"], ids=["gemm", "direct"])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble"], ids=["separable", "truncated"])
def test_batch_map_and_history_are_the_same_on_one_and_n_numba_threads(monkeypatch, numba_threads, make_X,
                                                                          distance, neighborhood):
    # On a map this small the GEMM path smooths on one thread (threads only
    # pay beyond PARALLEL_SMOOTHING_WORK); 0 makes it smooth on all of them,
    # so the parallel smoothing is what is compared. The direct path
    # (manhattan) splits its BMU search and its sums over the threads anyway.
    monkeypatch.setattr(batch, "PARALLEL_SMOOTHING_WORK", 0)
    X = make_X(n_samples=300, n_features=6, seed=4)
    som = SOM(6, 7, algorithm="batch", n_epochs=4, neighborhood=neighborhood, distance=distance,
              topology="hexagonal", toroidal=True, random_state=0, callbacks=[lambda info: None])
    all_threads = numba.config.NUMBA_NUM_THREADS
    maps = {}
    for n in (1, all_threads):
        numba_threads(n)
        som.fit(X)
        maps[n] = (som.weights_.copy(), som.history_)
    assert_array_equal(maps[1][0], maps[all_threads][0], err_msg=f"weights, 1 vs {all_threads} threads")
    assert maps[1][1] == maps[all_threads][1], f"per-epoch errors, 1 vs {all_threads} threads"


# ---------------------------------------------------------------------------
# Queries and the PCA start: the serial twins against the parallel kernels
# ---------------------------------------------------------------------------

@needs_threads
@pytest.mark.parametrize("distance", ["euclidean", "manhattan", "cosine"])
def test_queries_and_pca_start_are_the_same_with_n_jobs_1_and_all_threads(make_X, answers_on_one_and_all_threads,
                                                                         distance):
    # 130 samples and 9x11 units: more than one task of rows and of units.
    X = make_X(n_samples=130, n_features=7, seed=8)
    one, every = answers_on_one_and_all_threads(
        lambda n_jobs: SOM(9, 11, algorithm="batch", n_epochs=2, init="pca", distance=distance, topology="hexagonal",
                           n_jobs=n_jobs, random_state=0), X)
    for name, value in one.items():
        np.testing.assert_array_equal(value, every[name], err_msg=name)


# ---------------------------------------------------------------------------
# Batch: BLAS's threads
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def blas_limits():
    """threadpoolctl's ``threadpool_limits``; skips when BLAS runs a single thread here."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas_threads = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    if max(blas_threads, default=1) < 2:
        pytest.skip(f"BLAS runs {max(blas_threads, default=1)} thread here: 1 thread against all would compare "
                    "1 with 1")
    return threadpoolctl.threadpool_limits


def epoch_by_epoch(X, weights, sigmas, max_d2=2.0):
    """Batch epochs on a copy of ``weights`` (a 10x10 rectangular map, gaussian, euclidean).

    Returns one (BMUs, weights after the epoch, (quantization error, topographic error)) per epoch.
    """
    coords, geometry = topology.make_grid(10, 10)
    trained = weights.copy()
    state = np.zeros(1, dtype=np.int64)
    epochs = []
    for epoch in range(len(sigmas)):
        bmus = np.empty(len(X), dtype=np.int64)
        errors = []
        batch.run_batch(X, trained, coords, geometry, sigmas[:epoch + 1], NEIGHBORHOODS["gaussian"],
                        DISTANCES["euclidean"], max_d2, state=state, bmus=bmus,
                        on_epoch=lambda epoch, qe, te, errors=errors: errors.append((qe, te)))
        epochs.append((bmus, trained.copy(), errors[0]))
    return epochs


def rounding_of_the_products(X, weights):
    """Exact squared distances (n_samples, n_units), and a bound on a GEMM ranking's error in each.

    fastsom ranks units by ||w||^2 - 2 x.w. A dot product of k terms in
    BLAS's precision is off by at most gamma_k sum |x_l w_l|, gamma_k = k u /
    (1 - k u), u the unit roundoff, however BLAS blocks and splits it; the
    norms are summed in float64. Twice the dot product's error plus the
    norm's bounds the ranking's error, whatever the number of threads.
    """
    k, u = X.shape[1], np.finfo(X.dtype).eps / 2
    gamma = k * u / (1 - k * u)
    X64, W64 = X.astype(np.float64), weights.astype(np.float64)
    exact = np.array([((W64 - x) ** 2).sum(axis=1) for x in X64])
    error = 2 * gamma * (np.abs(X64) @ np.abs(W64).T) + 2 * k * 2.0**-53 * (W64 ** 2).sum(axis=1)
    return exact, error


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_map_depends_on_blas_threads_only_through_near_ties(blas_limits, make_X, dtype):
    # 784 features: OpenBLAS's 256 x 784 x 100 GEMM differs in the last bits
    # between 1 and 2 threads (see the module docstring).
    X = make_X(n_samples=256, n_features=784, seed=5).astype(dtype)
    weights = make_X(n_samples=100, n_features=784, seed=6).astype(dtype)
    sigmas = np.array([3.0, 2.0, 1.4, 1.0])
    with blas_limits(1, user_api="blas"):
        one = epoch_by_epoch(X, weights, sigmas)
    many = epoch_by_epoch(X, weights, sigmas)
    before = weights  # the same on both sides up to the first epoch whose BMUs differ
    for epoch, ((bmus_1, after_1, errors_1), (bmus_n, after_n, errors_n)) in enumerate(zip(one, many, strict=True)):
        exact, error = rounding_of_the_products(X, before)
        rows = np.arange(len(X))
        # A sample may go to another unit only when the two are within the products' rounding.
        flipped = np.flatnonzero(bmus_1 != bmus_n)
        gap = np.abs(exact[flipped, bmus_1[flipped]] - exact[flipped, bmus_n[flipped]])
        assert np.all(gap <= error[flipped, bmus_1[flipped]] + error[flipped, bmus_n[flipped]]), (
            f"epoch {epoch}: a BMU changed with BLAS's threads although it was no near tie")
        # The errors: distances from products that differ in the last bits.
        # The topographic error counts each sample whose best or second unit
        # rounding decides at most once.
        d2, slack = exact[rows, bmus_1], 2 * error.max(axis=1)  # each side within error of the exact value
        qe_tol = np.mean(np.sqrt(d2 + slack) - np.sqrt(np.maximum(d2 - slack, 0)))
        assert abs(errors_1[0] - errors_n[0]) <= qe_tol, f"epoch {epoch}: quantization error"
        ranked = np.sort(exact, axis=1)[:, :3]
        undecided = np.diff(ranked, axis=1).min(axis=1) <= 2 * error.max(axis=1)
        assert abs(errors_1[1] - errors_n[1]) * len(X) <= undecided.sum() + 1e-9, f"epoch {epoch}: topographic error"
        if len(flipped):
            break  # the maps part here; later epochs start from different weights
        assert_array_equal(after_1, after_n, err_msg=f"epoch {epoch}: same BMUs, so the same sums and weights")
        before = after_1


def test_batch_estimator_gives_the_same_float64_map_on_one_and_n_blas_threads(blas_limits, make_X):
    """What a user sees: in float64, BMUs this close are rare; the map is the same, the errors agree to rounding."""
    X = make_X(n_samples=256, n_features=784, seed=5)
    som = SOM(10, 10, algorithm="batch", n_epochs=5, random_state=0, callbacks=[lambda info: None])
    with blas_limits(1, user_api="blas"):
        one = som.fit(X).weights_.copy(), som.history_
    many = som.fit(X).weights_, som.history_
    assert_array_equal(one[0], many[0])
    for one_epoch, many_epoch in zip(one[1], many[1], strict=True):
        assert one_epoch["quantization_error"] == pytest.approx(many_epoch["quantization_error"], rel=1e-13, abs=0)
        assert one_epoch["topographic_error"] == many_epoch["topographic_error"]
