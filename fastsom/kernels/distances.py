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

from .._jit import inline_jit

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
