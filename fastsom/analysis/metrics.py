"""Map quality measures and BMU queries on a weight matrix.

The estimator's methods (``som.predict``, ``som.quantization_error``, ...)
are the way to use these: they validate X fully (finite values, feature
names) and pass the fitted map's grid and metric. Called directly, each
function here checks what would make a kernel read out of bounds or fail to
compile (shapes, dtypes, contiguity, matching features, codes and grids)
and raises one ValueError naming the argument; it does not scan X for NaN.
``X`` is (n_samples, n_features), ``weights`` (n_units, n_features), both
C-contiguous float32 or float64 of one dtype; ``metric`` a code from
:data:`fastsom.options.DISTANCES`; ``coords`` and ``geometry`` as
:func:`fastsom.topology.make_grid` makes them. Results depend only on the
data, never on the number of threads.

``feature_weights`` ((n_features,) float64, or None) and ``missing`` (X
may hold NaN, which then marks a missing value) select the masked,
weighted distance of :mod:`fastsom.missing`. A row with nothing observed
has no BMU (-1, distance nan) and is left out of the means.
"""

import numpy as np

from .._validation import check_dtype
from ..kernels import bmu as _bmu
from ..kernels import quality as _quality
from ..kernels.distances import EUCLIDEAN
from ..missing import kernel_masks, masked_args, weighted_codebook
from ..options import DISTANCES, NEIGHBORHOODS
from ..training.batch import default_chunk_size

#: A query's chunk holds at most this share of its samples (and at most the
#: batch map's chunk, :func:`fastsom.training.batch.default_chunk_size`), so
#: small queries stay far below a samples x units table. Large ones get the
#: batch map's chunks: smaller ones cost more than the kernels between them
#: (70,000 x 784 on 20x20, 2 busy cores: 0.87 s in chunks of 1,310 rows,
#: 0.68 s in chunks of 2,621, against 0.64 s for the GEMM + argmin floor).
QUERY_CHUNK_SHARE = 32


def check_map_arrays(X, weights, metric, coords=None, geometry=None):
    """Refuse arrays a kernel cannot take safely (see the module docstring); one ValueError naming the argument."""
    arrays = [("weights", weights, 2)] + ([] if X is None else [("X", X, 2)])
    for name, array, ndim in arrays:
        if not isinstance(array, np.ndarray) or array.ndim != ndim or array.dtype not in (np.float32, np.float64):
            raise ValueError(f"{name} must be a {ndim}-D float32 or float64 ndarray; got "
                             f"{getattr(array, 'dtype', type(array).__name__)} of shape {np.shape(array)}")
        if not array.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous (np.ascontiguousarray({name}))")
    if weights.shape[0] < 1 or weights.shape[1] < 1:
        raise ValueError(f"weights must have at least one unit and one feature; got shape {weights.shape}")
    if X is not None and (X.dtype != weights.dtype or X.shape[1] != weights.shape[1]):
        raise ValueError(f"X ({X.dtype}, {X.shape[1]} features) must match weights ({weights.dtype}, "
                         f"{weights.shape[1]} features)")
    if isinstance(metric, bool) or metric not in DISTANCES.values():
        raise ValueError(f"metric={metric!r} must be a code of fastsom.options.DISTANCES: {DISTANCES}")
    if coords is not None and not (isinstance(coords, np.ndarray) and coords.dtype == np.float64
                                   and coords.shape == (weights.shape[0], 2) and coords.flags.c_contiguous):
        raise ValueError(f"coords must be a C-contiguous float64 array of shape ({weights.shape[0]}, 2), one "
                         "position per unit (fastsom.topology.make_grid)")
    if geometry is not None and not (isinstance(geometry, np.ndarray) and geometry.dtype == np.float64
                                     and geometry.shape == (4,)):
        raise ValueError("geometry must be a float64 array of shape (4,) (fastsom.topology.make_grid)")


def best_two_units(X, weights, metric=EUCLIDEAN, feature_weights=None, missing=False):
    """Best and second-best unit of every sample, with their rank distances.

    Rank distances are squared for euclidean, the metric itself otherwise.
    Ties go to the lowest unit index (``fastsom.kernels.bmu``). Euclidean
    maps rank units by BLAS GEMM against the centred weights, chunk by
    chunk, and re-check a shortlist with direct distances
    (``kernels.bmu.best_two_checked``): the answer is the direct scan's bit
    for bit, at about the cost of the GEMM; rows with missing values are
    answered by the masked direct scan. Other metrics, and maps with
    feature weights, compute every distance directly, on all numba threads
    (``kernels.bmu.best_two_units``, masked rows by ``bmu.masked_top_two``).

    Returns
    -------
    bmu : ndarray (n_samples,) int64
    dist_bmu : ndarray (n_samples,) float64
    second : ndarray (n_samples,) int64, -1 on a one-unit map
    dist_second : ndarray (n_samples,) float64, inf on a one-unit map
    """
    check_map_arrays(X, weights, metric)
    n_samples = X.shape[0]
    n_units = weights.shape[0]
    bmu = np.empty(n_samples, dtype=np.int64)
    second = np.empty(n_samples, dtype=np.int64)
    dist_bmu = np.empty(n_samples, dtype=np.float64)
    dist_second = np.empty(n_samples, dtype=np.float64)
    masks = kernel_masks(feature_weights, X.shape[1], missing)
    if metric != EUCLIDEAN or n_units < 2 or n_samples == 0 or (masks is not None and masks.weighted):
        _bmu.best_two_units(X, weights, metric, bmu, dist_bmu, second, dist_second, *masked_args(masks))
        return bmu, dist_bmu, second, dist_second
    # Centred weights: the GEMM's rounding then scales with the spread of
    # the units, not their distance from 0 (see kernels.bmu.gemm_error_bounds).
    shift = weights.mean(axis=0, dtype=np.float64).astype(weights.dtype)
    centred = np.subtract(weights, shift)
    shift = shift.astype(np.float64)
    unit_norm2, centred_norm2 = np.empty(n_units), np.empty(n_units)
    _bmu.squared_norms(weights, unit_norm2)
    _bmu.squared_norms(centred, centred_norm2)
    # Norms that overflow (unchecked input only: fit and the queries refuse
    # such data) make the bounds inf or nan, and the kernel then scans every
    # unit directly.
    with np.errstate(over="ignore", invalid="ignore"):
        unit_term = unit_norm2 - np.dot(shift, shift)
        bounds = _bmu.gemm_error_bounds(weights.dtype, weights.shape[1], unit_norm2, shift, centred_norm2)
    chunk = min(default_chunk_size(n_units), max(64, -(-n_samples // QUERY_CHUNK_SHARE)), n_samples)
    G = np.empty((chunk, n_units), dtype=weights.dtype)
    for lo in range(0, n_samples, chunk):
        hi = min(n_samples, lo + chunk)
        np.matmul(X[lo:hi], centred.T, out=G[:hi - lo])
        _bmu.best_two_checked(G[:hi - lo], unit_term, unit_norm2, X[lo:hi], weights, bounds, bmu[lo:hi],
                              dist_bmu[lo:hi], second[lo:hi], dist_second[lo:hi], *masked_args(masks))
    return bmu, dist_bmu, second, dist_second


def to_metric(metric, rank_distances):
    """Metric values from rank distances (the square root for euclidean)."""
    return np.sqrt(rank_distances) if metric == EUCLIDEAN else rank_distances


def distances(X, weights, metric=EUCLIDEAN, dtype=None, feature_weights=None, missing=False):
    """Distance of every sample to every unit in the metric, (n_samples, n_units).

    In ``dtype`` (float32 or float64), by default that of the weights: each
    distance is computed in float64 and rounded once into the result (for
    euclidean, its square, then the square root in place), so a float32 map
    gets a table half the size and no float64 copy of it. Masked rows
    (missing values, feature weights) get their reported distances,
    rescaled (:mod:`fastsom.missing`); a row with nothing observed, nan.
    """
    check_map_arrays(X, weights, metric)
    out = np.empty((X.shape[0], weights.shape[0]), dtype=weights.dtype if dtype is None else check_dtype(dtype))
    _bmu.rank_distances(X, weights, metric, out, *masked_args(kernel_masks(feature_weights, X.shape[1], missing)))
    if metric == EUCLIDEAN:
        np.sqrt(out, out=out)  # in place: the result is the only n_samples x n_units array
    return out


def _mean(values):
    """The mean, nan for no values (every row without a BMU) rather than NumPy's warning."""
    return float(np.mean(values)) if values.shape[0] else float("nan")


def quantization_error(X, weights, metric=EUCLIDEAN, feature_weights=None, missing=False):
    """Mean distance, in the metric, from each sample to its BMU's weight vector (rows with a BMU)."""
    bmu, rank, _, _ = best_two_units(X, weights, metric, feature_weights, missing)
    # Rounding can take a cosine distance a hair below 0 (float32 dot products): a distance is >= 0.
    return _mean(np.maximum(to_metric(metric, rank[bmu >= 0]), 0.0))


def topographic_error(X, weights, coords, geometry, max_d2, metric=EUCLIDEAN, feature_weights=None, missing=False):
    """Share of samples whose two best units are farther apart than ``max_d2`` on the grid (rows with a BMU)."""
    check_map_arrays(X, weights, metric, coords, geometry)
    if weights.shape[0] < 2:
        raise ValueError("topographic_error needs a map of at least 2 units; this map has 1")
    bmu, _, second, _ = best_two_units(X, weights, metric, feature_weights, missing)
    matched = bmu >= 0
    bmu, second = bmu[matched], second[matched]
    not_adjacent = np.empty(bmu.shape[0], dtype=np.bool_)
    _bmu.count_not_adjacent(bmu, second, coords, geometry, float(max_d2), not_adjacent)
    return _mean(not_adjacent)


def distortion(X, weights, coords, geometry, sigma, kind, metric=EUCLIDEAN, feature_weights=None, missing=False):
    """The SOM's energy: mean over samples of sum_u h(bmu, u) d(x, w_u)^2.

    ``h`` is the neighbourhood ``kind`` of width ``sigma`` around the
    sample's BMU (found with the usual rule, not by minimising the energy
    itself as Heskes' variant does), ``d`` the metric. With a neighbourhood
    of zero width (``bubble``, sigma < 1) it is the mean squared
    quantization error.
    """
    check_map_arrays(X, weights, metric, coords, geometry)
    if isinstance(kind, bool) or kind not in NEIGHBORHOODS.values():
        raise ValueError(f"kind={kind!r} must be a code of fastsom.options.NEIGHBORHOODS: {NEIGHBORHOODS}")
    bmu = best_two_units(X, weights, metric, feature_weights, missing)[0]
    terms = np.empty(X.shape[0], dtype=np.float64)
    _quality.distortion_terms(X, weights, bmu, coords, geometry, float(sigma), kind, metric, terms,
                              *masked_args(kernel_masks(feature_weights, X.shape[1], missing)))
    return _mean(terms[bmu >= 0])


def topographic_product(weights, coords, geometry, metric=EUCLIDEAN, feature_weights=None):
    """Bauer and Pawelzik's topographic product of a map (needs no data).

    Compares, for every unit, the order of the other units by grid distance
    with their order by weight-space distance (formula in
    :func:`fastsom.kernels.quality.topographic_product_terms`). 0 when both
    orders agree everywhere; < 0 when the map is folded or too small for
    the data (neighbours in data space are far apart on the grid); > 0 when
    the map is too large for the data. Ties in either order go to the lower
    unit index. nan when two units have identical weights (a ratio 0/0).
    Cost O(n_units^2 log n_units), memory O(n_units) per thread.
    """
    check_map_arrays(None, weights, metric, coords, geometry)
    n_units = weights.shape[0]
    if n_units < 2:
        raise ValueError("the topographic product needs a map of at least 2 units; this map has 1")
    terms = np.empty(n_units, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        _quality.topographic_product_terms(weighted_codebook(weights, feature_weights, metric), coords, geometry,
                                           metric, terms)
    total = float(np.sum(terms))
    return total / (n_units * (n_units - 1)) if np.isfinite(total) else float("nan")


def bmu_purity(bmu, labels):
    """Share of samples whose label is the most common label among their BMU's samples.

    1.0 when every unit holds a single class; a measure of how well a map
    separates known classes (the tutorial's iris and digits pictures).
    Ties between labels in a unit count the smallest label as the majority.

    Parameters
    ----------
    bmu : ndarray (n_samples,) int
    labels : ndarray (n_samples,) of hashable labels
    """
    bmu = np.asarray(bmu)
    labels = np.asarray(labels)
    if bmu.ndim != 1 or labels.shape != bmu.shape or len(bmu) == 0:
        raise ValueError(f"bmu and labels must be 1-D, of one equal length >= 1; got shapes {bmu.shape} and "
                         f"{labels.shape}")
    if bmu.dtype.kind not in "iu" or bmu.min() < 0:
        raise ValueError("bmu must hold unit indices (integers >= 0)")
    _, codes = np.unique(labels, return_inverse=True)
    counts = np.zeros((int(bmu.max()) + 1, int(codes.max()) + 1), dtype=np.int64)
    np.add.at(counts, (bmu, codes), 1)
    return float(counts.max(axis=1).sum() / len(bmu))
