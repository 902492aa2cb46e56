"""Supervised maps, literally: the label of every unit, class probabilities, and predictions.

A supervised map is a map of the data X plus, for every unit, a label: class
probabilities (a classifier) or values (a regressor). The labels of the
training rows are a *label block* ``Y`` (n_samples, n_columns): one-hot rows
for classes, the target values for a regressor; NaN marks a missing label
(an unlabelled row: the whole row; a regressor may miss single outputs).
Written out one unit, one row and one column at a time, from DESIGN.md
("label blocks"), kohonen's xyf/predict.kohonen and the SOM Toolbox's
som_supervised.m:

* **joint** supervision trains the label block with the data (the map's
  label columns); a unit's class probabilities are its label prototype
  clipped at 0 and divided by their sum, the prior where nothing is left;
* **post hoc** supervision labels each unit from the labelled training rows
  it wins: per column, the sum of their labels over their count (classes:
  the share of each class among them);
* a unit with no label of a column (it won no labelled row) takes the
  neighbourhood-weighted average of the others, ``sum_v h(u, v) S[v] /
  sum_v h(u, v) N[v]`` over all units v, ``h`` the gaussian
  ``exp(-d2 / (2 sigma^2))`` of the map's final radius; the prior where that
  sum is 0 (kohonen predicts NA there, kohonen#14);
* **predict**: the label of the BMU; for classes the one with the largest
  probability, the lowest class index on ties; a row without a BMU
  (nothing observed) gets the prior;
* **label balance**: joint training weighs every label column by
  ``label_weight * s_X / s_Y``, ``s`` the sum of the (feature-weighted)
  population variances of the block's columns over their observed values,
  so ``label_weight=1`` gives labels and data the same share of the squared
  distance (kohonen's layer balancing); ``label_weight`` itself when either
  block does not vary.

Plain Python loops; no vectorisation, on purpose. Nothing from fastsom.
"""

import math


def _is_missing(value):
    return value != value  # NaN is the only value unequal to itself


def column_variance(values):
    """Population variance of the observed (not NaN) values; 0.0 when none is observed."""
    observed = [v for v in values if not _is_missing(v)]
    if not observed:
        return 0.0
    mean = sum(observed) / len(observed)
    return sum((v - mean) ** 2 for v in observed) / len(observed)


def label_column_weight(X, Y, label_weight, feature_weights=None):
    """The weight of every label column in joint training (see the module docstring)."""
    n_features = len(X[0])
    mu = [1.0] * n_features if feature_weights is None else list(feature_weights)
    s_x = 0.0
    for d in range(n_features):
        s_x += mu[d] * column_variance([row[d] for row in X])
    s_y = 0.0
    for k in range(len(Y[0])):
        s_y += column_variance([row[k] for row in Y])
    if s_x == 0.0 or s_y == 0.0:
        return label_weight
    return label_weight * s_x / s_y


def prior(Y):
    """Mean of each label column over its observed values (classes: the share of each class)."""
    result = []
    for k in range(len(Y[0])):
        observed = [row[k] for row in Y if not _is_missing(row[k])]
        result.append(sum(observed) / len(observed))
    return result


def joint_probabilities(label_block, prior_proba):
    """Class probabilities of every unit from its label prototype (joint supervision)."""
    result = []
    for prototype in label_block:
        clipped = [max(p, 0.0) for p in prototype]
        total = sum(clipped)
        if total > 0.0:
            result.append([p / total for p in clipped])
        else:
            result.append(list(prior_proba))
    return result


def post_hoc_statistics(bmus, Y, n_units):
    """Per unit and label column: the sum S of the observed labels of the rows it wins, and their count N."""
    n_columns = len(Y[0])
    S = [[0.0] * n_columns for _ in range(n_units)]
    N = [[0.0] * n_columns for _ in range(n_units)]
    for i in range(len(bmus)):
        if bmus[i] is None:
            continue
        for k in range(n_columns):
            if not _is_missing(Y[i][k]):
                S[bmus[i]][k] += Y[i][k]
                N[bmus[i]][k] += 1.0
    return S, N


def unit_labels(S, N, grid_d2, sigma, prior_values):
    """Each unit's label from the sums and counts of the rows it won; empty units from their neighbours."""
    n_units = len(S)
    result = []
    for u in range(n_units):
        row = []
        for k in range(len(S[u])):
            if N[u][k] > 0.0:
                row.append(S[u][k] / N[u][k])
                continue
            top, bottom = 0.0, 0.0
            for v in range(n_units):
                h = math.exp(-grid_d2(u, v) / (2.0 * sigma * sigma))
                top += h * S[v][k]
                bottom += h * N[v][k]
            row.append(top / bottom if bottom > 0.0 else prior_values[k])
        result.append(row)
    return result


def predict_class(proba):
    """Index of the largest probability, the lowest index on ties."""
    best = 0
    for c in range(1, len(proba)):
        if proba[c] > proba[best]:
            best = c
    return best


def predict(bmus, unit_outputs, prior_values):
    """Each row's output: its BMU's label, the prior for a row without a BMU (None)."""
    return [list(prior_values) if b is None else list(unit_outputs[b]) for b in bmus]
