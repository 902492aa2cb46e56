"""Batch training on Dask against the in-memory batch map and simpsom-dask, at equal cores (issue 11, item 11).

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    python -m bench.dask_epochs --only memory-1t,memory-2t,threads,threads-blas1,cluster-1x1,cluster-2x1
    python -m bench.dask_epochs --only simpsom-dask-2x1 --rounds 1 --peer-python /tmp/venv-simpsom/bin/python
    python -m bench.dask_epochs --smoke         # < 1 minute: checks that it runs, timings mean nothing

The first takes about 15 minutes on 2 free cores (2 rounds; a loaded
machine took an hour: BLAS threads spinning, see docs/guide/dask.rst), the second
about 20 (simpsom-dask's epoch is ~30x fastsom's). Before each run the
driver waits, up to ``--patience`` seconds, for the 1-minute load average
to fall below ``--max-load``.

Workload: 10,000,000 x 16 float32 (640 MB) in chunks of 1,000,000 rows
(64 MB: dask's advice is 100 MB-ish chunks; 10 chunks keep 2 workers evenly
busy), a 30x30 rectangular map, 3 batch epochs, gaussian neighbourhood,
sigma 15 decaying exponentially towards 1 (``SOM``'s defaults, and
simpsom-dask's ``exponential`` decay with the same ends: both give 15, 6.08,
2.47), ``init="random"`` (fastsom: seed 0; simpsom-dask draws its own,
unseeded, from the same distribution: uniform between the data's minimum and
maximum, which are 0 and 1 here). The data are 10 noisy prototypes in
[0, 1] (:func:`fastsom.datasets.make_mnist_like`'s recipe), made chunk by
chunk from fixed seeds (:func:`make_chunk`), so a cluster builds them where
they will stay and every contender trains on the same rows.

Contenders, each in a fresh interpreter (``python bench/dask_epochs.py
--run NAME``: a plain script, as a user runs it), after a warm-up fit on a
few thousand rows (kernels loaded from numba's cache, the workers' imports):

* ``memory-1t`` - ``SOM(...).fit(X)`` on the NumPy array, ``n_jobs=1`` and
  BLAS limited to 1 thread (threadpoolctl): the serial floor of a task.
* ``memory-2t`` - the same, ``n_jobs`` and BLAS at their defaults (2 threads here).
* ``threads`` - ``fit(dask.array.from_array(X, chunks), scheduler="threads")``:
  dask's thread pool (2 threads), BLAS left as it is.
* ``threads-blas1`` - the same inside ``threadpool_limits(1)``: each task's
  GEMM on one BLAS thread (see docs/guide/dask.rst: the two differ).
* ``cluster-1x1`` / ``cluster-2x1`` - ``LocalCluster(n_workers=P,
  threads_per_worker=1)``, X built on the workers and persisted
  (``X.persist()``; fastsom does not persist: data larger than the
  workers' memory must not be), ``fit(X)`` with the cluster's Client active.
* ``cluster-2x1-from-client`` - the same cluster, X a ``from_array`` of an
  array in the client, not persisted: every pass ships the chunks.
* ``simpsom-dask-2x1`` - ``Simpsom(30, 30, topology="rectangular",
  PBC=False, inner_dist_type="cartesian", init="random").train(X, 3)`` on
  the 2-worker cluster, X persisted in chunks of 100,000 rows (its
  per-task arrays are chunk x n_units: 1,000,000-row chunks would need
  3.6 GB per task; its default, 100 rows, would be 100,000 tasks per
  epoch). ``cartesian``: euclidean grid distance, as fastsom (its ``grid``
  default is the L1 distance on square maps). Its ``train`` includes its
  initialisation and a closing ``predict`` pass; fastsom's ``fit``
  includes its checking pass and initialisation: whole calls are compared.
  Run with ``python -I`` (no fastsom on the path), by the interpreter
  ``--peer-python`` (default: ``$FASTSOM_BENCH_PEER_PYTHON``, else this
  one). It needs ``pip install "simpsom-dask[daskml]" xarray``: it imports
  xarray without declaring it, and trains without Dask, silently, when
  dask-ml is missing. Install those in a venv of their own: with ``sparse``
  (dask-ml's) and ``xarray`` installed, ``import dask.array`` also imports
  numba, pandas and xarray (dask registers their array types), 281 MB
  resident instead of 79 MB here, in every process and worker that uses
  dask. A venv that sees the project's packages::

      python -m venv /tmp/venv-simpsom
      echo /work/venv/lib/python3.11/site-packages > /tmp/venv-simpsom/lib/python3.11/site-packages/work.pth
      /tmp/venv-simpsom/bin/pip install "simpsom-dask[daskml]" xarray

Figures: ``fit`` (the whole call), ``epoch`` (fastsom: the median of the
epochs after the first, from a callback's clock; simpsom-dask: fit / 3),
``first`` (the first epoch, with the checking pass and the initial
codebook), QE of the final codebook on the in-memory data by one
definition (:func:`fastsom.analysis.metrics.quantization_error`, computed by the
driver, not by the contender).
Rounds alternate the contenders' order (A B C, C B A, ...); medians.

The 1-minute load average before each run is recorded: the machine has 2
cores shared with other work, and its figures are noisy.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Workload:
    n_samples: int = 10_000_000
    n_features: int = 16
    n_rows: int = 30
    n_cols: int = 30
    n_epochs: int = 3
    chunk_rows: int = 1_000_000
    peer_chunk_rows: int = 100_000

    def describe(self):
        return (f"{self.n_samples:,} x {self.n_features} float32, {self.n_rows}x{self.n_cols} map, "
                f"{self.n_epochs} epochs, chunks of {self.chunk_rows:,} rows")


FULL = Workload()
SMOKE = replace(FULL, n_samples=40_000, n_rows=10, n_cols=10, n_epochs=2, chunk_rows=10_000, peer_chunk_rows=5_000)

CONTENDERS = ("memory-1t", "memory-2t", "threads", "threads-blas1", "cluster-1x1", "cluster-2x1",
              "cluster-2x1-from-client", "simpsom-dask-2x1")
#: Workers (of one thread each) of the contenders that start a LocalCluster.
WORKERS = {"cluster-1x1": 1, "cluster-2x1": 2, "cluster-2x1-from-client": 2, "simpsom-dask-2x1": 2}
#: Runs that do not import fastsom: a fresh ``python -I`` with the peer alone.
PEERS = frozenset({"simpsom-dask-2x1"})


# ------------------------------------------------------------------ data (also run in workers)

def make_chunk(index, size, n_features):
    """Rows of chunk ``index``: 10 noisy prototypes in [0, 1], float32; the same on any machine."""
    prototypes = np.random.default_rng(0).random((10, n_features))
    rng = np.random.default_rng([1, index])
    X = prototypes[rng.integers(0, 10, size)].astype(np.float32)
    X += rng.normal(0.0, 0.1, (size, n_features)).astype(np.float32)
    np.clip(X, 0.0, 1.0, out=X)
    return X


def chunk_sizes(n_samples, chunk_rows):
    sizes = [chunk_rows] * (n_samples // chunk_rows)
    return sizes + ([n_samples % chunk_rows] if n_samples % chunk_rows else [])


def make_data(wl, chunk_rows=None):
    """The whole data as one NumPy array (the chunks of ``chunk_rows``, default the workload's, in order)."""
    X = np.empty((wl.n_samples, wl.n_features), dtype=np.float32)
    start = 0
    for index, size in enumerate(chunk_sizes(wl.n_samples, chunk_rows or wl.chunk_rows)):
        X[start:start + size] = make_chunk(index, size, wl.n_features)
        start += size
    return X


def dask_data(wl, chunk_rows):
    """The same rows as a dask array built chunk by chunk where it is computed (on the workers)."""
    import dask
    import dask.array as da

    # Chunk boundaries of the workload's chunks: a peer's smaller chunks slice them, so the rows are the same.
    parts = []
    for index, size in enumerate(chunk_sizes(wl.n_samples, wl.chunk_rows)):
        block = da.from_delayed(dask.delayed(make_chunk, pure=True)(index, size, wl.n_features), (size, wl.n_features),
                                dtype=np.float32)
        parts.append(block)
    return da.concatenate(parts).rechunk((chunk_rows, -1))


# ------------------------------------------------------------------ one contender, in its own process

def _fastsom(wl, X, **fit):
    """fit a fresh SOM on X; (seconds of fit, seconds of each epoch by the callback's clock, weights)."""
    from fastsom import SOM

    stamps = []
    som = SOM(wl.n_rows, wl.n_cols, algorithm="batch", n_epochs=wl.n_epochs, dtype="float32", random_state=0,
              n_jobs=fit.pop("n_jobs", None), callbacks=[lambda info: stamps.append(time.perf_counter())])
    start = time.perf_counter()
    som.fit(X, **fit)
    seconds = time.perf_counter() - start
    return seconds, np.diff([start] + stamps).tolist(), som.weights_


def warm_up_kernels():
    """In a worker: one tiny dask fit on the sync scheduler loads the kernels a task calls."""
    import dask.array as da

    from fastsom import SOM

    X = da.from_array(make_chunk(0, 2000, 4), chunks=(500, -1))
    SOM(3, 3, algorithm="batch", n_epochs=1, dtype="float32", random_state=0).fit(X, scheduler="sync")
    return True


def _cluster(n_workers):
    from distributed import LocalCluster

    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)


def cpu_seconds():
    """User + system CPU seconds of this process (in a worker: the worker's)."""
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def run(name, wl):
    """Train contender ``name`` on workload ``wl``; (fit seconds, epoch seconds or None, final weights, extra).

    ``extra`` (cluster runs): CPU seconds each worker and the client's
    process (the client, and LocalCluster's scheduler) spent during the
    fit: on 2 cores shared with other work, a worker's CPU seconds over the
    fit's wall time says how much of a core it got.
    """
    if name.startswith("memory"):
        from threadpoolctl import threadpool_limits

        X = make_data(wl)
        _fastsom(replace(wl, n_epochs=1), X[:5000])
        if name == "memory-1t":
            with threadpool_limits(1):
                return _with_cpu(None, _fastsom, wl, X, n_jobs=1)
        return _with_cpu(None, _fastsom, wl, X)
    if name.startswith("threads"):
        import dask.array as da
        from threadpoolctl import threadpool_limits

        X = da.from_array(make_data(wl), chunks=(wl.chunk_rows, -1))
        warm_up_kernels()
        if name == "threads-blas1":
            with threadpool_limits(1):
                return _with_cpu(None, _fastsom, wl, X, scheduler="threads")
        return _with_cpu(None, _fastsom, wl, X, scheduler="threads")
    from distributed import Client, wait

    with _cluster(WORKERS[name]) as cluster, Client(cluster) as client:
        if name in PEERS:
            return _with_cpu(client, _simpsom, wl, client)
        client.run(warm_up_kernels)
        warm_up_kernels()
        if name.endswith("from-client"):
            import dask.array as da

            X = da.from_array(make_data(wl), chunks=(wl.chunk_rows, -1))
        else:
            X = dask_data(wl, wl.chunk_rows).persist()
            wait(X)
        return _with_cpu(client, _fastsom, wl, X)


def _with_cpu(client, train, *args, **kwargs):
    """``train(*args, **kwargs)`` with the CPU seconds this process and the workers (if ``client``) spent meanwhile."""
    workers, own = (client.run(cpu_seconds) if client else {}), cpu_seconds()
    result = train(*args, **kwargs)
    extra = {"client_cpu_s": cpu_seconds() - own}
    if client:
        after = client.run(cpu_seconds)
        extra["worker_cpu_s"] = {address: after[address] - workers[address] for address in after}
    return (*result, extra)


def _simpsom(wl, client):
    """simpsom-dask as its README drives it, on the active Client; X persisted in its chunks."""
    import contextlib
    import io

    import dask.array as da
    from distributed import wait

    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Random weights init" and its progress
        from simpsom_dask.simpsom import Simpsom

    def make(n_rows, n_cols):  # Simpsom(x, y) numbers its nodes row * x + column: x is the number of columns
        return Simpsom(n_cols, n_rows, topology="rectangular", PBC=False, inner_dist_type="cartesian",
                       init="random", neighborhood_function="gaussian", decay_function="exponential")

    small = da.from_array(make_chunk(0, 4000, wl.n_features), chunks=(1000, -1))
    with contextlib.redirect_stdout(io.StringIO()):
        make(3, 3).train(small, 1)  # warm-up: the workers' imports
    X = dask_data(wl, wl.peer_chunk_rows).persist()
    wait(X)
    som = make(wl.n_rows, wl.n_cols)
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        som.train(X, wl.n_epochs)
        seconds = time.perf_counter() - start
    return seconds, None, np.asarray(som.get_weights()).reshape(wl.n_rows, wl.n_cols, wl.n_features)


def child(name, wl, weights_path):
    """``--run NAME``: train, save the weights, print one JSON line."""
    seconds, epochs, weights, extra = run(name, wl)
    np.save(weights_path, np.asarray(weights, dtype=np.float32))
    print("RESULT " + json.dumps({"fit_s": seconds, "epochs_s": epochs, **extra}))


# ------------------------------------------------------------------ the driver

def one_run(name, wl, smoke, weights_path, timeout, peer_python=sys.executable):
    """Run contender ``name`` in a fresh interpreter; its JSON result with the load average before it."""
    env = dict(os.environ)
    if name in PEERS:
        cmd = [peer_python, "-I"]  # nothing of fastsom's on the path: the peer as its users run it
    else:
        cmd = [sys.executable]
        env["PYTHONPATH"] = str(ROOT)
    cmd += [str(Path(__file__).resolve()), "--run", name, "--weights", str(weights_path),
            "--rows", str(wl.n_samples)] + (["--smoke"] if smoke else [])
    load = os.getloadavg()[0]
    done = subprocess.run(cmd, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{name} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    result["load_before"] = load
    return result


def quiet(max_load, patience):
    """Wait until the 1-minute load average is below ``max_load``, or ``patience`` seconds have passed."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        time.sleep(5)


def alternating(names, n_rounds):
    """Round r runs ``names`` forwards when r is even, backwards when odd, so drift favours neither end."""
    return [list(names) if r % 2 == 0 else list(reversed(names)) for r in range(n_rounds)]


def summary(runs, weights, wl):
    """Median fit, steady epoch and first epoch per contender, and the QE of its last codebook."""
    from fastsom.analysis.metrics import quantization_error

    X = make_data(wl)
    rows, qe = {}, {}  # QE by codebook: maps equal to the bit (every fastsom row) are scored once
    for name, results in runs.items():
        fits = [r["fit_s"] for r in results]
        if results[0]["epochs_s"] is None:
            epoch, first = statistics.median(fits) / wl.n_epochs, None
        else:
            epoch = statistics.median(statistics.median(r["epochs_s"][1:] or r["epochs_s"]) for r in results)
            first = statistics.median(r["epochs_s"][0] for r in results)
        codebook = np.ascontiguousarray(np.load(weights[name]).reshape(-1, wl.n_features))
        key = codebook.tobytes()
        if key not in qe:
            qe[key] = quantization_error(X, codebook)
        rows[name] = dict(fit_s=statistics.median(fits), epoch_s=epoch, first_s=first, rounds=len(results),
                          fits_s=fits, loads=[r["load_before"] for r in results], qe=qe[key],
                          cpu_s=[r.get("client_cpu_s", 0.0) + sum(r.get("worker_cpu_s", {}).values())
                                 for r in results])
    return rows


def table(rows, wl):
    """Markdown: per contender, fit, epoch, overhead against in-memory at equal cores, QE."""
    reference = {"memory-1t": "memory-1t", "cluster-1x1": "memory-1t"}
    lines = [f"{wl.describe()}; medians of {max(r['rounds'] for r in rows.values())} round(s)", "",
             "| contender | fit (s) | epoch (s) | first epoch (s) | epoch / in-memory, equal cores | CPU-s per fit "
             "| QE |",
             "|---|---|---|---|---|---|---|"]
    for name, row in rows.items():
        base = rows.get(reference.get(name, "memory-2t"))
        ratio = f"{row['epoch_s'] / base['epoch_s']:.2f}" if base and name != reference.get(name, "memory-2t") else ""
        first = "" if row["first_s"] is None else f"{row['first_s']:.2f}"
        cpu = ", ".join(f"{seconds:.1f}" for seconds in row["cpu_s"])
        lines.append(f"| {name} | {row['fit_s']:.2f} | {row['epoch_s']:.2f} | {first} | {ratio} | {cpu} | "
                     f"{row['qe']:.5f} |")
    return "\n".join(lines)


def targets(rows):
    """Issue 11's targets that these rows can check: (name, value, "<=" or ">=", bound, met)."""
    out = []

    def ratio(a, b):
        return rows[a]["epoch_s"] / rows[b]["epoch_s"] if a in rows and b in rows else None

    checks = [("threads / memory-2t epoch", ratio("threads", "memory-2t"), "<=", 1.15),
              ("cluster-1x1 / memory-1t epoch", ratio("cluster-1x1", "memory-1t"), "<=", 1.25),
              ("cluster-1x1 / cluster-2x1 epoch (speed-up)", ratio("cluster-1x1", "cluster-2x1"), ">=", 1.7)]
    if "simpsom-dask-2x1" in rows and "cluster-2x1" in rows:
        peer, ours = rows["simpsom-dask-2x1"], rows["cluster-2x1"]
        checks += [("simpsom-dask fit / cluster-2x1 fit", peer["fit_s"] / ours["fit_s"], ">=", 5.0),
                   ("|QE simpsom-dask - QE fastsom| / QE fastsom", abs(peer["qe"] - ours["qe"]) / ours["qe"], "<=",
                    0.01)]
    for label, value, op, bound in checks:
        if value is not None:
            out.append((label, value, op, bound, value <= bound if op == "<=" else value >= bound))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that it runs (< 1 minute)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--rows", type=int, help="n_samples instead of the workload's (a quicker look)")
    parser.add_argument("--json", help="write every run's figures here")
    parser.add_argument("--peer-python", default=os.environ.get("FASTSOM_BENCH_PEER_PYTHON", sys.executable),
                        help="the interpreter that runs simpsom-dask (see the module docstring)")
    parser.add_argument("--max-load", type=float, default=0.7,
                        help="before each run, wait for the 1-minute load average to fall below this ...")
    parser.add_argument("--patience", type=float, default=300, help="... for at most this many seconds")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    wl = SMOKE if args.smoke else FULL
    if args.rows:
        wl = replace(wl, n_samples=args.rows)
    if args.run:
        return child(args.run, wl, args.weights)
    names = args.only.split(",") if args.only else list(CONTENDERS)
    unknown = sorted(set(names) - set(CONTENDERS))
    if unknown:
        parser.error(f"--only: unknown contender(s) {unknown}; choose from {', '.join(CONTENDERS)}")
    runs = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as folder:
        weights = {name: Path(folder) / f"{name}.npy" for name in names}
        for order in alternating(names, 1 if args.smoke else args.rounds):
            for name in order:
                if not args.smoke:
                    quiet(args.max_load, args.patience)
                try:
                    runs[name].append(one_run(name, wl, args.smoke, weights[name],
                                              timeout=120 if args.smoke else 1800, peer_python=args.peer_python))
                except RuntimeError as error:
                    if name not in PEERS:
                        raise
                    # A peer that is not installed (with its extras) in --peer-python: say so, go on.
                    print(f"{name} skipped: {str(error).strip().splitlines()[-1]}", file=sys.stderr, flush=True)
                    continue
                print(f"{name}: {runs[name][-1]}", file=sys.stderr, flush=True)
        runs = {name: results for name, results in runs.items() if results}
        rows = summary(runs, weights, wl)
    print(table(rows, wl))
    for label, value, op, bound, met in targets(rows):
        print(f"- {label}: {value:.3g} (target {op} {bound}) {'met' if met else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"workload": asdict(wl), "rows": rows,
                                               "machine_load_after": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
