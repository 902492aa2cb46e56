"""Batch training: one epoch of fastsom's batch map against the machine's floor and XPySom (CPU).

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_batch.py --benchmark-json=batch.json

Contenders, all on the same data and the same initial weights (``n_units``
samples drawn with ``default_rng(1)``), one epoch each:

* ``fastsom`` - :func:`fastsom.batch.run_batch`, gaussian neighbourhood,
  euclidean, rectangular planar map, float32.
* ``floor`` - what no batch epoch can beat: the same chunks (same chunk
  size), ``np.matmul(X_chunk, W.T)`` (OpenBLAS sgemm, all its threads) and
  the argmin of ``||w||^2 - 2 G`` per row (a serial vectorised numba loop,
  :func:`argmin_rows`), nothing else: no second best, no errors, no sums,
  no smoothing.
* ``xpysom`` - ``xpysom.XPySom(..., xp=numpy)`` (its CPU backend), one call
  of ``train(X, 1)``: one epoch at sigma = its initial sigma.

XPySom settings and what they match (read from xpysom/xpysom.py,
neighborhoods.py, distances.py of the installed version):

* ``std_coeff=1.0``: XPySom's gaussian is ``exp(-d^2 / (2 std_coeff^2
  sigma^2))``; its default 0.5 would halve the radius. With 1.0 it is
  fastsom's ``exp(-d2 / (2 sigma^2))``, evaluated, like fastsom's separable
  smoothing, as a product of one exponential per axis.
* ``learning_rate``: XPySom multiplies both its numerator and denominator by
  it, so it cancels (fastsom's batch map has none); left at its default.
* ``decay_function``: irrelevant for one epoch (epoch 0 uses the initial sigma).
* Mismatches: XPySom accumulates numerator and denominator in float32
  (fastsom: float64); it evaluates the neighbourhood of every *sample*
  (an n_chunk x n_units array per chunk, then a second GEMM ``g.T @ x``)
  where fastsom sums samples per unit first and smooths once per epoch; it
  computes no quantization or topographic error during training (fastsom
  does, from the same pass); its chunk size is its default ``n_parallel``
  (500 x CPU count = 1,000 rows here). XPySom prints a warning at import
  when CuPy is missing; it is silenced.

Workloads: (i) 70,000 x 784 MNIST-like (``make_mnist_like(random_state=0)``),
20x20 map, sigma 10; (ii) 1,000,000 x 16 (``make_mnist_like(1_000_000, 16,
random_state=0)``), 30x30 map, sigma 15; (iii) 100,000 x 64, 200x200 map,
sigma 100, fastsom and floor only (XPySom's per-sample neighbourhood would be
a 1,000 x 40,000 array per chunk, and a second GEMM as large as the first).

Peak memory: for (ii) and (iii) each contender also runs in a fresh process
that reports its peak resident set size (``ru_maxrss``) once the libraries,
the data and the initial weights are in memory (``rss_with_data_mb``), and
after a warm-up epoch and one more (``peak_rss_mb``); ``epoch_extra_mb`` is
the difference: what training adds beyond the data (it includes numba
loading its cached kernels, a few tens of MB).

``FASTSOM_BENCH_SMOKE=1`` shrinks every workload to check that the bench
runs; its timings mean nothing.
"""

import contextlib
import functools
import io
import json
import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from fastsom import topology
from fastsom._jit import fast_jit
from fastsom.batch import default_chunk_size, run_batch
from fastsom.datasets import make_mnist_like
from fastsom.distances import DISTANCES
from fastsom.neighborhoods import NEIGHBORHOODS

SMOKE = os.environ.get("FASTSOM_BENCH_SMOKE", "") not in ("", "0")

#: key -> (title, n_samples, n_features, n_rows, n_cols, sigma, contenders)
WORKLOADS = {
    "i": ("MNIST-like 70,000 x 784, 20x20 map", 70_000, 784, 20, 20, 10.0, ("xpysom", "floor", "fastsom")),
    "ii": ("1,000,000 x 16, 30x30 map", 1_000_000, 16, 30, 30, 15.0, ("fastsom", "floor", "xpysom")),
    "iii": ("100,000 x 64, 200x200 map", 100_000, 64, 200, 200, 100.0, ("fastsom", "floor")),
}
SMOKE_SIZES = {"i": (2_000, 784, 20, 20), "ii": (20_000, 16, 30, 30), "iii": (2_000, 64, 40, 40)}
ROUNDS = 3


def sizes(key):
    _, n_samples, n_features, n_rows, n_cols, *_ = WORKLOADS[key]
    return SMOKE_SIZES[key] if SMOKE else (n_samples, n_features, n_rows, n_cols)


@functools.cache
def workload_data(key):
    """X (float32, C-contiguous) and the initial weights of a workload (built once per process)."""
    n_samples, n_features, n_rows, n_cols = sizes(key)
    X = make_mnist_like(n_samples, n_features, dtype=np.float32, random_state=0)
    picks = np.random.default_rng(1).integers(0, n_samples, n_rows * n_cols)
    return X, np.ascontiguousarray(X[picks])


@fast_jit
def argmin_rows(G, w_norm2, bmus):
    """Index of the smallest ``w_norm2[u] - 2 G[i, u]`` per row: the floor's argmin.

    G       IN  (m, n_units) float32
    w_norm2 IN  (n_units,) float64
    bmus    OUT (m,) int64

    fastsom's lane-interleaved search (16 running minima per row,
    vectorised; float64 scores, which measured faster than float32 ones),
    but only the minimum: no second best, no errors.
    """
    m, n_units = G.shape
    lanes = 16
    full = n_units - n_units % lanes
    lane_s = np.empty(lanes)
    lane_u = np.empty(lanes, dtype=np.int64)
    for i in range(m):
        for j in range(lanes):
            lane_s[j] = np.inf
            lane_u[j] = 0
        for u0 in range(0, full, lanes):
            for j in range(lanes):
                s = w_norm2[u0 + j] - 2.0 * np.float64(G[i, u0 + j])
                better = (s < lane_s[j]) & (u0 + j != n_units)
                lane_s[j] = s if better else lane_s[j]
                lane_u[j] = u0 + j if better else lane_u[j]
        best_s, best_u = np.inf, 0
        for j in range(lanes):
            if lane_s[j] < best_s:
                best_s, best_u = lane_s[j], lane_u[j]
        for u in range(full, n_units):
            s = w_norm2[u] - 2.0 * np.float64(G[i, u])
            if s < best_s:
                best_s, best_u = s, u
        bmus[i] = best_u


def floor_epoch(X, weights, chunk_size):
    """Chunked sgemm and argmin, nothing else; returns the BMUs."""
    n_samples = X.shape[0]
    w_norm2 = np.einsum("ij,ij->i", weights, weights, dtype=np.float64)
    G = np.empty((chunk_size, weights.shape[0]), dtype=weights.dtype)
    bmus = np.empty(n_samples, dtype=np.int64)
    for lo in range(0, n_samples, chunk_size):
        hi = min(n_samples, lo + chunk_size)
        np.matmul(X[lo:hi], weights.T, out=G[:hi - lo])
        argmin_rows(G[:hi - lo], w_norm2, bmus[lo:hi])
    return bmus


def fastsom_epoch(X, weights, n_rows, n_cols, sigma):
    """One batch epoch of fastsom on ``weights`` (modified); returns (qe, te) of the epoch."""
    coords, geometry = topology.make_grid(n_rows, n_cols)
    errors = []
    run_batch(X, weights, coords, geometry, np.array([sigma]), NEIGHBORHOODS["gaussian"], DISTANCES["euclidean"],
              topology.ADJACENCY[("rectangular", 8)], state=np.zeros(1, dtype=np.int64),
              on_epoch=lambda *e: errors.append(e))
    return errors[0][1:]


def import_xpysom():
    with contextlib.redirect_stdout(io.StringIO()):  # "WARNING: CuPy could not be imported"
        import xpysom
    return xpysom


def make_xpysom(initial_weights, n_rows, n_cols, sigma):
    """An XPySom on the CPU with fastsom's neighbourhood and the given initial weights."""
    xpysom = import_xpysom()
    som = xpysom.XPySom(n_rows, n_cols, initial_weights.shape[1], sigma=sigma, std_coeff=1.0,
                        neighborhood_function="gaussian", topology="rectangular", activation_distance="euclidean",
                        xp=np)
    som._weights = initial_weights.reshape(n_rows, n_cols, -1).copy()
    return som


def contender(name, key):
    """(target, setup) for pytest-benchmark's pedantic mode."""
    X, initial = workload_data(key)
    _, _, _, _, _, sigma, _ = WORKLOADS[key]
    n_rows, n_cols = sizes(key)[2:]
    if name == "fastsom":
        return fastsom_epoch, lambda: ((X, initial.copy(), n_rows, n_cols, sigma), {})
    if name == "floor":
        chunk = min(X.shape[0], default_chunk_size(n_rows * n_cols))
        return floor_epoch, lambda: ((X, initial, chunk), {})
    return (lambda som: som.train(X, 1)), lambda: ((make_xpysom(initial, n_rows, n_cols, sigma),), {})


MEMORY_SCRIPT = r"""
import json, sys
import numpy as np
sys.path.insert(0, ".")
from bench import test_batch as b

def peak_rss_kib():
    # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak
    # across fork + exec into ru_maxrss, so a child of a large pytest
    # process would report the parent's figure.
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

key, name = sys.argv[1], sys.argv[2]
target, setup = b.contender(name, key)
X, _ = b.workload_data(key)
args, kwargs = setup()
base = peak_rss_kib()  # interpreter, libraries, data, initial weights
target(*args, **kwargs)  # warm-up: compile or load the numba cache
args, kwargs = setup()
target(*args, **kwargs)
peak = peak_rss_kib()
print(json.dumps({"data_mb": X.nbytes / 2**20, "rss_with_data_mb": base / 1024, "peak_rss_mb": peak / 1024,
                  "epoch_extra_mb": (peak - base) / 1024}))
"""


def peak_memory(key, name):
    """Peak RSS of one epoch in a fresh process, in MiB, with the data's size."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(MEMORY_SCRIPT), key, name], cwd=root,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cases():
    return [(key, name) for key, (*_, names) in WORKLOADS.items() for name in names]


@pytest.mark.parametrize("key, name", _cases(), ids=lambda v: str(v))
def test_speed(benchmark, key, name):
    title, *_ = WORKLOADS[key]
    n_samples, n_features, n_rows, n_cols = sizes(key)
    benchmark.group = f"batch {key}: {title}"
    benchmark.extra_info.update(
        workload=key, contender=name, dtype="float32", n_samples=n_samples, n_features=n_features,
        n_rows=n_rows, n_cols=n_cols, epochs=1, numba_threads=numba.get_num_threads(), smoke=SMOKE,
        load_average=os.getloadavg()[0],
    )
    if key in ("ii", "iii"):
        benchmark.extra_info.update(peak_memory(key, name))
    target, setup = contender(name, key)
    benchmark.pedantic(target, setup=setup, rounds=1 if SMOKE else ROUNDS, iterations=1, warmup_rounds=1)


def test_xpysom_trains_the_same_map():
    """Like with like: one XPySom epoch and one fastsom epoch give the same map (to float32 rounding)."""
    rng = np.random.default_rng(0)
    X = rng.random((500, 8), dtype=np.float32)
    initial = np.ascontiguousarray(X[rng.integers(0, 500, 48)])
    som = make_xpysom(initial, 6, 8, 2.5)
    som.train(X, 1)
    comp = initial.copy()
    fastsom_epoch(X, comp, 6, 8, 2.5)
    # XPySom sums in float32 (500 samples: ~1e-5 relative); fastsom in float64.
    np.testing.assert_allclose(comp, som.get_weights().reshape(48, 8), rtol=0, atol=1e-5)
    assert np.abs(comp - initial).max() > 0.1  # not vacuous: the epoch moved the map


def test_floor_finds_the_same_bmus_as_fastsom():
    X, initial = workload_data("i")
    X = X[:3000]
    bmus = np.empty(len(X), dtype=np.int64)
    coords, geometry = topology.make_grid(20, 20)
    run_batch(X, initial.copy(), coords, geometry, np.array([10.0]), 0, 0, 2.0, state=np.zeros(1, dtype=np.int64),
              bmus=bmus)
    floor_bmus = floor_epoch(X, initial, 1024)
    # Both rank by float64 scores from float32 products (||w||^2 ~ 200 here:
    # ~1e-5 resolution), the floor with ||w||^2 from einsum, fastsom from its
    # own kernel, so near-ties may go either way; where they differ, both
    # units must be equally near the sample to float32 resolution.
    X64, W64 = X.astype(np.float64), initial.astype(np.float64)
    d_floor = ((X64 - W64[floor_bmus]) ** 2).sum(axis=1)
    d_fastsom = ((X64 - W64[bmus]) ** 2).sum(axis=1)
    np.testing.assert_allclose(d_floor, d_fastsom, rtol=0, atol=1e-4 * (X64**2).sum(axis=1).max())
    assert np.mean(floor_bmus == bmus) > 0.9
