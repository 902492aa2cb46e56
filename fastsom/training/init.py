"""Initial weights: ``init="random" | "sample" | "pca"`` or an explicit array.

All randomness comes from the training plan (:func:`fastsom.make_plan`), so
``random_state`` decides everything and nothing global is touched.

* ``random`` - uniform on [0, 1), the tutorial's ``np.random.random``.
  Good for data scaled to [0, 1]; poor otherwise.
* ``sample`` - distinct random rows of X (with repetition only when X has
  fewer rows than the map has units): every unit starts in the data.
* ``pca`` - the plane of the first two principal components, through the
  mean, spanning +-1 standard deviation of each: the map starts ordered, so
  training needs less ordering (Kohonen's linear initialisation). The
  longer side of the map follows the first component. Deterministic: the
  sign of each component is fixed so its largest coordinate is positive.
"""

import numpy as np

from .. import topology


def pca_weights(X, n_rows, n_cols, topology_name="rectangular"):
    """Units spread over the plane of X's first two principal components, (n_units, n_features)."""
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    n_features = X.shape[1]
    if X.shape[0] > 1:
        covariance = np.atleast_2d(np.cov(X, rowvar=False))
        variances, vectors = np.linalg.eigh(covariance)  # ascending
        order = np.argsort(variances)[::-1]
        variances, vectors = np.clip(variances[order], 0.0, None), vectors[:, order]
    else:  # one sample: no spread to follow
        variances, vectors = np.zeros(n_features), np.eye(n_features)
    for k in range(vectors.shape[1]):
        if vectors[np.argmax(np.abs(vectors[:, k])), k] < 0:
            vectors[:, k] = -vectors[:, k]
    # Grid positions rescaled to [-1, 1] along each axis (0 on a single row/column).
    xy = topology.plot_positions(n_rows, n_cols, topology_name)
    span = np.ptp(xy, axis=0)
    unit = np.where(span > 0, 2 * (xy - xy.min(axis=0)) / np.where(span > 0, span, 1) - 1, 0.0)
    along_cols, along_rows = unit[:, 0], unit[:, 1]
    first, second = (along_rows, along_cols) if n_rows >= n_cols else (along_cols, along_rows)
    weights = np.repeat(mean[None, :], n_rows * n_cols, axis=0)
    weights += first[:, None] * (np.sqrt(variances[0]) * vectors[:, 0])[None, :]
    if n_features > 1:
        weights += second[:, None] * (np.sqrt(variances[1]) * vectors[:, 1])[None, :]
    return weights


def initial_weights(init, plan, X, n_rows, n_cols, topology_name="rectangular"):
    """The starting map for ``init`` (a name from :data:`fastsom.options.INITS`), (n_units, n_features) float64.

    Guts of ``SOM.fit``: ``init`` is a validated name; arrays are handled by the caller.
    """
    if init == "random":
        return plan.initial_weights.reshape(n_rows * n_cols, -1)
    if init == "sample":
        return np.asarray(X, dtype=np.float64)[plan.init_indices]
    return pca_weights(X, n_rows, n_cols, topology_name)
