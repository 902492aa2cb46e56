"""Dask clusters for the command line: one fastsom starts on this machine, or one it joins.

A cluster fastsom starts sets ``NUMBA_NUM_THREADS=1`` in its workers'
environment: Dask's nanny sets the BLAS and OpenMP counts to 1 there but
not numba's, and although fastsom's tasks call serial kernels, other numba
code in the same workers would otherwise start one thread per core in each
(measured here: ``numba.config.NUMBA_NUM_THREADS`` was 2 in each worker of
a 2 x 1 LocalCluster on 2 cores; 1 with this setting, tests/test_chunked.py).

Its scheduler's ``worker-saturation`` is 1.0 (dask's default: 1.1): a
worker is given a new chunk to load only when a thread is free for it.
Training 4 GB of zarr on 2 workers of 1 GB, the workers' peak memory was
513 MB at the default and 386 MB at 1.0 (64 MB chunks; 327 MB with 32 MB
chunks; ``bench/out_of_core.py``).
"""

import contextlib

#: Seconds to wait for a scheduler that does not answer.
CONNECT_TIMEOUT = 10


@contextlib.contextmanager
def local_cluster(n_workers, memory_limit="auto"):
    """A ``distributed.Client`` of ``n_workers`` single-threaded worker processes on this machine, inside the block."""
    import dask
    from distributed import Client, LocalCluster

    # The nannies' ``env``, set in each worker process: dask's
    # ``distributed.nanny.pre-spawn-environ`` would also set it in this
    # process's os.environ and leave it there (measured, distributed
    # 2026.8), and numba, re-reading its configuration at the next compile,
    # then refuses to run ("Cannot set NUMBA_NUM_THREADS to a different value
    # once the threads have been launched").
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):  # read when the scheduler starts
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                               dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1"})
    with cluster, Client(cluster) as client:
        yield client


@contextlib.contextmanager
def joined_cluster(address, timeout=None):
    """A ``distributed.Client`` of the scheduler at ``address``, inside the block; a clear error if none answers.

    ``timeout``: seconds, default :data:`CONNECT_TIMEOUT`.
    """
    from distributed import Client

    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise ValueError(f"no Dask scheduler answered at {address} within {timeout} s ({error})") from None
    with client:
        yield client
