"""A dask array of whole rows, validated, and the passes fastsom makes over it.

Every function run inside a task is defined at module level (workers import
it by name) and calls serial kernels only: ``_threads.limit(1)`` routes the
parallel ones to their serial twins, so a task never enters numba's
threading layer and two tasks in the threads of one worker never meet there
(numba's ``workqueue`` layer aborts the process on that; see
:mod:`fastsom._threads`), and their GEMMs run on one BLAS thread
(:meth:`ChunkedRows.compute`). Dask supplies the parallelism.
"""

import dask
import dask.array as da
import numpy as np

from .. import _threads
from .._validation import feature_names, largest_safe_value
from ..training.batch import ChunkPass, default_chunk_size
from . import SPLIT_EVERY


def _tree(parts, combine):
    """Reduce delayed ``parts`` with ``combine`` in groups of SPLIT_EVERY, in order: the same sums on any scheduler."""
    combine = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        parts = [combine(*parts[i:i + SPLIT_EVERY]) for i in range(0, len(parts), SPLIT_EVERY)]
    return parts[0]


# ---------------------------------------------------------------- in tasks

def _as_rows(block, dtype):
    """A chunk as the kernels take it: C-contiguous, the map's dtype (overflow is caught by the check pass)."""
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(block, dtype=dtype)


def non_finite(value):
    """How X's checks name a non-finite value: "NaN" or "infinity (inf)"."""
    return "NaN" if np.isnan(value) else f"infinity ({value})"


def finite_rule(value):
    """The rule a non-finite value breaks; for NaN, also that dask data take no missing values (issue 13)."""
    if np.isnan(value):
        return ("it must be finite: missing values (NaN) are not supported on dask collections, even with "
                "missing='ignore'; compute X in memory (X.compute())")
    return "it must be finite"


def _check_block(block, dtype, index, offset):
    """(largest |value|, (chunk index, row, column, value) of the first non-finite value or None)."""
    rows = _as_rows(block, dtype)
    if rows.size == 0:
        return 0.0, None
    with np.errstate(invalid="ignore"):
        low, high = float(rows.min()), float(rows.max())
    if np.isfinite(low) and np.isfinite(high):
        return max(high, -low), None
    row, column = np.argwhere(~np.isfinite(rows))[0]
    return np.inf, (index, offset + int(row), int(column), float(rows[row, column]))


def _combine_checks(*parts):
    bad = next((part[1] for part in parts if part[1] is not None), None)  # the first, in chunk order
    return max(part[0] for part in parts), bad


def _moments_block(block, dtype, shift):
    """(count, sum of x - shift, sum of (x - shift)(x - shift)^T), float64."""
    centred = _as_rows(block, dtype).astype(np.float64) - shift
    return centred.shape[0], centred.sum(axis=0), centred.T @ centred


def _combine_moments(*parts):
    count, first, second = parts[0][0], parts[0][1].copy(), parts[0][2].copy()
    for part in parts[1:]:
        count += part[0]
        first += part[1]
        second += part[2]
    return count, first, second


def _sums_block(block, dtype, start, coords, geometry, max_d2):
    """One chunk's per-unit sums and counts, (n_units, n_features + 1), and error totals (2,), float64."""
    rows = _as_rows(block, dtype)
    n_units, n_features = start.codebook.shape
    stats = np.zeros((n_units, n_features + 1))
    totals = np.zeros(2)
    if rows.shape[0]:
        chunk_pass = ChunkPass(n_units, n_features, rows.dtype, start.metric, coords, geometry, max_d2,
                               min(default_chunk_size(n_units), rows.shape[0]))
        with _threads.limit(1):
            chunk_pass.add(rows, start, stats, totals)
    return stats, totals


def _combine_sums(*parts):
    stats, totals = parts[0][0].copy(), parts[0][1].copy()
    for part in parts[1:]:
        stats += part[0]
        totals += part[1]
    return stats, totals


# ---------------------------------------------------------------- on the client

class ChunkedRows:
    """A dask array of whole rows, as fastsom trains on it.

    Build it with :func:`as_chunked_rows`. ``shape`` and ``dtype`` (the
    map's) are those of the data as training sees them; nothing is
    computed until a pass runs, on ``scheduler`` (None: dask's active one).
    """

    def __init__(self, array, dtype, scheduler, names):
        self.array = array
        self.shape = array.shape
        self.size = array.size
        self.dtype = np.dtype(dtype)
        self.scheduler = scheduler
        self.names = names
        self._blocks = array.to_delayed().ravel().tolist()
        self._offsets = np.concatenate([[0], np.cumsum(array.chunks[0])]).astype(np.int64)

    def compute(self, value):
        """``value`` (delayed) computed on this data's scheduler, BLAS on one thread in this process meanwhile.

        Tasks on the threaded or synchronous scheduler run in this process:
        their GEMMs would otherwise start BLAS's threads on cores Dask's
        threads already use (see :mod:`fastsom._threads`).
        """
        with _threads.one_blas_thread():
            return dask.compute(value, scheduler=self.scheduler)[0]

    def check(self, name="X"):
        """The first pass: refuse NaN, infinity or values whose squared distances overflow, naming chunk and row."""
        parts = [dask.delayed(_check_block, pure=True)(block, self.dtype, index, int(self._offsets[index]))
                 for index, block in enumerate(self._blocks)]
        largest, bad = self.compute(_tree(parts, _combine_checks))
        if bad is not None:
            index, row, column, value = bad
            raise ValueError(f"{name} contains {non_finite(value)} in chunk {index} (rows {self._offsets[index]}-"
                             f"{self._offsets[index + 1] - 1}) at row {row}, column {column}; {finite_rule(value)}")
        limit = largest_safe_value(self.dtype, self.shape[1])
        if largest > limit:
            raise ValueError(f"{name} has values up to {largest:.3g}; above {limit:.3g} squared distances overflow "
                             f"{self.dtype} with {self.shape[1]} features. Scale the data (e.g. to [0, 1])")

    def __getitem__(self, rows):
        """The rows ``rows`` (integer indices) as a NumPy array of the map's dtype; only their chunks are read."""
        rows = np.asarray(rows, dtype=np.int64)
        wanted, back = np.unique(rows, return_inverse=True)
        return _as_rows(self.compute(self.array[wanted]), self.dtype)[back]

    def principal_axes(self):
        """(variances, vectors, mean) of the data's two leading principal components, from per-chunk moments.

        Sums of ``x - c`` and ``(x - c)(x - c)^T`` in float64, ``c`` the
        first row (as the in-memory PCA shifts by it, so data far from the
        origin do not cancel), n_features^2 float64s per task.
        """
        shift = self[[0]][0].astype(np.float64)
        parts = [dask.delayed(_moments_block, pure=True)(block, self.dtype, shift) for block in self._blocks]
        count, first, second = self.compute(_tree(parts, _combine_moments))
        mean_offset = first / count
        covariance = (second - count * np.outer(mean_offset, mean_offset)) / max(count - 1, 1)
        variances, vectors = np.linalg.eigh((covariance + covariance.T) / 2)  # ascending
        return np.clip(variances[::-1][:2], 0.0, None), vectors[:, ::-1][:, :2], shift + mean_offset

    def epoch_sums(self, coords, geometry, max_d2):
        """``epoch_sums(start, stats, totals)`` for :func:`fastsom.training.batch.run_epochs`: one task per chunk."""
        def epoch_sums(start, stats, totals):
            start_key = dask.delayed(start, traverse=False)  # the codebook: one key, not one copy per task
            parts = [dask.delayed(_sums_block, pure=True)(block, self.dtype, start_key, coords, geometry, max_d2)
                     for block in self._blocks]
            chunk_stats, chunk_totals = self.compute(_tree(parts, _combine_sums))
            stats += chunk_stats
            totals += chunk_totals
        return epoch_sums


def rows_of(frame):
    """A dask DataFrame as a dask array with known row chunks.

    Not ``to_dask_array(lengths=True)``: dask 2026.8 measures the lengths on
    an optimised graph whose partitions can differ from the array's (Parquet
    with a subset of its columns: "2 != 3"); measuring the array's own
    chunks (``compute_chunk_sizes``) cannot disagree with them.
    """
    array = frame.to_dask_array()
    array.compute_chunk_sizes()
    return array


def as_chunked_rows(X, dtype, scheduler=None, name="X"):
    """``X`` (dask array or DataFrame) as :class:`ChunkedRows`; refuses what training cannot take, before any pass.

    A DataFrame's numeric columns become an array with known chunk lengths
    (:func:`rows_of`: one cheap pass over the partitions) and
    its string column names the feature names. Chunks split along the
    features are joined into whole rows (``rechunk``): each task needs whole
    samples.
    """
    names = feature_names(X)
    if hasattr(X, "to_dask_array"):  # a dask DataFrame
        kinds = {np.dtype(kind).kind for kind in X.dtypes}
        if not kinds <= set("biuf"):
            raise TypeError(f"{name} must have numeric columns only (int, float or bool); got dtypes "
                            f"{sorted(str(kind) for kind in set(X.dtypes))}")
        X = rows_of(X)
    if not isinstance(X, da.Array):
        raise TypeError(f"{name} must be a dask array or DataFrame; got {type(X).__name__}")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric (int, float or bool); got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); got shape {X.shape}")
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(f"{name} has chunks of unknown length (NaN in {name}.chunks); compute them first, "
                         f"e.g. {name}.compute_chunk_sizes()")
    if X.shape[0] == 0:
        raise ValueError(f"{name} has 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return ChunkedRows(X, dtype, scheduler, names)
