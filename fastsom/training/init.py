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

Neither converts the whole of X (issue 9: those float64 copies cost 423 MB
and 845 MB on 70,000 x 784 float32): ``sample`` converts the chosen rows,
and the PCA reads X in place, in one pass for the whole covariance of up to
64 features and in a few passes of a truncated method beyond
(:func:`principal_axes`).

Data with missing values (NaN, ``missing="ignore"``): ``sample`` draws
complete rows only (the plan draws among them); ``pca`` uses the
pairwise-complete covariance (:func:`pairwise_complete_axes`: each entry
from the rows where both features are observed, as the SOM Toolbox's
som_lininit.m and pandas' ``DataFrame.cov`` do) around the features'
observed means. That covariance is formed whole, n_features^2 float64
three times over, in chunks of rows.
"""

import numpy as np

from .. import topology
from ..kernels.covariance import N_RANGES, shifted_products

#: Up to this many features the PCA forms the whole covariance, in one pass
#: over X (n_features^2 products per sample, as much as a batch epoch of a
#: 64-unit map); beyond, a truncated method finds just the two components.
WHOLE_COVARIANCE_FEATURES = 64

#: The truncated method (block Krylov with Rayleigh-Ritz): directions per
#: pass over X, the most passes, and the residual ``|C v - theta v|``
#: relative to the largest variance at which both components count as
#: converged. 70,000 x 784 MNIST-like data (9 close leading variances)
#: converge in 5 passes of 6 directions, 0.17 s on 2 cores (8 directions:
#: 5 passes, 0.28 s; 4: 6 passes, 0.16 s; 12: 4 passes, 0.42 s: a pass
#: costs more than its share beyond 6). Data without a gap at the top of
#: their spectrum (uniform noise) stop after MAX_PASSES with a plane of
#: nearly the largest spread, which is all an initial map needs; 6 passes
#: keep a one-epoch batch fit from pca within 2x the fit from a random map
#: there too (70,000 x 784 uniform, 20x20: 2.0x; with 8 passes 2.35x).
BLOCK = 6
MAX_PASSES = 6
RESIDUAL = 1e-10


def covariance_times(X, Q, shift=None):
    """``C @ Q`` and the mean of X, C = X's sample covariance (ddof=1), in one pass over X, in float64.

    No copy of X: each row is shifted by ``shift`` (default: X's first row)
    and accumulated in float64 (see :mod:`fastsom.kernels.covariance`), so
    data far from 0 lose no digits.

    Parameters
    ----------
    X : ndarray (n_samples, n_features), float32 or float64, n_samples >= 2
    Q : ndarray (n_features, k)

    Returns
    -------
    CQ : ndarray (n_features, k) float64
    mean : ndarray (n_features,) float64
    """
    n_samples, n_features = X.shape
    if shift is None:
        shift = X[0].astype(np.float64)
    Qt = np.ascontiguousarray(np.asarray(Q, dtype=np.float64).T)
    products = np.empty((N_RANGES, Qt.shape[0], n_features))
    sums = np.empty((N_RANGES, n_features))
    shifted_products(X, shift, Qt, products, sums)
    offset = sums.sum(axis=0) / n_samples  # mean of the shifted rows
    CQt = (products.sum(axis=0) - n_samples * np.outer(Qt @ offset, offset)) / (n_samples - 1)
    return CQt.T, shift + offset


def principal_axes(X):
    """The two leading principal components of X (one if X has one feature).

    Returns
    -------
    variances : ndarray (2,) float64, descending, >= 0
    vectors : ndarray (n_features, 2) float64, orthonormal columns
    mean : ndarray (n_features,) float64
    """
    n_features = X.shape[1]
    shift = X[0].astype(np.float64)
    if n_features <= WHOLE_COVARIANCE_FEATURES:
        covariance, mean = covariance_times(X, np.eye(n_features), shift)
        variances, vectors = np.linalg.eigh(covariance)  # ascending
        variances, vectors = variances[::-1][:2], vectors[:, ::-1][:, :2]
    else:
        variances, vectors, mean = _krylov_axes(X, shift)
    return np.clip(variances, 0.0, None), vectors, mean


def _krylov_axes(X, shift):
    """Top two eigenpairs of X's covariance by block Krylov iteration; (variances, vectors, mean).

    Each pass applies C to the newest block of directions (one pass over X,
    :func:`covariance_times`); Rayleigh-Ritz over all blocks so far gives
    the estimates, and their residuals say when to stop. The first block is
    rows of X spread over the data, minus the shift: deterministic, and
    inside the data's span.
    """
    n_samples, n_features = X.shape
    picks = np.linspace(0, n_samples - 1, BLOCK).astype(np.int64)
    basis = [np.linalg.qr(X[picks].astype(np.float64).T - shift[:, None])[0]]
    images = []
    for _ in range(MAX_PASSES):
        image, mean = covariance_times(X, basis[-1], shift)
        images.append(image)
        Q, CQ = np.hstack(basis), np.hstack(images)
        T = Q.T @ CQ
        theta, Y = np.linalg.eigh((T + T.T) / 2)
        theta, Y = theta[::-1][:2], Y[:, ::-1][:, :2]
        vectors = Q @ Y
        residual = np.linalg.norm(CQ @ Y - vectors * theta, axis=0)
        if theta[0] <= 0.0 or (residual <= RESIDUAL * theta[0]).all() or Q.shape[1] + BLOCK > n_features:
            break
        # The next block: C's image of this one, orthogonal to all before
        # (projected out twice: once is not enough in floating point).
        W = image - Q @ (Q.T @ image)
        W -= Q @ (Q.T @ W)
        basis.append(np.linalg.qr(W)[0])
    return theta, vectors, mean


#: Rows per chunk of the pairwise-complete covariance's products.
PAIRWISE_CHUNK_ROWS = 2048


def pairwise_complete_axes(X):
    """The two leading principal components of X with NaN: the pairwise-complete covariance's.

    Entry (i, j) of the covariance is the sample covariance of features i
    and j over the rows where both are observed (each with its own means:
    R's ``cov(use="pairwise.complete.obs")``, pandas' ``DataFrame.cov``):
    ``(P_ij - A_ij A_ji / N_ij) / (N_ij - 1)``, where over all rows, with
    missing values as 0 and K the observed mask, ``P = X0' X0``, ``A = X0'
    K`` and ``N = K' K`` (three GEMMs per chunk of rows, in float64, of X
    minus the features' observed means so that data far from 0 lose no
    digits). An entry with fewer than 2 rows is 0. The mean returned is the
    features' observed means (0 for a feature never observed). Such a
    matrix need not be positive semi-definite: negative variances are
    clipped to 0, as in :func:`principal_axes`.

    Returns
    -------
    variances, vectors, mean : as :func:`principal_axes`
    """
    n_samples, n_features = X.shape
    totals = np.zeros(n_features)
    observed = np.zeros(n_features)
    for lo in range(0, n_samples, PAIRWISE_CHUNK_ROWS):
        chunk = X[lo:lo + PAIRWISE_CHUNK_ROWS].astype(np.float64)
        known = ~np.isnan(chunk)
        totals += np.where(known, chunk, 0.0).sum(axis=0)
        observed += known.sum(axis=0)
    mean = np.divide(totals, observed, out=np.zeros(n_features), where=observed > 0)
    P, A, N = (np.zeros((n_features, n_features)) for _ in range(3))
    for lo in range(0, n_samples, PAIRWISE_CHUNK_ROWS):
        chunk = X[lo:lo + PAIRWISE_CHUNK_ROWS].astype(np.float64) - mean
        known = ~np.isnan(chunk)
        centred = np.where(known, chunk, 0.0)
        mask = known.astype(np.float64)
        P += centred.T @ centred
        A += centred.T @ mask
        N += mask.T @ mask
    with np.errstate(divide="ignore", invalid="ignore"):
        covariance = np.where(N >= 2, (P - A * A.T / N) / (N - 1), 0.0)
    variances, vectors = np.linalg.eigh((covariance + covariance.T) / 2)  # ascending
    return np.clip(variances[::-1][:2], 0.0, None), vectors[:, ::-1][:, :2], mean


def pca_weights(X, n_rows, n_cols, topology_name="rectangular", missing=False):
    """Units spread over the plane of X's first two principal components, (n_units, n_features) float64.

    Memory beyond the result: O(n_features^2) float64 for up to
    :data:`WHOLE_COVARIANCE_FEATURES` features, O(n_features) blocks of
    directions beyond; X is never copied. Chunked (Dask) data bring their
    own ``principal_axes`` (one pass of per-chunk moments). ``missing``: X
    holds NaN, see :func:`pairwise_complete_axes`.
    """
    n_features = X.shape[1]
    if hasattr(X, "principal_axes"):
        variances, vectors, mean = X.principal_axes()
    elif missing:
        variances, vectors, mean = pairwise_complete_axes(X)
    else:
        X = np.asarray(X)
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        if X.shape[0] > 1:
            variances, vectors, mean = principal_axes(X)
        else:  # one sample: no spread to follow
            variances, vectors, mean = np.zeros(n_features), np.eye(n_features), X[0].astype(np.float64)
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


def complete_rows(incomplete):
    """Indices of the rows without NaN, from per-row flags (1: the row holds NaN)."""
    return np.flatnonzero(incomplete == 0)


def initial_weights(init, plan, X, n_rows, n_cols, topology_name="rectangular", incomplete=None):
    """The starting map for ``init`` (a name from :data:`fastsom.options.INITS`), (n_units, n_features) float64.

    Guts of ``SOM.fit``: ``init`` is a validated name; arrays are handled by
    the caller. ``incomplete``: (n_samples,) uint8 flags of the rows holding
    NaN, or None; with them, ``plan.init_indices`` index the complete rows
    (see :func:`fastsom.training.plan.start_plan`).
    """
    if init == "random":
        return plan.initial_weights.reshape(n_rows * n_cols, -1)
    if init == "sample":
        rows = plan.init_indices if incomplete is None else complete_rows(incomplete)[plan.init_indices]
        return np.asarray(X[rows], dtype=np.float64)  # the chosen rows only
    return pca_weights(X, n_rows, n_cols, topology_name, missing=incomplete is not None)
