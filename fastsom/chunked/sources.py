"""Data files too large for memory, opened as dask arrays of whole rows (for ``fastsom train --dask``).

* a **zarr** store (a folder holding ``.zarray`` or ``zarr.json``): ``dask.array.from_zarr``, its own chunks;
* a **.npy** file: row chunks of about :data:`CHUNK_BYTES`, each read from a
  memory map of the file by the task that needs it (:class:`NpyRows`);
* **Parquet**: one file, a folder of them, or a glob (``data/*.parquet``):
  ``dask.dataframe.read_parquet``, its numeric columns (or those named),
  their names kept.

A file is untrusted: NumPy reads the ``.npy`` header itself (no pickle:
object arrays are refused), and every source must hold a 2-D numeric
table, or a ValueError names the file and what it holds instead.
"""

import glob
import os

import numpy as np

#: Bytes per row chunk of a memory-mapped .npy: Dask's advice is 100 MB or more.
CHUNK_BYTES = 128 * 2**20


def _is_zarr(path):
    return os.path.isdir(path) and any(os.path.exists(os.path.join(path, name))
                                       for name in (".zarray", "zarr.json"))


def _is_parquet(path):
    if any(char in path for char in "*?["):
        return bool(glob.glob(path))
    if os.path.isdir(path):
        return any(name.endswith(".parquet") for name in os.listdir(path))
    return path.endswith((".parquet", ".pq"))


def is_large_source(path):
    """Whether ``path`` is something :func:`open_rows` opens (a zarr store, a .npy, Parquet)."""
    path = os.fspath(path)
    return _is_zarr(path) or path.endswith(".npy") or _is_parquet(path)


def open_rows(path, columns=None):
    """``path`` as a dask array of rows and its column names (or None).

    ``columns``: Parquet only, the names of the feature columns (default:
    every numeric column).
    """
    import dask.array as da

    path = os.fspath(path)
    if _is_zarr(path):
        return _checked(path, da.from_zarr(path)), None
    if path.endswith(".npy"):
        try:
            table = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as error:
            raise ValueError(f"{path}: not a readable .npy file ({error})") from None
        _checked(path, table)
        rows = max(1, CHUNK_BYTES // max(1, table.shape[1] * table.dtype.itemsize))
        return da.from_array(NpyRows(path, table.shape, table.dtype), chunks=(rows, -1)), None
    if _is_parquet(path):
        import dask.dataframe as dd

        from .rows import rows_of

        frame = dd.read_parquet(path)
        if columns is None:
            # pandas' own dtypes (strings, categories) are no NumPy kind: not numeric.
            columns = [name for name, kind in frame.dtypes.items() if getattr(kind, "kind", "") in "biuf"
                       and isinstance(kind, np.dtype)]
        missing = [name for name in columns if name not in frame.columns]
        if missing or not columns:
            raise ValueError(f"{path}: no column {missing}" if missing else f"{path}: no numeric column")
        return _checked(path, rows_of(frame[list(columns)])), [str(name) for name in columns]
    raise ValueError(f"{path}: not a zarr store, a .npy file or Parquet")


class NpyRows:
    """A .npy file's rows, read when a task asks for them, in the task's process.

    Not ``np.load(mmap_mode="r")`` itself: a memory map pickles as its whole
    contents, so a graph built on one would carry the file to the scheduler
    and to every worker. This pickles as the file's name, shape and dtype;
    each task maps the file itself (so workers must see the same path).
    """

    ndim = 2

    def __init__(self, path, shape, dtype):
        self.path, self.shape, self.dtype = path, tuple(shape), np.dtype(dtype)

    def __dask_tokenize__(self):
        return ("fastsom.NpyRows", self.path, self.shape, self.dtype.str)

    def __getitem__(self, key):
        try:
            table = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as error:
            raise ValueError(f"{self.path}: not a readable .npy file ({error})") from None
        if table.shape != self.shape or table.dtype != self.dtype:
            raise ValueError(f"{self.path} changed while in use: it held {self.dtype} values of shape {self.shape}, "
                             f"now {table.dtype} of shape {table.shape}")
        return np.array(table[key])


def _checked(path, table):
    if table.ndim != 2 or table.dtype.kind not in "biuf":
        raise ValueError(f"{path} holds {table.dtype} values of shape {table.shape}; training needs a 2-D table "
                         "of numbers (n_samples, n_features)")
    return table
