"""Checks of the peer benchmark: like with like, and that the report runs (tiny sizes, about a minute).

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_report_smoke.py

No timing is asserted anywhere: these tests check that the peers are
driven with the settings :mod:`bench.peers` claims (where it claims an
exact match, the maps agree), and that the worker, the tables and the
target lines work end to end. A peer that is not installed is skipped.
"""

import dataclasses
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from bench import peers, suite, worker, workloads
from bench.contenders import registry
from fastsom.analysis import metrics
from fastsom.kernels.floors import online_floor
from fastsom.training import schedules


def small_workload(n_epochs=4):
    """A 6x5 map on 300 x 5 MNIST-like rows: every contender trains it in milliseconds."""
    return dataclasses.replace(workloads.WORKLOADS["curve"], n_samples=300, n_features=5, n_rows=6, n_cols=5,
                               n_epochs=n_epochs, n_iterations=600)


@pytest.fixture(scope="module")
def data():
    wl = small_workload()
    X = workloads.mnist_like(wl.n_samples, wl.n_features)
    return wl, X, workloads.pca_init(X, wl.n_rows, wl.n_cols)


def available(name):
    reason = registry()[name].unavailable()
    if reason:
        pytest.skip(reason)
    return registry()[name]


@pytest.mark.parametrize("n_epochs", [1, 4])
@pytest.mark.parametrize("name", ["xpysom", "somoclu"])
def test_exactly_matched_batch_peers_train_fastsoms_map(data, name, n_epochs):
    """Same radius schedule, same neighbourhood: the codebooks agree to float32 sums."""
    wl, X, initial = data
    wl = dataclasses.replace(wl, n_epochs=n_epochs)
    ref = registry()["fastsom-batch"].train(X, initial, wl)
    comp = available(name).train(X, initial, wl)
    assert comp.shape == (wl.n_rows, wl.n_cols, wl.n_features), f"{name}: codebook layout"
    # Both sum 300 float32 samples (~1e-5 relative); fastsom sums in float64.
    assert_allclose(comp, ref, rtol=0, atol=1e-4, err_msg=f"{name} vs fastsom batch, {n_epochs} epochs")
    assert np.abs(ref - initial).max() > 0.05  # not vacuous: training moved the map


def test_minisom_batch_is_the_batch_map_with_its_radius_schedule(data):
    """learning_rate=1 with a constant decay turns train_batch_offline into Kohonen's batch map.

    MiniSom's radius falls as inverse_decay_to_one, fastsom's
    schedules.asymptotic(sigma0, 1); with that schedule fastsom trains the
    same map (the ``fastsom-batch-inverse`` contender), so against fastsom's
    default schedule the only difference is the schedule.
    """
    wl, X, initial = data
    wl = dataclasses.replace(wl, dtype="float64")
    X, initial = X.astype(np.float64), initial.astype(np.float64)
    comp = available("minisom-batch").train(X, initial, wl)
    ref = registry()["fastsom-batch-inverse"].train(X, initial, wl)
    # MiniSom's gaussian is a product of one exponential per axis; a few ulps per term.
    assert_allclose(comp, ref, rtol=0, atol=1e-10, err_msg="MiniSom train_batch_offline vs fastsom batch")


def test_peer_schedules_are_what_the_docstring_says():
    sigma0, n = 12.5, 100
    assert_allclose([peers.exponential_learning_rate(0.5, t, n) for t in range(n)],
                    schedules.exponential(0.5, 0.01, n), rtol=1e-15, atol=0)
    minisom = pytest.importorskip("minisom").MiniSom(2, 2, 1)
    assert_allclose([minisom._inverse_decay_to_one(sigma0, t, n) for t in range(n)],
                    peers.sigma_schedule("minisom-online", sigma0, n), rtol=1e-14, atol=0)
    torchsom_decay = pytest.importorskip("torchsom.utils.decay")
    assert_allclose([torchsom_decay.DECAY_FUNCTIONS["sig_inverse_decay_to_one"](sigma0, t, n) for t in range(n)],
                    peers.sigma_schedule("torchsom", sigma0, n), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", ["minisom-online", "torchsom", "fastsom-online"])
def test_other_contenders_return_a_trained_codebook(data, name):
    wl, X, initial = data
    comp = available(name).train(X, initial, wl)
    assert comp.shape == (wl.n_rows, wl.n_cols, wl.n_features), name
    W = np.ascontiguousarray(np.asarray(comp).reshape(-1, wl.n_features), dtype=X.dtype)
    W0 = np.ascontiguousarray(initial.reshape(-1, wl.n_features))
    assert metrics.quantization_error(X, W) < metrics.quantization_error(X, W0), f"{name} did not train"


def test_online_floor_finds_the_bmus_of_fixed_weights(data):
    _, X, initial = data
    W = np.ascontiguousarray(initial.reshape(-1, X.shape[1]))
    samples = np.arange(X.shape[0], dtype=np.int64)
    bmus = np.empty(X.shape[0], dtype=np.int64)
    online_floor(X, W, samples, bmus)
    assert_array_equal(bmus, metrics.best_two_units(X, W)[0])


def test_worker_skips_what_would_not_fit_in_memory():
    result = worker.measure(dict(workload="large-map", mode="full", contender="torchsom", budget=20,
                                 round_budget=1, max_rounds=1, memory_budget=2**30))
    if result["status"] == "unavailable":
        pytest.skip(result["reason"])
    assert result["status"] == "skipped"
    assert "GiB" in result["reason"] and "memory budget" in result["reason"]


def test_suite_runs_a_workload_end_to_end(tmp_path):
    """Two workers in fresh processes, the table and the target lines (smoke sizes)."""
    wl = workloads.WORKLOADS["tsom-240x4"].sized("smoke")
    mode = suite.MODES["smoke"]
    env = suite.numba_cache_env()
    rows = [suite.run_contender(wl, name, mode, tmp_path, env=env) for name in ("fastsom-batch", "torchsom")]
    assert rows[0]["status"] == "ok", rows[0]
    assert rows[0]["qe"] > 0 and 0 <= rows[0]["te"] <= 1 and rows[0]["peak_extra_mb"] >= 0
    text = suite.table(wl, rows)
    assert text.startswith("### tsom-240x4") and "| fastsom batch | batch | float32 |" in text
    lines = suite.targets({wl.key: rows})
    if rows[1]["status"] == "ok":
        assert "tsom-240x4: fastsom batch" in lines and "target >= 3x" in lines and "QE" in lines
    else:
        assert "not measured" in lines


def test_no_contender_starts_after_the_deadline(tmp_path):
    wl = workloads.WORKLOADS["iris"].sized("smoke")
    result = suite.run_contender(wl, "fastsom-batch", suite.MODES["quick"], tmp_path,
                                 deadline_at=time.monotonic() - 1)
    assert result["status"] == "skipped" and "deadline" in result["reason"]
    assert "skipped: --quick deadline" in suite.table(wl, [result])
