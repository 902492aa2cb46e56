"""Distances between a unit's weights and a sample, for the BMU search.

Kernels rank units by a *rank distance*: the squared distance for
euclidean (the square root does not change the order and costs a sqrt per
unit), the distance itself for the others. :func:`to_metric` turns a rank
distance into the metric's value, for quantization errors.

============ ================================================================
metric       distance between weights w and sample y
============ ================================================================
euclidean    sqrt(sum (w - y)^2)
cosine       1 - w.y / (|w| |y|); 1 when either vector is zero (no direction)
manhattan    sum |w - y|
chebyshev    max |w - y| (the absolute value matters: MiniSom's version
             takes max(w - y), which ignores units on the other side)
============ ================================================================

Each function branches on the metric once per unit, outside the loop over
features, so every metric keeps a tight (vectorisable) inner loop.
"""

import math
from typing import NamedTuple

import numpy as np

from .._jit import inline_jit, strict_jit

EUCLIDEAN = 0
COSINE = 1
MANHATTAN = 2
CHEBYSHEV = 3


@inline_jit
def _cosine(dot, w_norm2, y_norm):
    if w_norm2 == 0.0 or y_norm == 0.0:
        return 1.0
    return 1.0 - dot / (math.sqrt(w_norm2) * y_norm)


@inline_jit
def row_distance(metric, weights, u, y, y_norm):
    """Rank distance between row u of ``weights`` and vector ``y``.

    ``y_norm`` is |y| (used by cosine only).
    """
    n_features = weights.shape[1]
    acc = weights.dtype.type(0.0)
    if metric == EUCLIDEAN:
        for k in range(n_features):
            d = weights[u, k] - y[k]
            acc += d * d
        return acc
    if metric == MANHATTAN:
        for k in range(n_features):
            acc += abs(weights[u, k] - y[k])
        return acc
    if metric == CHEBYSHEV:
        for k in range(n_features):
            acc = max(acc, abs(weights[u, k] - y[k]))
        return acc
    norm2 = weights.dtype.type(0.0)
    for k in range(n_features):
        acc += weights[u, k] * y[k]
        norm2 += weights[u, k] * weights[u, k]
    return _cosine(acc, norm2, y_norm)


@inline_jit
def update_row(weights, u, f, x):
    """w_u += f (x - w_u), the online update, written as the tutorial does."""
    for k in range(weights.shape[1]):
        weights[u, k] = weights[u, k] + f * (x[k] - weights[u, k])


@inline_jit
def update_row_and_distance(metric, weights, u, f, x, y, y_norm):
    """The fused step: update row u towards x, return its rank distance to y.

    One pass over the row: each updated weight is used for the distance
    while it is still in a register.
    """
    n_features = weights.shape[1]
    acc = weights.dtype.type(0.0)
    if metric == EUCLIDEAN:
        for k in range(n_features):
            wk = weights[u, k] + f * (x[k] - weights[u, k])
            weights[u, k] = wk
            d = wk - y[k]
            acc += d * d
        return acc
    if metric == MANHATTAN:
        for k in range(n_features):
            wk = weights[u, k] + f * (x[k] - weights[u, k])
            weights[u, k] = wk
            acc += abs(wk - y[k])
        return acc
    if metric == CHEBYSHEV:
        for k in range(n_features):
            wk = weights[u, k] + f * (x[k] - weights[u, k])
            weights[u, k] = wk
            acc = max(acc, abs(wk - y[k]))
        return acc
    norm2 = weights.dtype.type(0.0)
    for k in range(n_features):
        wk = weights[u, k] + f * (x[k] - weights[u, k])
        weights[u, k] = wk
        acc += wk * y[k]
        norm2 += wk * wk
    return _cosine(acc, norm2, y_norm)


@inline_jit
def vector_norm(y):
    """|y|, for the cosine distance."""
    acc = 0.0
    for k in range(y.shape[0]):
        acc += y[k] * y[k]
    return math.sqrt(acc)


@inline_jit
def to_metric(metric, rank_distance):
    """The metric's value from a rank distance."""
    if metric == EUCLIDEAN:
        return math.sqrt(rank_distance)
    return rank_distance


# ---------------------------------------------------------------------------
# Missing values and feature weights: one masked, weighted distance
# ---------------------------------------------------------------------------
#
# A row may hold NaN (a missing value) and each feature has a weight mu_d >= 0
# (1 on maps without feature weights). The *rank* distance of a masked row
# sums (or maxes) over its observed features only, each term times its
# weight (SOM Toolbox, som_bmus.m):
#
#   euclidean  sum mu_d (w_d - y_d)^2          manhattan  sum mu_d |w_d - y_d|
#   chebyshev  max mu_d |w_d - y_d|            cosine     1 - <w, y> / (|w| |y|),
#                                                         <a, b> = sum mu_d a_d b_d
#
# The *reported* distance of euclidean and manhattan (transform, predict,
# quantization errors) is rescaled by total weight / observed weight
# (:func:`reported_scale`), as kohonen and scikit-learn's
# nan_euclidean_distances do, so a row with missing values is not "closer";
# the factor is the same for every unit, so the BMU does not change.
# Chebyshev and cosine are not sums of per-feature terms and are not rescaled.
# ``reference.masked`` is the literal version. Complete rows of maps without
# feature weights never come here: they keep the plain helpers above.
#
# Kernels take the masks as one trailing argument, ``masks=None``. Omitted
# (maps without feature weights, data without NaN), numba prunes every
# ``if masks is not None:`` branch before it compiles, so those kernels
# compile and run the very code they had before masks existed (measured:
# the same compile time; with the masked code merely present, the suite's
# compile CPU time grew by half). The pruning sees the kernel's own
# argument and an inline body it is passed to directly, not deeper: the
# checks stay at those two levels, and the code they guard calls outlined
# functions (:func:`masked_distances`, ``bmu.masked_top_two``,
# ``sweep.masked_sweep``), compiled once per dtype by the maps that mask.


class Masks(NamedTuple):
    """What a kernel needs to mask rows (IN); built by ``fastsom.missing.kernel_masks``."""

    mu: np.ndarray  # (n_features,) float64, the feature weights (ones: none)
    total: float  # sum of mu (total_weight)
    weighted: bool  # some weight is not 1: every row is masked
    missing: bool  # the data may hold NaN: rows with NaN are masked
    incomplete: np.ndarray  # online: (n_samples,) uint8, 1 where a row of X holds NaN; else length 0


@inline_jit
def has_missing(y):
    """True when vector y holds a NaN."""
    for k in range(y.shape[0]):
        if y[k] != y[k]:
            return True
    return False


@inline_jit
def masked_distance(metric, weights, u, y, y_norm, mu):
    """Rank distance between row u of ``weights`` and y over y's observed features, weighted by mu.

    ``y_norm`` is :func:`masked_norm` (cosine only). A row with no observed
    feature is at distance 0 from every unit (cosine: 1): callers check
    :func:`observed_weight` first.
    """
    n_features = weights.shape[1]
    acc = weights.dtype.type(0.0)
    if metric == EUCLIDEAN:
        for k in range(n_features):
            if y[k] == y[k]:
                d = weights[u, k] - y[k]
                acc += mu[k] * (d * d)
        return acc
    if metric == MANHATTAN:
        for k in range(n_features):
            if y[k] == y[k]:
                acc += mu[k] * abs(weights[u, k] - y[k])
        return acc
    if metric == CHEBYSHEV:
        for k in range(n_features):
            if y[k] == y[k]:
                acc = max(acc, mu[k] * abs(weights[u, k] - y[k]))
        return acc
    norm2 = weights.dtype.type(0.0)
    for k in range(n_features):
        if y[k] == y[k]:
            acc += mu[k] * (weights[u, k] * y[k])
            norm2 += mu[k] * (weights[u, k] * weights[u, k])
    return _cosine(acc, norm2, y_norm)


@inline_jit
def masked_norm(y, mu):
    """sqrt(sum mu_d y_d^2) over the observed features of y: |y| for the masked cosine distance."""
    acc = 0.0
    for k in range(y.shape[0]):
        if y[k] == y[k]:
            acc += mu[k] * (y[k] * y[k])
    return math.sqrt(acc)


@inline_jit
def observed_weight(y, mu):
    """sum of mu_d over the observed features of y, in float64 (0: nothing to match on)."""
    acc = 0.0
    for k in range(y.shape[0]):
        if y[k] == y[k]:
            acc += mu[k]
    return acc


@inline_jit
def total_weight(mu):
    """sum of mu_d, in float64, in the order :func:`observed_weight` adds them (a complete row gets exactly 1)."""
    acc = 0.0
    for k in range(mu.shape[0]):
        acc += mu[k]
    return acc


@inline_jit
def reported_scale(metric, total, observed):
    """Factor from a masked row's rank distance to the reported one: total / observed weight, or 1.

    Euclidean (on the squared distance) and manhattan only; see the notes
    above :func:`has_missing`. nan when nothing is observed (such a row has
    no distance).
    """
    if observed <= 0.0:
        return np.nan
    if metric == EUCLIDEAN or metric == MANHATTAN:
        return total / observed
    return 1.0


@inline_jit
def update_row_observed(weights, u, f, x):
    """w_u += f (x - w_u) on x's observed features only: missing values move nothing (som_seqtrain.m)."""
    for k in range(weights.shape[1]):
        if x[k] == x[k]:
            weights[u, k] = weights[u, k] + f * (x[k] - weights[u, k])


@strict_jit
def masked_distances(weights, x, metric, mu, total, out):
    """``out[u]``: masked row x's distance to every unit as reported (rank form, rescaled); nan if none observed.

    weights IN (n_units, n_features); x IN (n_features,), NaN where missing;
    mu IN (n_features,) float64, the feature weights (ones: none); total IN
    their sum; out OUT (n_units,) float32 or float64.

    Not inlined: compiled once per dtype in exact IEEE arithmetic and
    called by the kernels that meet a masked row (``bmu.rank_distances``,
    ``quality``), so the kernels of maps without masks compile no more code.
    """
    scale = reported_scale(metric, total, observed_weight(x, mu))
    x_norm = masked_norm(x, mu) if metric == COSINE else 0.0
    for u in range(weights.shape[0]):
        out[u] = np.float64(masked_distance(metric, weights, u, x, x_norm, mu)) * scale

