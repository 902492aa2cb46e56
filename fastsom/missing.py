"""Missing values and feature weights: the estimator's options, their checks, and which rows are masked.

Both rest on one masked, weighted distance (``kernels.distances``, literal
in ``reference.masked``): with ``k_d = 1`` where ``x_d`` is observed and
``mu_d`` the weight of feature d,

    d(x, m) = sum_d mu_d k_d (x_d - m_d)^2        (euclidean; see kernels.distances for the others)

* ``feature_weights=mu`` (n_features,), >= 0, not all 0: every BMU search
  and every measure (predict, transform, the quantization and topographic
  errors, distortion, U-matrix, topographic product) weighs each feature's
  term by ``mu_d``. Training still moves every feature: a weight of 0 means
  "trained, but not matched on". All ones is no weighting: the map is the
  unweighted map, bit for bit.
* ``missing="ignore"``: NaN marks a missing value. A row is matched on its
  observed features (SOM Toolbox's BMU); online updates move its observed
  features only; batch updates divide each feature by the neighbourhood
  weight of the rows that observed it, ``W = (H S) / (H N)`` with ``N``
  counted per unit and feature (SOM Toolbox's som_batchtrain.m; kohonen's
  per-unit denominator pulls incomplete features towards 0). Reported
  distances (transform, predict's distances, quantization error) of
  euclidean and manhattan maps are rescaled by total weight / observed
  weight, so a row with missing values is not "closer" (kohonen, and
  scikit-learn's nan_euclidean_distances); chebyshev and cosine are not.
  ``missing="error"`` (the default) refuses NaN.

A row with nothing observed of weight > 0 cannot be matched: training
skips it (with a warning saying how many), ``predict`` gives it BMU -1 and
distance nan, ``transform`` nan, and the measures leave it out.
``max_missing`` refuses, naming the row, any row with a larger share of
missing values.

Rows that are complete, on maps without feature weights, keep every fast
path (the GEMM BMUs of batch training and queries, the fused online sweep):
only rows with NaN, and maps with feature weights, pay for the mask.
"""

import numbers
import warnings
from typing import NamedTuple

import numpy as np

from ._validation import user_stacklevel
from .kernels.distances import CHEBYSHEV, MANHATTAN, Masks
from .kernels.missing import missing_per_row


def check_feature_weights(value):
    """``feature_weights`` validated: None, or a read-only (n_features,) float64 array; all ones becomes None.

    Raises TypeError for non-numbers, ValueError naming the rule otherwise
    (1-D and not empty, finite, >= 0, not all 0).
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not (hasattr(value, "__array__") or isinstance(value, (list, tuple))):
        raise TypeError(f"feature_weights must be None or a 1-D array of numbers, one per feature; got "
                        f"{type(value).__name__}")
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"feature_weights must hold real numbers; got dtype {array.dtype}")
    if array.ndim != 1 or array.shape[0] == 0:
        raise ValueError(f"feature_weights must be 1-D with one weight per feature; got shape {array.shape}")
    array = np.array(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"feature_weights must be finite; got {array[~np.isfinite(array)][0]} at feature "
                         f"{int(np.argmax(~np.isfinite(array)))}")
    if (array < 0).any():
        raise ValueError(f"feature_weights must be >= 0; got {array[array < 0][0]:g} at feature "
                         f"{int(np.argmax(array < 0))}")
    if not (array > 0).any():
        raise ValueError("feature_weights are all 0: at least one feature must have a weight > 0 to match on")
    if (array == 1.0).all():
        return None  # the unweighted map, and its kernels
    array.flags.writeable = False
    return array


#: ``Masks.incomplete`` when no per-sample flags are needed (queries, batch).
NO_FLAGS = np.empty(0, dtype=np.uint8)


def kernel_masks(feature_weights, n_features, missing=False, incomplete=None):
    """The kernels' ``masks`` argument: None when nothing is masked (then omit it), else a ``kernels.distances.Masks``.

    ``feature_weights`` (n_features,) or None; ``missing``: the data may hold
    NaN; ``incomplete``: online training's (n_samples,) uint8 flags of the
    rows holding NaN. The weights are copied (numba compiles a read-only
    array, as ``Settings`` keeps them, as a type of its own) and summed in
    the kernels' order, so a complete row's observed weight is the total
    exactly and its distances are not rescaled.
    """
    if feature_weights is None and not missing and incomplete is None:
        return None
    mu = np.ones(n_features) if feature_weights is None else np.array(feature_weights, dtype=np.float64)
    total = 0.0
    for value in mu:  # left to right, as kernels.distances.observed_weight adds them
        total += float(value)
    return Masks(mu, total, feature_weights is not None, bool(missing or incomplete is not None),
                 NO_FLAGS if incomplete is None else np.ascontiguousarray(incomplete, dtype=np.uint8))


def masked_args(masks):
    """The trailing arguments of a kernel call: ``(masks,)``, or none at all (the kernel's plain code)."""
    return () if masks is None else (masks,)


def weighted_codebook(weights, feature_weights, metric):
    """Units scaled so that the plain distance between them is the weighted one; ``weights`` itself if unweighted.

    For unit-to-unit distances (U-matrix, topographic product): with mu >= 0,
    ``sum mu (a - b)^2 = sum (sqrt(mu) a - sqrt(mu) b)^2`` (euclidean; cosine
    likewise with the weighted inner product), ``sum mu |a - b| = sum |mu a
    - mu b|`` (manhattan) and ``max mu |a - b| = max |mu a - mu b|``
    (chebyshev): the same values up to rounding, from the plain kernels.
    """
    if feature_weights is None:
        return weights
    factor = feature_weights if metric in (MANHATTAN, CHEBYSHEV) else np.sqrt(feature_weights)
    return np.ascontiguousarray(weights * factor.astype(weights.dtype))


def check_max_missing(value):
    """``max_missing`` validated: a real number in [0, 1], as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"max_missing={value!r} must be a real number in [0, 1]")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"max_missing={value!r} must be in [0, 1]: the largest share of a row's values that may "
                         "be missing")
    return float(value)


class Rows(NamedTuple):
    """Which rows of X are masked, from :func:`inspect_rows`.

    incomplete (n_samples,) uint8, 1 where the row holds NaN; None when no row does
    empty      int64 indices of the rows with nothing observed of weight > 0
    """

    incomplete: np.ndarray | None
    empty: np.ndarray


def inspect_rows(X, feature_weights=None, max_missing=1.0, name="X"):
    """The masked rows of X (checked: NaN allowed), refusing those above ``max_missing``; one parallel pass.

    ``feature_weights`` (n_features,) float64 or None. Raises ValueError
    naming the first row whose share of missing values exceeds
    ``max_missing``.
    """
    n_samples, n_features = X.shape
    n_missing = np.empty(n_samples, dtype=np.int64)
    observed = np.empty(n_samples)
    mu = np.ones(n_features) if feature_weights is None else np.array(feature_weights, dtype=np.float64)
    missing_per_row(X, mu, n_missing, observed)
    too_many = n_missing > max_missing * n_features
    if too_many.any():
        row = int(np.argmax(too_many))
        raise ValueError(f"{name} row {row} has {n_missing[row]} of its {n_features} values missing, more than "
                         f"max_missing={max_missing:g} allows")
    incomplete = (n_missing > 0).view(np.uint8) if n_missing.any() else None
    return Rows(incomplete, np.flatnonzero(observed <= 0.0))


def without_empty_rows(X, rows, name="X"):
    """(X without its empty rows, their incomplete flags): training skips what cannot be matched, and says so."""
    if rows.empty.shape[0] == 0:
        return X, rows.incomplete
    warnings.warn(f"{rows.empty.shape[0]} row(s) of {name} have no observed value of weight > 0 (the first: row "
                  f"{rows.empty[0]}); training skips them", UserWarning, stacklevel=user_stacklevel())
    keep = np.ones(X.shape[0], dtype=bool)
    keep[rows.empty] = False
    incomplete = rows.incomplete[keep]
    return np.ascontiguousarray(X[keep]), (incomplete if incomplete.any() else None)
