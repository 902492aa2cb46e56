"""When fastsom's kernels run on numba's threads, and when on the calling thread alone.

Every kernel written with ``prange`` is compiled twice (``parallel_jit`` in
:mod:`fastsom._jit`): a parallel entry point and a serial twin of the same
source, where ``prange`` is a plain ``range``. Both give the same bits: each
parallel loop writes private buffers merged in a fixed order, so the number
of threads never enters a result (``tests/test_threads.py``). This module
decides, at each call, which of the two runs and on how many threads.

The policy
----------
* **n_jobs.** An estimator's ``n_jobs`` caps the threads of every kernel it
  runs, in training and in queries, for the calling thread only
  (:func:`limit`). ``n_jobs=1`` runs the serial twins and never starts
  numba's threading layer. ``n_jobs=None`` leaves the count to numba
  (``NUMBA_NUM_THREADS``, all cores unless set, or ``numba.set_num_threads``
  in the calling thread), as BLAS does and as scikit-learn's OpenMP-based
  estimators do; online training stays on one thread unless asked (its
  threads pay only on large maps, see :mod:`fastsom.training.online`).
* **fork.** numba's ``omp`` layer (GNU OpenMP) kills a forked child that
  enters a parallel region once the parent has started the layer, even by
  compiling a parallel kernel, and even with ``numba.set_num_threads(1)``
  in the child; ``workqueue`` is not fork-safe either. Measured here (numba
  0.68.1, GNU OpenMP): ``som.predict`` in the parent, then a
  ``multiprocessing`` fork pool calling ``som.predict``: every child prints
  "Terminating: fork() called from a process already using GNU OpenMP"
  and the pool waits forever (issue 10, item 3). A serial numba function is
  safe in that child. So a child forked after the layer started runs every
  fastsom kernel serially (:func:`_after_fork`); a child forked before it
  started, or under ``tbb`` (fork-safe), keeps its threads.
* **Threads.** ``omp`` and ``tbb`` run parallel regions from several
  threads at once. ``workqueue``, numba's fallback when neither is
  installed, aborts the process ("Concurrent access", issue 10, item 4). A
  parallel region under ``workqueue`` (or before the layer is known) holds
  :data:`_ONE_REGION`; a thread that finds it held runs the serial twin
  instead of waiting, so two threads never block each other and never
  enter the layer together.
* **joblib / loky and Dask.** loky's workers are fresh processes, and
  joblib sets ``NUMBA_NUM_THREADS`` in them to share the cores; Dask's
  threaded workers are the threads case above (fastsom's Dask tasks call
  serial kernels, one per task).
* **BLAS in Dask tasks.** A task's GEMM runs on one BLAS thread: Dask's
  threads already fill the cores, and OpenBLAS's own threads spinning
  against them made an epoch of 10^7 rows on the threaded scheduler 6x
  slower (115 s against 19.3 s, ``bench/dask_epochs.py``). Dask's nanny
  sets ``OPENBLAS_NUM_THREADS=1`` in worker processes; the threaded and
  synchronous schedulers run tasks in the client process, where each pass
  holds :func:`one_blas_thread` while it computes.

Which layer numba chose is only known once it has started
(``numba.threading_layer()`` raises before). Nothing here starts it:
:func:`available_threads` reads numba's configured count until then
(``numba.get_num_threads`` would start the layer).
"""

import contextlib
import functools
import os
import threading

import numba

#: Held by the one parallel region allowed at a time where numba's layer is not thread-safe.
_ONE_REGION = threading.Lock()

#: Layers that allow parallel regions from several threads at once.
_THREAD_SAFE_LAYERS = ("omp", "tbb")

#: Layers that a forked child can use after its parent started them.
_FORK_SAFE_LAYERS = ("tbb",)

_local = threading.local()
_serial_after_fork = False


def layer():
    """numba's threading layer, or None while it has not started in this process."""
    try:
        return numba.threading_layer()
    except ValueError:
        return None


def _after_fork():
    """In a forked child: serial kernels only if the parent had started a layer that is not fork-safe."""
    global _serial_after_fork
    started = layer()
    if started is not None and started not in _FORK_SAFE_LAYERS:
        _serial_after_fork = True


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_after_fork)


def available_threads():
    """Threads a parallel kernel may use on the calling thread: 1 in an unsafe forked child, else numba's count.

    Reads ``numba.config.NUMBA_NUM_THREADS`` until numba's layer has started,
    so that asking does not start it; once started, the calling thread's
    count (``numba.set_num_threads``).
    """
    if _serial_after_fork:
        return 1
    if layer() is None:
        return numba.config.NUMBA_NUM_THREADS
    return numba.get_num_threads()


def allowed_threads(n_jobs=-1):
    """Threads for a kernel asked to use ``n_jobs`` (-1: all), within :func:`limit` and :func:`available_threads`."""
    n = available_threads()
    cap = getattr(_local, "cap", None)
    if cap is not None:
        n = min(n, cap)
    return n if n_jobs == -1 else min(n, n_jobs)


@contextlib.contextmanager
def limit(n_jobs):
    """Cap the threads of fastsom's kernels on the calling thread to ``n_jobs`` inside the block.

    ``None`` and ``-1`` leave the count as it is; a cap inside a cap keeps the
    smaller. Values the estimator would refuse are ignored here: its own
    validation names them.
    """
    before = getattr(_local, "cap", None)
    if isinstance(n_jobs, int) and not isinstance(n_jobs, bool) and n_jobs >= 1:
        _local.cap = n_jobs if before is None else min(before, n_jobs)
    try:
        yield
    finally:
        _local.cap = before


def within_n_jobs(method):
    """Decorate an estimator's method to run its kernels within :func:`limit` of the estimator's ``n_jobs``.

    The current ``n_jobs``, read at each call: it is a resource, not part of
    the fitted map, so ``set_params(n_jobs=1)`` takes effect at once.
    """
    @functools.wraps(method)
    def capped(self, *args, **kwargs):
        with limit(getattr(self, "n_jobs", None)):
            return method(self, *args, **kwargs)
    return capped


@contextlib.contextmanager
def _numba_threads(n):
    """numba's thread count for the calling thread set to ``n`` inside the block, if it differs."""
    before = numba.get_num_threads()
    if n == before:
        yield
        return
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(before)


class ThreadedKernel:
    """A parallel kernel and its serial twin; each call runs the one the policy allows.

    Created by :data:`fastsom._jit.parallel_jit`; call it as the kernel.
    ``parallel`` and ``serial`` are the two numba dispatchers.
    """

    def __init__(self, parallel, serial):
        self.parallel = parallel
        self.serial = serial
        self.__doc__ = parallel.__doc__
        self.__name__ = parallel.__name__
        self.__wrapped__ = parallel.py_func

    def __repr__(self):
        return f"<fastsom threaded kernel {self.__name__}>"

    def __call__(self, *args):
        n = allowed_threads()
        if n <= 1:
            return self.serial(*args)
        if layer() in _THREAD_SAFE_LAYERS:
            with _numba_threads(n):
                return self.parallel(*args)
        # workqueue, or not started yet (numba may choose workqueue).
        if not _ONE_REGION.acquire(blocking=False):
            return self.serial(*args)
        try:
            with _numba_threads(n):
                return self.parallel(*args)
        finally:
            _ONE_REGION.release()



def one_blas_thread():
    """A context in which BLAS runs on one thread, for the whole process (needs threadpoolctl; else no limit).

    Use it around ``dask.compute`` in the calling thread, not inside tasks:
    OpenBLAS's thread count (pthreads build, as NumPy's wheels) is one
    setting for the process, and threadpoolctl lets only the first thread
    that sets it change it again until its ``with`` block ends, so tasks
    on Dask's threads setting and restoring it would silently do nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the dask extra installs it; a plain dask install may not have it
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")
