"""Map quality under fastsom's definitions, for any codebook: one definition for every contender.

QE: mean euclidean distance from each sample to its BMU
(:func:`fastsom.analysis.metrics.quantization_error`); TE: share of samples whose
two best units are not 8-connected neighbours on the rectangular grid
(:func:`fastsom.analysis.metrics.topographic_error`, squared grid distance <= 2,
as MiniSom and TorchSOM count); purity: share of samples whose label is the
majority label of their BMU (:func:`fastsom.analysis.metrics.bmu_purity`), for
labelled data.
"""

import numpy as np

from fastsom import topology
from fastsom.analysis import metrics


def score(weights, X, y=None):
    """QE, TE and BMU purity (None without labels) of a codebook on X.

    Parameters
    ----------
    weights : array_like, shape (n_rows, n_cols, n_features)
        Any implementation's codebook; converted to X's dtype.
    X : ndarray, shape (n_samples, n_features), float32 or float64, C-contiguous
    y : ndarray, shape (n_samples,), optional

    Returns
    -------
    dict with keys "qe", "te", "purity"
    """
    weights = np.asarray(weights)
    n_rows, n_cols = weights.shape[:2]
    W = np.ascontiguousarray(weights.reshape(n_rows * n_cols, -1), dtype=X.dtype)
    coords, geometry = topology.make_grid(n_rows, n_cols)
    return {
        "qe": metrics.quantization_error(X, W),
        "te": metrics.topographic_error(X, W, coords, geometry, topology.ADJACENCY[("rectangular", 8)]),
        "purity": None if y is None else metrics.bmu_purity(metrics.best_two_units(X, W)[0], y),
    }
