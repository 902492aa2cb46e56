"""Batch training: one epoch of fastsom's batch map against the machine's floor and XPySom (CPU).

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_batch.py --benchmark-json=batch.json

Contenders, all on the same data and the same initial weights (``n_units``
samples drawn with ``default_rng(1)``), one epoch each:

* ``fastsom`` - :func:`fastsom.training.batch.run_batch`, gaussian neighbourhood,
  euclidean, rectangular planar map, float32.
* ``floor`` - what no batch epoch can beat (:func:`fastsom.kernels.floors.floor_epoch`):
  the same chunks (same chunk size), ``np.matmul(X_chunk, W.T)`` and the
  argmin per row, nothing else: no second best, no errors, no sums, no
  smoothing.
* ``xpysom`` - ``xpysom.XPySom(..., xp=numpy)`` (its CPU backend), made by
  :func:`bench.peers.make_xpysom`, one call of ``train(X, 1)``: one epoch
  at sigma = its initial sigma. Its settings, and where they cannot match
  fastsom's, are listed in :mod:`bench.peers`.

Workloads (sizes and data from :mod:`bench.workloads`): (i) ``mnist-batch``,
70,000 x 784 MNIST-like, 20x20 map, sigma 10; (ii) ``million``, 1,000,000
x 16, 30x30 map, sigma 15; (iii) ``large-map``, 100,000 x 64, 200x200
map, sigma 100, fastsom and floor only (XPySom's per-sample neighbourhood
would be a 1,000 x 40,000 array per chunk, and a second GEMM as large as
the first; ``python -m bench.report --only large-map`` races it anyway,
under a time budget).

Peak memory: for (ii) and (iii) each contender also runs in a fresh process
(:mod:`fastsom.profiling.memory`): the peak is reset once the libraries, the data and
the initial weights are in memory (``rss_with_data_mb``), then read after a
warm-up epoch and one more (``peak_rss_mb``); ``epoch_extra_mb`` is the
difference: what training adds beyond the data (it includes numba loading
its cached kernels, a few tens of MB).

``FASTSOM_BENCH_SMOKE=1`` shrinks every workload to check that the bench
runs; its timings mean nothing.
"""

import json
import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from bench import workloads
from bench.peers import make_xpysom
from fastsom import topology
from fastsom.kernels.floors import floor_epoch
from fastsom.options import DISTANCES, NEIGHBORHOODS
from fastsom.training.batch import default_chunk_size, run_batch

SMOKE = workloads.SMOKE

#: key -> (workload in bench.workloads, contenders); sigma is the workload's (half the longer side).
WORKLOADS = {
    "i": ("mnist-batch", ("xpysom", "floor", "fastsom")),
    "ii": ("million", ("fastsom", "floor", "xpysom")),
    "iii": ("large-map", ("fastsom", "floor")),
}
ROUNDS = 3


def workload(key):
    """The bench.workloads entry of a key, at full or smoke size."""
    return workloads.WORKLOADS[WORKLOADS[key][0]].sized("smoke" if SMOKE else "full")


def sizes(key):
    wl = workload(key)
    return wl.n_samples, wl.n_features, wl.n_rows, wl.n_cols


def workload_data(key):
    """X (float32, C-contiguous) and the initial weights of a workload (X built once per process)."""
    wl = workload(key)
    X = workloads.mnist_like(wl.n_samples, wl.n_features)
    return X, workloads.sample_init(X, wl.n_units)


def fastsom_epoch(X, weights, n_rows, n_cols, sigma):
    """One batch epoch of fastsom on ``weights`` (modified); returns (qe, te) of the epoch."""
    coords, geometry = topology.make_grid(n_rows, n_cols)
    errors = []
    run_batch(X, weights, coords, geometry, np.array([sigma]), NEIGHBORHOODS["gaussian"], DISTANCES["euclidean"],
              topology.ADJACENCY[("rectangular", 8)], state=np.zeros(1, dtype=np.int64),
              on_epoch=lambda *e: errors.append(e))
    return errors[0][1:]


def contender(name, key):
    """(target, setup) for pytest-benchmark's pedantic mode."""
    X, initial = workload_data(key)
    wl = workload(key)
    n_rows, n_cols, sigma = wl.n_rows, wl.n_cols, wl.sigma
    if name == "fastsom":
        return fastsom_epoch, lambda: ((X, initial.copy(), n_rows, n_cols, sigma), {})
    if name == "floor":
        chunk = min(X.shape[0], default_chunk_size(n_rows * n_cols))
        return floor_epoch, lambda: ((X, initial, chunk), {})
    return (lambda som: som.train(X, 1)), lambda: ((make_xpysom(initial.reshape(n_rows, n_cols, -1), sigma),), {})


MEMORY_SCRIPT = r"""
import json, sys
sys.path.insert(0, ".")
from fastsom.profiling import memory
from bench import test_batch as b

key, name = sys.argv[1], sys.argv[2]
target, setup = b.contender(name, key)
X, _ = b.workload_data(key)
args, kwargs = setup()
memory.reset_peak()  # forget the temporaries of building the data
base = memory.rss_mib()  # interpreter, libraries, data, initial weights
target(*args, **kwargs)  # warm-up: compile or load the numba cache
args, kwargs = setup()
target(*args, **kwargs)
peak = memory.peak_mib()
print(json.dumps({"data_mb": X.nbytes / 2**20, "rss_with_data_mb": base, "peak_rss_mb": peak,
                  "epoch_extra_mb": peak - base}))
"""


def peak_memory(key, name):
    """Peak RSS of one epoch in a fresh process, in MiB, with the data's size."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(MEMORY_SCRIPT), key, name], cwd=root,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cases():
    return [(key, name) for key, (_, names) in WORKLOADS.items() for name in names]


@pytest.mark.parametrize("key, name", _cases(), ids=lambda v: str(v))
def test_speed(benchmark, key, name):
    n_samples, n_features, n_rows, n_cols = sizes(key)
    benchmark.group = f"batch {key}: {workload(key).describe()}"
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
    som = make_xpysom(initial.reshape(6, 8, 8), 2.5)
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
