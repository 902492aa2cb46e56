"""Online training: fastsom's fused kernel against the reference, a two-sweep kernel and MiniSom.

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_online.py --benchmark-json=online.json
    python -m bench.report            # runs the above and prints the tables

Every contender runs the same training plan (``fastsom.make_plan(...,
random_state=0)``: initial weights and sample order) with the same
per-iteration learning rate and radius, on data from ``fastsom.datasets``.
Only the training call is timed: ``benchmark.pedantic`` with one warm-up
round (numba compiles there, or loads its cache), and a ``setup`` that hands
each round fresh copies of the initial weights, outside the timer. The
contenders of a workload run one after the other; their order is reversed
between the two dtypes so that drift of a busy machine favours none of them.
pytest-benchmark runs all rounds of one contender in a row, so rounds are not
interleaved.

Workloads (group = workload; ``extra_info`` names the contender, dtype,
neighbourhood, schedules and the number of iterations timed):

(a) the tutorial: 100 colours (``make_colours(100, random_state=0)``), 5x5
    map, 2,000 iterations, ``tutorial_schedules``, neighbourhood
    ``gaussian_cutoff``, float64. Contenders: ``reference.tutorial.train``,
    fused strict, fused fast, two-sweep; and MiniSom, which has no cutoff
    gaussian nor the tutorial's exponential decays, so it runs ``gaussian``
    with asymptotic decays from the tutorial's sigma0 = 2.5, lr0 = 0.01
    (its cost per iteration does not depend on those values).
(b) 1,000 colours, 20x20 map, 20,000 iterations, ``gaussian``, asymptotic
    schedules with sigma0 = 10, lr0 = 0.5; float64 and float32.
(c) 70,000 x 784 (``make_mnist_like(random_state=0)``; float64 is the same
    float32 values converted), 20x20 map, 10,000 iterations, otherwise as (b).

Compare times per iteration (``python -m bench.report`` divides by
``extra_info["n_iterations"]``): MiniSom at (c) times only the first
``FASTSOM_BENCH_MINISOM_ITERS`` iterations of the plan (default 2,000 there,
the whole plan elsewhere; ``all`` for the whole plan everywhere), with the
decays of the full plan. Its cost per iteration is the same at every
iteration (it evaluates the whole map every time), so this only saves time.

``FASTSOM_BENCH_SMOKE=1`` shrinks every workload to check that the bench
runs; its timings mean nothing. ``FASTSOM_BENCH_QUICK=1`` (``python -m
bench.report --quick``) keeps the sizes but runs at most 3 rounds of the
slow contenders (reference, MiniSom) and 10 of the others, and MiniSom on
500 iterations at (c). ``FASTSOM_BENCH_ONLINE_WORKLOADS=a,c`` runs only
those workloads.
"""

import functools
import os
from dataclasses import dataclass, field

import numba
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from bench import workloads
from bench.baselines import make_minisom, online_two_sweep, run_minisom, train_minisom
from bench.plain import MALLOC_TUNING
from fastsom import make_plan, topology, tutorial_schedules
from fastsom.datasets import make_colours, make_mnist_like
from fastsom.kernels.distances import EUCLIDEAN
from fastsom.kernels.sweep import OnlineState, online_fast, online_parallel, online_strict
from fastsom.options import NEIGHBORHOODS
from fastsom.training.schedules import asymptotic
from fastsom.tutorial import initial_radius

SMOKE = workloads.SMOKE
QUICK = os.environ.get("FASTSOM_BENCH_QUICK", "") not in ("", "0")
#: Workloads to run (all when unset), e.g. "a" for the tutorial alone.
ONLY = [k for k in os.environ.get("FASTSOM_BENCH_ONLINE_WORKLOADS", "").split(",") if k]

#: max_d2 < 0: the kernels gather no running errors, as ``SOM.fit`` without
#: callbacks or early stopping.
NO_RUNNING_ERRORS = -1.0


def malloc_setting():
    """'tuned' if this process runs with :data:`bench.plain.MALLOC_TUNING`, else 'default'."""
    return "tuned" if all(os.environ.get(k) == v for k, v in MALLOC_TUNING.items()) else "default"


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    n_rows: int
    n_cols: int
    n_iterations: int
    neighborhood: str
    schedules: str  # "tutorial" or "asymptotic"
    sigma: float  # initial radius
    learning_rate: float  # initial learning rate
    rounds: dict = field(hash=False)  # contender -> timed rounds
    minisom_iterations: int | None = None  # iterations MiniSom times (None = all)

    @property
    def group(self):
        return f"{self.key}: {self.title}"


def _scaled(n, smoke):
    return smoke if SMOKE else n


WORKLOADS = {
    "a": Workload(
        "a", "tutorial, 5x5 map, 100 colours x 3, 2000 iterations", 5, 5, _scaled(2000, 50),
        "gaussian_cutoff", "tutorial", initial_radius(5, 5), 0.01,
        rounds={"reference": 5, "minisom": 5, "fused_strict": 50, "fused_fast": 50, "two_sweep": 50},
    ),
    "b": Workload(
        "b", "20x20 map, 1000 colours x 3, 20000 iterations", 20, 20, _scaled(20_000, 100),
        "gaussian", "asymptotic", 10.0, 0.5,
        rounds={"minisom": 3, "fused_fast": 20, "fused_parallel": 20, "two_sweep": 20},
    ),
    "c": Workload(
        "c", "20x20 map, 70000 x 784 (MNIST-like), 10000 iterations", 20, 20, _scaled(10_000, 20),
        "gaussian", "asymptotic", 10.0, 0.5,
        rounds={"minisom": 5, "fused_fast": 5, "fused_parallel": 5, "two_sweep": 5},
        minisom_iterations=_scaled(500 if QUICK else 2000, 10),
    ),
}

CONTENDER_LABELS = {
    "reference": "reference (pure Python)",
    "fused_strict": "fused strict",
    "fused_fast": "fused fast",
    "fused_parallel": f"fused fast, {numba.get_num_threads()} threads",
    "two_sweep": "two-sweep",
    "minisom": "MiniSom",
}


@functools.cache
def workload_data(key, dtype):
    """X of a workload, C-contiguous, in ``dtype`` (built once per process)."""
    if key == "a":
        X = make_colours(100, random_state=0)
    elif key == "b":
        X = make_colours(1000, random_state=0)
    else:
        X = workload_data(key, "float32") if dtype != "float32" else workloads.mnist_like(
            2000 if SMOKE else 70_000, 784)
    return np.ascontiguousarray(X, dtype=dtype)


@functools.cache
def workload_plan(key):
    """Initial weights, sample order and schedules of a workload."""
    wl = WORKLOADS[key]
    X = workload_data(key, "float32" if key == "c" else "float64")
    plan = make_plan(wl.n_rows, wl.n_cols, X.shape[1], X.shape[0], wl.n_iterations, random_state=0)
    if wl.schedules == "tutorial":
        learning_rate, sigma = tutorial_schedules(wl.n_rows, wl.n_cols, wl.n_iterations, wl.learning_rate)
    else:
        learning_rate = asymptotic(wl.learning_rate, None, wl.n_iterations)
        sigma = asymptotic(wl.sigma, None, wl.n_iterations)
    return plan, learning_rate, sigma


def minisom_iterations(wl):
    """Iterations MiniSom times on workload ``wl``."""
    cap = os.environ.get("FASTSOM_BENCH_MINISOM_ITERS", "")
    if cap.lower() in ("all", "0"):
        return wl.n_iterations
    if cap:
        return min(wl.n_iterations, int(cap))
    return wl.n_iterations if wl.minisom_iterations is None else wl.minisom_iterations


def kernel_contender(kernel, threaded=False):
    """(target, setup, n_iterations timed, settings) for a kernel with fastsom's signature.

    ``threaded`` kernels take one more argument, the number of unit ranges
    swept in parallel: all of numba's threads, as ``SOM.fit`` uses.
    """

    def contender(wl, dtype):
        X = workload_data(wl.key, dtype)
        plan, learning_rate, sigma = workload_plan(wl.key)
        n_features = X.shape[1]
        weights = np.array(plan.initial_weights.reshape(-1, n_features), dtype=dtype, order="C")
        grid = topology.make_grid(wl.n_rows, wl.n_cols)
        kind = NEIGHBORHOODS[wl.neighborhood]
        no_bmus = np.empty(0, dtype=np.int64)

        def setup():
            state = np.array([0, -1, -1], dtype=np.int64)
            extra = (numba.get_num_threads(),) if threaded else ()
            return (X, weights.copy(), grid, plan.sample_indices, learning_rate, sigma, kind, EUCLIDEAN,
                    NO_RUNNING_ERRORS, wl.n_iterations, OnlineState(state, np.zeros(4)), no_bmus, *extra), {}

        return kernel, setup, wl.n_iterations, (wl.neighborhood, wl.schedules)

    return contender


def reference_contender(wl, dtype):
    from reference.tutorial import train

    # The tutorial's layout: one sample per column. train() copies the net itself.
    data = np.ascontiguousarray(workload_data(wl.key, dtype).T)
    plan, _, _ = workload_plan(wl.key)

    def setup():
        return (data, plan.initial_weights.copy(), plan.sample_indices, wl.learning_rate), {}

    return train, setup, wl.n_iterations, (wl.neighborhood, wl.schedules)


def minisom_contender(wl, dtype):
    X = workload_data(wl.key, dtype)
    plan, _, _ = workload_plan(wl.key)
    n_timed = minisom_iterations(wl)
    samples = plan.sample_indices[:n_timed]

    def setup():
        som = make_minisom(plan.initial_weights, wl.sigma, wl.learning_rate, X.dtype)
        return (som, X, samples, wl.n_iterations), {}

    # MiniSom offers neither the cutoff gaussian nor exponential decays.
    return run_minisom, setup, n_timed, ("gaussian", "asymptotic")


CONTENDERS = {
    "reference": reference_contender,
    "fused_strict": kernel_contender(online_strict),
    "fused_fast": kernel_contender(online_fast),
    "fused_parallel": kernel_contender(online_parallel, threaded=True),
    "two_sweep": kernel_contender(online_two_sweep),
    "minisom": minisom_contender,
}


def _cases():
    order = ["minisom", "two_sweep", "fused_fast", "fused_parallel"]
    cases = [("a", c, "float64") for c in ("reference", "fused_strict", "fused_fast", "two_sweep", "minisom")]
    cases += [("b", c, "float64") for c in order] + [("b", c, "float32") for c in reversed(order)]
    cases += [("c", c, "float32") for c in order] + [("c", c, "float64") for c in reversed(order)]
    return [case for case in cases if not ONLY or case[0] in ONLY]


def rounds(wl, contender):
    """Timed rounds of a contender: the workload's, fewer with QUICK, one with SMOKE."""
    if SMOKE:
        return 1
    if QUICK:
        return min(wl.rounds[contender], 3 if contender in ("reference", "minisom") else 10)
    return wl.rounds[contender]


@pytest.mark.parametrize("key, contender, dtype", _cases(), ids=lambda v: str(v))
def test_speed(benchmark, key, contender, dtype):
    wl = WORKLOADS[key]
    target, setup, n_timed, (neighborhood, schedules) = CONTENDERS[contender](wl, dtype)
    X = workload_data(key, dtype)
    benchmark.group = wl.group
    benchmark.extra_info.update(
        workload=key, contender=contender, label=CONTENDER_LABELS[contender], dtype=dtype,
        n_iterations=n_timed, plan_iterations=wl.n_iterations, neighborhood=neighborhood,
        schedules=schedules, n_rows=wl.n_rows, n_cols=wl.n_cols, n_samples=X.shape[0],
        n_features=X.shape[1], malloc=malloc_setting(), smoke=SMOKE,
    )
    benchmark.pedantic(target, setup=setup, rounds=rounds(wl, contender), iterations=1, warmup_rounds=1)


def _run_kernel(kernel, X, initial_weights, samples, learning_rate, sigma, neighborhood):
    n_rows, n_cols, n_features = initial_weights.shape
    weights = np.array(initial_weights.reshape(-1, n_features), dtype=X.dtype, order="C")  # a copy
    bmus = np.empty(len(samples), dtype=np.int64)
    kernel(X, weights, topology.make_grid(n_rows, n_cols), samples,
           learning_rate, sigma, NEIGHBORHOODS[neighborhood], EUCLIDEAN, 2.0, len(samples),
           OnlineState(np.array([0, -1, -1], dtype=np.int64), np.zeros(4)), bmus)
    return weights.reshape(initial_weights.shape), bmus


def test_minisom_matches_fastsom_on_same_plan():
    """Like with like: the three benchmarked implementations train the same map."""
    pytest.importorskip("minisom", reason="MiniSom is not installed: pip install -e '.[bench]'")
    n_rows, n_cols, n_features, n_samples, n_iterations = 6, 6, 4, 50, 300
    sigma0, lr0 = 3.0, 0.5
    X = make_mnist_like(n_samples, n_features, dtype=np.float64, random_state=0)
    plan = make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, random_state=0)
    learning_rate = asymptotic(lr0, None, n_iterations)
    sigma = asymptotic(sigma0, None, n_iterations)
    args = (X, plan.initial_weights, plan.sample_indices, learning_rate, sigma, "gaussian")

    fused_w, fused_bmus = _run_kernel(online_fast, *args)
    sweep_w, sweep_bmus = _run_kernel(online_two_sweep, *args)
    minisom_w, minisom_bmus = train_minisom(X, plan.initial_weights, plan.sample_indices, sigma0, lr0)

    # Not vacuous: training moved the map far from its start.
    assert np.abs(fused_w - plan.initial_weights).max() > 0.1
    assert_array_equal(sweep_bmus, fused_bmus, err_msg="two-sweep vs fused: BMU of each iteration")
    assert_array_equal(minisom_bmus, fused_bmus, err_msg="MiniSom vs fused: BMU of each iteration")
    # Both numba kernels compute w + f * (x - w) with the same f; only FMA
    # contraction may differ: a few ulps per update, damped by (1 - f).
    assert_allclose(sweep_w, fused_w, rtol=0, atol=1e-12, err_msg="two-sweep vs fused (float64)")
    # MiniSom's gaussian is exp(-dr^2/d) * exp(-dc^2/d) against fastsom's
    # exp(-(dr^2 + dc^2)/d): a few ulps of f per update, ~300 updates.
    assert_allclose(minisom_w, fused_w, rtol=0, atol=1e-12, err_msg="MiniSom vs fused (float64)")
