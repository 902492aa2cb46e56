"""A fitted map's queries on dask data: lazy per-row answers, one-pass reductions.

``predict`` and ``transform`` return dask arrays (``map_blocks``, one task
per row chunk), so a transform of 10^8 rows stays chunked; the quality
measures, hit counts and label counts are reductions: each chunk returns
its sums, added in the fixed-order tree of :mod:`fastsom.chunked.rows`.
Measures that are means (quantization, topographic error, distortion) are
sums over chunks divided by the number of samples: equal to the in-memory
answer to rounding (each chunk's mean is summed back, not re-derived).
Every task checks its rows (NaN, infinity) as ``check_X`` does in memory,
naming the chunk's rows: these queries never make a pass of their own
before the answer.
"""

import dask
import dask.array as da
import numpy as np

from .. import _threads
from ..analysis import metrics, summaries
from .rows import _as_rows, _check_block, _tree, as_chunked_rows, finite_rule, non_finite


def _checked_rows(block, dtype, offset):
    """A chunk's rows for a query, refused as the training pass refuses them (``offset``: its first row in X)."""
    largest, bad = _check_block(block, dtype, 0, offset)
    if bad is not None:
        _, row, column, value = bad
        raise ValueError(f"X contains {non_finite(value)} at row {row}, column {column}; {finite_rule(value)}")
    return _as_rows(block, dtype)


def _offsets(array):
    return np.concatenate([[0], np.cumsum(array.chunks[0])]).astype(np.int64)


def _best_block(block, dtype, weights, metric, feature_weights, block_info=None):
    """(n, 2) float64: each row's BMU (exact below 2^53) and its distance in the metric."""
    offset = block_info[0]["array-location"][0][0] if block_info else 0
    with _threads.limit(1):
        bmu, rank = metrics.best_two_units(_checked_rows(block, dtype, offset), weights, metric, feature_weights)[:2]
    return np.stack([bmu.astype(np.float64), metrics.to_metric(metric, rank)], axis=1)


def _transform_block(block, dtype, weights, metric, feature_weights, out_dtype, block_info=None):
    offset = block_info[0]["array-location"][0][0] if block_info else 0
    with _threads.limit(1):
        return metrics.distances(_checked_rows(block, dtype, offset), weights, metric, out_dtype, feature_weights)


def _sum_parts(*parts):
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total


def _measure_block(block, dtype, offset, measure, args, feature_weights):
    """[sum over the chunk's rows of the measure, number of rows], float64."""
    rows = _checked_rows(block, dtype, offset)
    if rows.shape[0] == 0:
        return np.zeros(2)
    with _threads.limit(1):
        return np.array([measure(rows, *args, feature_weights=feature_weights) * rows.shape[0], rows.shape[0]])


def _hits_block(block, dtype, offset, weights, metric, feature_weights, n_units):
    with _threads.limit(1):
        bmu = metrics.best_two_units(_checked_rows(block, dtype, offset), weights, metric, feature_weights)[0]
    return np.bincount(bmu, minlength=n_units)


def _labels_block(block, labels, dtype, offset, weights, metric, feature_weights, classes):
    with _threads.limit(1):
        bmu = metrics.best_two_units(_checked_rows(block, dtype, offset), weights, metric, feature_weights)[0]
    counts = np.zeros((weights.shape[0], len(classes)), dtype=np.int64)
    np.add.at(counts, (bmu, np.searchsorted(classes, np.asarray(labels))), 1)
    return counts


class MapOnChunks:
    """A fitted estimator's queries over a dask array or DataFrame ``X``."""

    def __init__(self, estimator, X):
        estimator._check_fitted()
        self.settings = estimator.settings_
        self.weights = estimator._weights
        self.feature_weights = self.settings.feature_weights  # (NaN never reaches here: see rows.finite_rule)
        rows = as_chunked_rows(X, self.settings.dtype)
        if rows.shape[1] != estimator.n_features_in_:
            raise ValueError(f"X has {rows.shape[1]} features, but {type(estimator).__name__} is expecting "
                             f"{estimator.n_features_in_} features as input")
        self.array = rows.array
        self.rows = rows
        self.dtype = rows.dtype

    def _reduce(self, task, *args):
        offsets = _offsets(self.array)
        parts = [dask.delayed(task, pure=True)(block, self.dtype, int(offsets[i]), *args)
                 for i, block in enumerate(self.rows._blocks)]
        return dask.compute(_tree(parts, _sum_parts))[0]

    def best(self):
        return self.array.map_blocks(_best_block, self.dtype, self.weights, self.settings.metric, self.feature_weights,
                                     chunks=(self.array.chunks[0], (2,)), dtype=np.float64)

    def predict(self, return_distance=False):
        best = self.best()
        bmu = best[:, 0].astype(np.int64)
        return (bmu, best[:, 1]) if return_distance else bmu

    def transform(self, dtype=None):
        out_dtype = self.dtype if dtype is None else np.dtype(dtype)
        return self.array.map_blocks(_transform_block, self.dtype, self.weights, self.settings.metric,
                                     self.feature_weights, out_dtype,
                                     chunks=(self.array.chunks[0], (self.weights.shape[0],)), dtype=out_dtype)

    def mean(self, measure, *args):
        total, count = self._reduce(_measure_block, measure, (self.weights, *args), self.feature_weights)
        return float(total / count)

    def hit_counts(self):
        n_units = self.weights.shape[0]
        hits = self._reduce(_hits_block, self.weights, self.settings.metric, self.feature_weights, n_units)
        return hits.reshape(self.settings.n_rows, self.settings.n_cols)

    def labels_map(self, y):
        if not isinstance(y, da.Array):
            y = da.from_array(np.asarray(y), chunks=(self.array.chunks[0],))
        if y.ndim != 1 or y.shape[0] != self.array.shape[0]:
            raise ValueError(f"y must be 1-D with one label per sample ({self.array.shape[0]}); got shape {y.shape}")
        y = y.rechunk((self.array.chunks[0],))
        classes = np.unique(y.compute()) if y.dtype.kind == "O" else da.unique(y).compute()
        offsets = _offsets(self.array)
        parts = [dask.delayed(_labels_block, pure=True)(block, labels, self.dtype, int(offsets[i]), self.weights,
                                                        self.settings.metric, self.feature_weights, classes)
                 for i, (block, labels) in enumerate(zip(self.rows._blocks, y.to_delayed().ravel(), strict=True))]
        counts = dask.compute(_tree(parts, _sum_parts))[0]
        return summaries.LabelCounts(classes, counts.reshape(self.settings.n_rows, self.settings.n_cols, -1))
