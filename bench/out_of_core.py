"""Out of core on one machine: a map trained on ~4 GB of float32 by 2 workers allowed 1 GB each (issue 11, item 8).

Run explicitly (a plain script; the data are written once and kept)::

    python -m bench.out_of_core                       # ~5 minutes on 2 cores, 4 GB of disk in /tmp
    python -m bench.out_of_core --smoke                                # < 1 minute, 64 MB; checks it runs

What it does:

1. writes the data, if the store is not there yet: 62,500,000 x 16
   float32 (4.0 GB; 10 noisy prototypes in [0, 1], :func:`bench.dask_epochs.make_chunk`,
   chunk by chunk) to an uncompressed zarr store in chunks of 1,000,000
   rows (64 MB), never more than one chunk in memory;
2. starts ``LocalCluster(n_workers=2, threads_per_worker=1,
   memory_limit="1GB")``, opens the store with ``dask.array.from_zarr``
   (nothing persisted: the data do not fit the workers) and runs
   ``SOM(30, 30, algorithm="batch", n_epochs=3, dtype="float32",
   random_state=0).fit(X)`` with the cluster's Client active;
3. meanwhile polls every worker's resident set (psutil, from the client,
   every 50 ms) and, at the end, asks each worker for its own high-water
   mark (``VmHWM`` in ``/proc/self/status``: the true peak since the
   worker started, between polls too), and before the fit for its resident
   set at rest (interpreter, dask, numba, fastsom's kernels loaded by a
   warm-up fit);
4. prints the time per epoch (the first one includes the checking pass,
   which reads the data once more) and, per worker, the peak against the
   target: the largest chunk + 300 MB.

The store sits in the operating system's page cache after it is written
(this machine has 24 GB), so the epochs read it at memory speed: the
figures are the workers' costs, not a disk's. The workers' memory limit
is what is tested: dask pauses a worker at 80% of it and restarts one at
95%.
"""

import argparse
import json
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np

from bench.dask_epochs import chunk_sizes, make_chunk, warm_up_kernels

N_FEATURES = 16
FULL = dict(n_samples=62_500_000, chunk_rows=1_000_000, n_rows=30, n_cols=30, n_epochs=3)
SMOKE = dict(n_samples=1_000_000, chunk_rows=100_000, n_rows=10, n_cols=10, n_epochs=2)
#: The target of issue 11, item 8: each worker's peak at most its largest chunk plus this.
ALLOWANCE_MB = 300


def write_store(path, n_samples, chunk_rows):
    """An uncompressed float32 zarr array of the bench's rows, written chunk by chunk."""
    import zarr

    store = zarr.create_array(str(path), shape=(n_samples, N_FEATURES), chunks=(chunk_rows, N_FEATURES),
                              dtype="float32", compressors=None, overwrite=True)
    start = 0
    for index, size in enumerate(chunk_sizes(n_samples, chunk_rows)):
        store[start:start + size] = make_chunk(index, size, N_FEATURES)
        start += size
    return store


def _hwm_mb():
    """In a worker: its peak resident set since it started (VmHWM), MB."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) * 1024 / 1e6


def _rss_mb():
    import psutil

    return psutil.Process().memory_info().rss / 1e6


class Poll(threading.Thread):
    """Peak RSS of some processes, read every ``interval`` seconds until stopped."""

    def __init__(self, pids, interval=0.05):
        import psutil

        super().__init__(daemon=True)
        self.processes = {pid: psutil.Process(pid) for pid in pids}
        self.peaks = dict.fromkeys(pids, 0.0)
        self.interval = interval
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for pid, process in self.processes.items():
                try:
                    self.peaks[pid] = max(self.peaks[pid], process.memory_info().rss / 1e6)
                except Exception:  # noqa: BLE001 - a worker that died or restarted: the report says so
                    pass
            self.done.wait(self.interval)


def run(store_path, sizes, saturation=None):
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    from fastsom import SOM

    X = da.from_zarr(str(store_path))
    largest_mb = max(X.chunks[0]) * N_FEATURES * 4 / 1e6
    config = {} if saturation is None else {"distributed.scheduler.worker-saturation": saturation}
    with dask.config.set(config), LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="1GB", processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(warm_up_kernels)
        warm_up_kernels()
        pids = client.run(os.getpid)
        at_rest = client.run(_rss_mb)
        poll = Poll(pids.values())
        poll.start()
        stamps = []
        som = SOM(sizes["n_rows"], sizes["n_cols"], algorithm="batch", n_epochs=sizes["n_epochs"], dtype="float32",
                  random_state=0, callbacks=[lambda info: stamps.append(time.perf_counter())])
        start = time.perf_counter()
        som.fit(X)
        fit_s = time.perf_counter() - start
        poll.done.set()
        poll.join()
        hwm = client.run(_hwm_mb)
        same_workers = client.run(os.getpid) == pids  # a worker restarted by its nanny would have a new pid
        saturation = dask.config.get("distributed.scheduler.worker-saturation")
    epochs = np.diff([start] + stamps).tolist()
    return dict(
        data_gb=X.nbytes / 1e9, shape=list(X.shape), chunks=len(X.chunks[0]), largest_chunk_mb=largest_mb,
        target_mb=largest_mb + ALLOWANCE_MB, fit_s=fit_s, epochs_s=epochs, load_before=os.getloadavg()[0],
        workers={address: dict(rss_at_rest_mb=at_rest[address], polled_peak_mb=poll.peaks[pid],
                               hwm_mb=hwm[address]) for address, pid in pids.items()},
        same_workers=same_workers, worker_saturation=saturation,
        history=[h["quantization_error"] for h in som.history_],
    )


def report(result):
    lines = [f"{result['shape'][0]:,} x {result['shape'][1]} float32 ({result['data_gb']:.2f} GB) in "
             f"{result['chunks']} chunks of <= {result['largest_chunk_mb']:.0f} MB; 2 workers x 1 thread, "
             f"memory_limit=1GB, worker-saturation {result['worker_saturation']}; load before "
             f"{result['load_before']:.2f}",
             f"fit {result['fit_s']:.1f} s; epochs " + ", ".join(f"{s:.1f}" for s in result["epochs_s"])
             + " s (the first includes the checking pass)",
             f"workers kept throughout: {result['same_workers']}"]
    for address, worker in result["workers"].items():
        peak = max(worker["hwm_mb"], worker["polled_peak_mb"])
        lines.append(f"{address}: at rest {worker['rss_at_rest_mb']:.0f} MB, peak {peak:.0f} MB (VmHWM "
                     f"{worker['hwm_mb']:.0f}, polled {worker['polled_peak_mb']:.0f}); target <= "
                     f"{result['target_mb']:.0f} MB: {'met' if peak <= result['target_mb'] else 'MISSED'}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="the zarr store (written when missing); default: a folder in /tmp")
    parser.add_argument("--smoke", action="store_true", help="64 MB, a 10x10 map, 2 epochs: checks that it runs")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--epochs", type=int, help="epochs (default 3; smoke 2)")
    parser.add_argument("--chunk-rows", type=int, help="rows per chunk of a new store (default 1,000,000: 64 MB; "
                        "smoke 100,000)")
    parser.add_argument("--worker-saturation", type=float, help="dask's distributed.scheduler.worker-saturation "
                        "(default: dask's, 1.1: up to 2 chunks loaded per thread; 1.0: one)")
    args = parser.parse_args(argv)
    sizes = dict(SMOKE if args.smoke else FULL)
    if args.epochs:
        sizes["n_epochs"] = args.epochs
    if args.chunk_rows:
        sizes["chunk_rows"] = args.chunk_rows
    path = Path(args.store or f"/tmp/fastsom-bench-{sizes['n_samples']}x{N_FEATURES}-{sizes['chunk_rows']}.zarr")
    if not (path / "zarr.json").exists():
        shutil.rmtree(path, ignore_errors=True)
        start = time.perf_counter()
        write_store(path, sizes["n_samples"], sizes["chunk_rows"])
        print(f"wrote {path} in {time.perf_counter() - start:.0f} s")
    result = run(path, sizes, args.worker_saturation)
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
