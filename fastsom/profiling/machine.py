"""What the machine lends a run: cores, load, numba's threads, the BLAS library and its threads, the kernel cache.

Every function here reads state and changes nothing. Where a figure cannot
be read on this system it is None, and the report says "unknown".
"""

import ctypes
import os
import sys

import numba
import numpy as np

from .. import _jit, _threads

#: Symbols that return OpenBLAS's thread count, by build (plain, 64-bit
#: integer interface, NumPy's and SciPy's renamed wheels).
_OPENBLAS_THREADS = ("openblas_get_num_threads", "openblas_get_num_threads64_",
                     "scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads")


def load_average():
    """The 1-minute load average, or None where the system has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def numba_threads():
    """numba's threading: ``{"layer": name or None, "threads": int}`` (see :mod:`fastsom._threads`).

    The layer is known once a parallel region has run in this process
    (numba chooses it then); before that it is None. Reading them starts
    nothing.
    """
    return {"layer": _threads.layer(), "threads": _threads.available_threads()}


def _blas_from_threadpoolctl():
    try:
        import threadpoolctl  # optional: installed with scikit-learn
    except ImportError:
        return None
    pools = [pool for pool in threadpoolctl.threadpool_info() if pool.get("user_api") == "blas"]
    # NumPy's own BLAS first (wheels keep it in numpy.libs/): SciPy or torch
    # may load another one into the process.
    pools.sort(key=lambda pool: "numpy" not in str(pool.get("filepath", "")))
    if not pools:
        return None
    pool = pools[0]
    return {"library": f"{pool.get('internal_api')} {pool.get('version') or ''}".strip(),
            "threads": pool.get("num_threads"), "source": "threadpoolctl"}


def _openblas_threads_from_loaded_library():
    """OpenBLAS's thread count read from the library this process loaded (Linux), or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in _OPENBLAS_THREADS:
            function = getattr(library, symbol, None)
            if function is not None:
                function.restype = ctypes.c_int
                return int(function())
    return None


def blas():
    """NumPy's BLAS: ``{"library": str, "threads": int or None, "source": str}``.

    From threadpoolctl when it is installed; otherwise the library's name
    from NumPy's build configuration and, for OpenBLAS on Linux, its thread
    count from the loaded library.
    """
    found = _blas_from_threadpoolctl()
    if found is not None:
        return found
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        library = f"{info.get('name')} {info.get('version') or ''}".strip()
    except (TypeError, KeyError):  # NumPy < 2 prints only
        library = "unknown"
    threads = _openblas_threads_from_loaded_library() if "openblas" in library.lower() else None
    return {"library": library, "threads": threads, "source": "numpy build configuration"}


def kernel_cache():
    """Where fastsom's compiled kernels are cached: ``{"folder": str or None}`` (None: caching is off)."""
    return {"folder": None if _jit.CACHE_DIR is None else str(_jit.CACHE_DIR)}


def describe():
    """Everything above in one dict, plus the CPU count, Python, NumPy and numba versions."""
    return {"cpus": os.cpu_count(), "load_average": load_average(), "python": sys.version.split()[0],
            "numpy": np.__version__, "numba": numba.__version__, "numba_threading": numba_threads(),
            "blas": blas(), "kernel_cache": kernel_cache()}


def _dispatchers():
    """Every compiled kernel fastsom has imported so far (numba dispatchers in ``fastsom.kernels``)."""
    from numba.core.dispatcher import Dispatcher

    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("fastsom.kernels."):
            continue
        for value in vars(module).values():
            if isinstance(value, Dispatcher):
                found[id(value)] = value
    return list(found.values())


def compile_counts():
    """``{"signatures": compiled or loaded in this process, "cache_hits": loaded from disk}`` over fastsom's kernels.

    Take it before and after a call: the difference in signatures is what the
    call compiled or loaded, the difference in hits what came from the cache.
    """
    signatures = hits = 0
    for dispatcher in _dispatchers():
        signatures += len(dispatcher.signatures)
        hits += sum(dispatcher.stats.cache_hits.values())
    return {"signatures": signatures, "cache_hits": hits}
