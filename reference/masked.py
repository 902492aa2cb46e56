"""Missing values and feature weights, literally: one masked, weighted distance.

A sample may hold NaN: a missing value. ``mu[d] >= 0`` is the weight of
feature d (all 1 when a map has none). Everything here is written out one
sample, one unit and one feature at a time, from the definitions in
DESIGN.md ("Missing values, feature weights, label blocks") and the SOM
Toolbox's code (som_bmus.m, som_seqtrain.m, som_batchtrain.m):

* **rank distance** (what the BMU search minimises), over the observed
  features of the sample only, each term times its weight:
  euclidean ``sum mu (x - w)^2``, manhattan ``sum mu |x - w|``, chebyshev
  ``max mu |x - w|``, cosine ``1 - <x, w> / (|x| |w|)`` with
  ``<a, b> = sum mu a b`` (1 when either norm is 0);
* **reported distance** (transform, quantization error): euclidean and
  manhattan rescaled by total weight / observed weight (kohonen, and
  scikit-learn's nan_euclidean_distances), euclidean then square-rooted;
  chebyshev and cosine as they are;
* a sample with no observed feature of weight > 0 has **no BMU** (None)
  and no distance (nan); training skips it;
* **online update**: only the observed features of the sample move;
* **batch update**: each feature divided by the neighbourhood weight of
  the samples that observed it, ``W[u][d] = sum_v h(u, v) S[v][d] / sum_v
  h(u, v) N[v][d]`` (SOM Toolbox), the old value where that is 0. The
  per-unit denominator of kohonen's batch map, ``... / sum_v h(u, v) n[v]``,
  is here too (``denominator="unit"``), for the test that shows its bias.

Plain Python loops; no vectorisation, on purpose. Nothing from fastsom.
"""

import math

import numpy as np

from .online import NEIGHBORHOODS


def _is_missing(value):
    return value != value  # NaN is the only value unequal to itself


def _weights(feature_weights, n_features):
    if feature_weights is None:
        return [1.0] * n_features
    return [float(v) for v in feature_weights]


def observed_weight(x, mu):
    """Sum of the weights of x's observed features."""
    total = 0.0
    for d in range(len(x)):
        if not _is_missing(x[d]):
            total += mu[d]
    return total


def rank_distance(x, w, mu, distance="euclidean"):
    """The rank distance of sample x (NaN: missing) to unit vector w, weighted by mu."""
    if distance == "euclidean":
        total = 0.0
        for d in range(len(x)):
            if not _is_missing(x[d]):
                total += mu[d] * (x[d] - w[d]) ** 2
        return total
    if distance == "manhattan":
        total = 0.0
        for d in range(len(x)):
            if not _is_missing(x[d]):
                total += mu[d] * abs(x[d] - w[d])
        return total
    if distance == "chebyshev":
        largest = 0.0
        for d in range(len(x)):
            if not _is_missing(x[d]):
                largest = max(largest, mu[d] * abs(x[d] - w[d]))
        return largest
    dot, norm_x, norm_w = 0.0, 0.0, 0.0
    for d in range(len(x)):
        if not _is_missing(x[d]):
            dot += mu[d] * x[d] * w[d]
            norm_x += mu[d] * x[d] * x[d]
            norm_w += mu[d] * w[d] * w[d]
    if norm_x == 0 or norm_w == 0:
        return 1.0
    return 1.0 - dot / (math.sqrt(norm_x) * math.sqrt(norm_w))


def reported_distance(x, w, mu, distance="euclidean"):
    """The distance transform and the quantization error report: rescaled, in the metric; nan if nothing is observed."""
    observed = observed_weight(x, mu)
    if observed == 0:
        return math.nan
    value = rank_distance(x, w, mu, distance)
    if distance in ("euclidean", "manhattan"):
        value *= sum(mu) / observed
    return math.sqrt(value) if distance == "euclidean" else value


def two_best_units(x, weights, mu, distance="euclidean"):
    """(best, second) units of x by rank distance, ties to the lowest index; (None, None) when nothing is observed."""
    if observed_weight(x, mu) == 0:
        return None, None
    ranked = sorted(range(len(weights)), key=lambda u: (rank_distance(x, weights[u], mu, distance), u))
    return ranked[0], (ranked[1] if len(ranked) > 1 else None)


def _as_lists(X, weights):
    X = [[float(v) for v in row] for row in np.asarray(X)]
    return X, [[float(v) for v in row] for row in np.asarray(weights)]


def train_online(X, weights, grid_d2, sample_indices, learning_rate, sigma, neighborhood, distance="euclidean",
                 feature_weights=None, gaps=None):
    """Online training with missing values and feature weights: ``reference.online.train_online``, masked.

    Each iteration finds the sample's BMU by rank distance, then pulls every
    unit's *observed* features towards the sample: missing values move
    nothing. Feature weights enter the BMU search only. A sample with
    nothing observed of weight > 0 is not allowed (fastsom leaves such rows
    out before it plans an online run). ``gaps``, if a list, gets each
    iteration's gap from the best rank distance to the nearest unit that is
    not an exact copy of the BMU (inf if none): how near its BMU was to a
    tie that rounding, not the tie rule, would decide.

    Returns
    -------
    weights : ndarray (n_units, n_features) float64
    bmus : ndarray (n_iterations,) int64
    """
    h = NEIGHBORHOODS[neighborhood]
    X, weights = _as_lists(X, weights)
    mu = _weights(feature_weights, len(weights[0]))
    bmus = []
    for i in range(len(sample_indices)):
        x = X[sample_indices[i]]
        bmu, second = two_best_units(x, weights, mu, distance)
        assert bmu is not None, "a sample with nothing observed cannot be presented"
        bmus.append(bmu)
        if gaps is not None:
            others = [rank_distance(x, w, mu, distance) for w in weights if w != weights[bmu]]
            gaps.append(min(others) - rank_distance(x, weights[bmu], mu, distance) if others else math.inf)
        for u in range(len(weights)):
            factor = learning_rate[i] * h(grid_d2(u, bmu), sigma[i])
            w = weights[u]
            for d in range(len(w)):
                if not _is_missing(x[d]):
                    w[d] = w[d] + factor * (x[d] - w[d])
    return np.array(weights, dtype=np.float64), np.array(bmus, dtype=np.int64)


def train_batch(X, weights, grid_d2, sigmas, neighborhood, distance="euclidean", feature_weights=None,
                denominator="feature"):
    """Kohonen's batch map with missing values and feature weights, one epoch per entry of ``sigmas``.

    Per epoch: every sample's BMU (samples with nothing observed are
    skipped); per unit v the sums ``S[v][d]`` of the observed values of its
    samples, the number ``n[v]`` of its samples and, per feature, the number
    ``N[v][d]`` of them that observed it; then every unit becomes

    * ``denominator="feature"`` (SOM Toolbox, unbiased):
      ``sum_v h S[v][d] / sum_v h N[v][d]``, the old value where the
      denominator is 0;
    * ``denominator="unit"`` (kohonen's batch map, biased towards 0 where
      values are missing): ``sum_v h S[v][d] / sum_v h n[v]``.

    Returns
    -------
    weights : ndarray (n_units, n_features) float64
    bmus : ndarray (n_samples,) int64, the last epoch's BMUs (-1: none)
    """
    h = NEIGHBORHOODS[neighborhood]
    X, weights = _as_lists(X, weights)
    n_units = len(weights)
    n_features = len(weights[0])
    mu = _weights(feature_weights, n_features)
    bmus = []
    for sigma in sigmas:
        bmus = [two_best_units(x, weights, mu, distance)[0] for x in X]
        S = [[0.0] * n_features for _ in range(n_units)]
        N = [[0] * n_features for _ in range(n_units)]
        n = [0] * n_units
        for i in range(len(X)):
            v = bmus[i]
            if v is None:
                continue
            n[v] += 1
            for d in range(n_features):
                if not _is_missing(X[i][d]):
                    S[v][d] += X[i][d]
                    N[v][d] += 1
        new_weights = []
        for u in range(n_units):
            row = []
            for d in range(n_features):
                num, den = 0.0, 0.0
                for v in range(n_units):
                    factor = h(grid_d2(u, v), sigma)
                    num += factor * S[v][d]
                    den += factor * (N[v][d] if denominator == "feature" else n[v])
                row.append(num / den if den != 0 else weights[u][d])
            new_weights.append(row)
        weights = new_weights
    return np.array(weights, dtype=np.float64), np.array([-1 if b is None else b for b in bmus], dtype=np.int64)


def quantization_error(X, weights, feature_weights=None, distance="euclidean"):
    """Mean reported distance of each sample to its BMU, over the samples that have one."""
    X, weights = _as_lists(X, weights)
    mu = _weights(feature_weights, len(weights[0]))
    total, count = 0.0, 0
    for x in X:
        best, _ = two_best_units(x, weights, mu, distance)
        if best is not None:
            total += reported_distance(x, weights[best], mu, distance)
            count += 1
    return total / count


def topographic_error(X, weights, grid_d2, max_d2, feature_weights=None, distance="euclidean"):
    """Share of the samples with a BMU whose two best units are not grid neighbours."""
    X, weights = _as_lists(X, weights)
    mu = _weights(feature_weights, len(weights[0]))
    errors, count = 0, 0
    for x in X:
        best, second = two_best_units(x, weights, mu, distance)
        if best is not None:
            errors += grid_d2(best, second) > max_d2
            count += 1
    return errors / count


def transform(X, weights, feature_weights=None, distance="euclidean"):
    """Reported distance of every sample to every unit, (n_samples, n_units); nan for samples with nothing observed."""
    X, weights = _as_lists(X, weights)
    mu = _weights(feature_weights, len(weights[0]))
    return np.array([[reported_distance(x, w, mu, distance) for w in weights] for x in X])


def impute(X, weights, feature_weights=None, distance="euclidean"):
    """X with each missing value replaced by its sample's BMU's value (SOM Toolbox's som_fillnans); nan rows stay."""
    X, weights = _as_lists(X, weights)
    mu = _weights(feature_weights, len(weights[0]))
    out = []
    for x in X:
        best, _ = two_best_units(x, weights, mu, distance)
        out.append([weights[best][d] if best is not None and _is_missing(x[d]) else x[d] for d in range(len(x))])
    return np.array(out)


def pairwise_complete_covariance(X):
    """Covariance of every pair of features over the rows where both are observed, each with its own means.

    R's ``cov(use="pairwise.complete.obs")``; 0 where fewer than 2 rows observe both.
    """
    X = [[float(v) for v in row] for row in np.asarray(X)]
    n_features = len(X[0])
    C = [[0.0] * n_features for _ in range(n_features)]
    for i in range(n_features):
        for j in range(n_features):
            pairs = [(row[i], row[j]) for row in X if not _is_missing(row[i]) and not _is_missing(row[j])]
            if len(pairs) < 2:
                continue
            mean_i = sum(a for a, _ in pairs) / len(pairs)
            mean_j = sum(b for _, b in pairs) / len(pairs)
            C[i][j] = sum((a - mean_i) * (b - mean_j) for a, b in pairs) / (len(pairs) - 1)
    return np.array(C)
