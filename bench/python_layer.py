"""What the Python layer costs around the kernels: import, initialisation, BMU queries.

Run from the repository's root (issue 9, item 5, states the targets)::

    python -m bench.python_layer                      # everything
    python -m bench.python_layer --part queries --rounds 9

Parts (``--part``, comma-separated):

* ``import``: ``import fastsom`` in fresh interpreters, against a bare
  ``import numpy`` (the floor any NumPy library pays), alternated; medians
  of wall time. Also whether scikit-learn got imported.
* ``init``: a one-epoch batch fit of 70,000 x 784 float32 data
  (``--data``: MNIST-like or uniform) on a 20x20 float32 map with
  ``init="random"``, ``"pca"`` and ``"sample"``, the three alternated;
  medians and the ratio of each to ``random``. Then, in a separate pass
  (tracing slows allocation), the peak memory each ``init`` adds while
  making the initial weights (``tracemalloc``: NumPy reports its buffers to
  it), against the bound of the issue: one n_features x n_features float64
  matrix plus one chunk of rows.
* ``queries``: ``predict``, ``quantization_error`` and ``topographic_error``
  on the same data and a trained map, alternated with the machine's floor for
  the same BMU search, :func:`fastsom.kernels.floors.floor_epoch` (chunked sgemm and a
  vectorised argmin, nothing else); medians and the ratio of each query to
  the floor.

Timings are wall-clock medians over ``--rounds`` rounds after one warm-up
(numba compiles or loads its cache there); on a shared machine quote the
ratios, which pair rounds measured side by side.
"""

import argparse
import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np

N_SAMPLES, N_FEATURES, N_ROWS, N_COLS = 70_000, 784, 20, 20


def _median_times(contenders, rounds):
    """Median wall time of each zero-argument callable, run in turn (A B C A B C ...) after one warm-up each."""
    for f in contenders.values():
        f()
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, f in contenders.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


#: ``--data``: "mnist_like" (:func:`fastsom.datasets.make_mnist_like`, 10
#: noisy prototypes) or "uniform" (uniform on [0, 1): no structure, so the
#: PCA's truncated method runs all its passes).
DATA = "mnist_like"


def _data():
    from fastsom.datasets import make_mnist_like

    if DATA == "uniform":
        return np.random.default_rng(0).random((N_SAMPLES, N_FEATURES), dtype=np.float32)
    return make_mnist_like(N_SAMPLES, N_FEATURES, random_state=0)


def part_import(rounds):
    code = {"import fastsom": "import fastsom", "import numpy": "import numpy"}
    times = {name: [] for name in code}
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    for _ in range(rounds + 1):  # the first round warms the file cache
        for name, statement in code.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], check=True, env=env)
            times[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(t[1:])) for name, t in times.items()}
    check = subprocess.run([sys.executable, "-c", "import sys, fastsom; print('sklearn' in sys.modules)"],
                           check=True, env=env, capture_output=True, text=True)
    print(f"import (fresh interpreters, wall, median of {rounds}):")
    for name, t in medians.items():
        print(f"  {name:16s} {t:6.3f} s")
    print(f"  fastsom beyond numpy: {medians['import fastsom'] - medians['import numpy']:.3f} s; "
          f"scikit-learn imported by fastsom: {check.stdout.strip()}")


def _fit(X, init):
    from fastsom import SOM

    return SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=1, init=init, dtype="float32",
               random_state=0).fit(X)


def part_init(rounds):
    from fastsom import make_plan
    from fastsom.training.init import initial_weights

    X = _data()
    inits = ("random", "pca", "sample")
    medians = _median_times({init: (lambda init=init: _fit(X, init)) for init in inits}, rounds)
    print(f"one-epoch batch fit, {N_SAMPLES} x {N_FEATURES} float32, {N_ROWS}x{N_COLS} map "
          f"(wall, median of {rounds}, alternated):")
    for init in inits:
        print(f"  init={init!r:9s} {medians[init]:6.3f} s   {medians[init] / medians['random']:5.2f}x random")
    plan = make_plan(N_ROWS, N_COLS, N_FEATURES, N_SAMPLES, 0, random_state=0)
    bound = N_FEATURES**2 * 8
    print(f"peak memory added while making the initial weights (tracemalloc); bound of the issue: "
          f"n_features^2 float64 = {bound / 2**20:.1f} MiB plus one chunk of rows")
    for init in inits:
        tracemalloc.start()
        start = time.perf_counter()
        weights = initial_weights(init, plan, X, N_ROWS, N_COLS)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  init={init!r:9s} {peak / 2**20:8.1f} MiB  (result {weights.nbytes / 2**20:.1f} MiB; "
              f"{elapsed:.3f} s traced)")


def part_queries(rounds):
    from fastsom.kernels.floors import floor_epoch
    from fastsom.training.batch import default_chunk_size

    X = _data()
    som = _fit(X, "sample")
    weights = np.ascontiguousarray(som.weights_.reshape(N_ROWS * N_COLS, N_FEATURES))
    chunk = min(N_SAMPLES, default_chunk_size(N_ROWS * N_COLS))
    contenders = {
        "floor (GEMM + argmin)": lambda: floor_epoch(X, weights, chunk),
        "predict": lambda: som.predict(X),
        "quantization_error": lambda: som.quantization_error(X),
        "topographic_error": lambda: som.topographic_error(X),
    }
    medians = _median_times(contenders, rounds)
    floor = medians["floor (GEMM + argmin)"]
    print(f"queries on {N_SAMPLES} x {N_FEATURES} float32, {N_ROWS}x{N_COLS} map "
          f"(wall, median of {rounds}, alternated):")
    for name, t in medians.items():
        print(f"  {name:22s} {t:6.3f} s   {t / floor:5.2f}x floor")


PARTS = {"import": part_import, "init": part_init, "queries": part_queries}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", choices=("mnist_like", "uniform"), default="mnist_like")
    args = parser.parse_args(argv)
    global DATA
    DATA = args.data
    import fastsom

    print(f"fastsom from {os.path.dirname(fastsom.__file__)}; {DATA} data; load average {os.getloadavg()[0]:.2f}")
    for part in args.part.split(","):
        PARTS[part](args.rounds)


if __name__ == "__main__":
    main()
