"""How big a map should be: the SOM Toolbox's rules of thumb, from the data.

:func:`suggest_shape` follows the principle of the SOM Toolbox 2.0 for
MATLAB (Vesanto et al., ``som_topol_struct`` and ``som_make``):

* **Units**: about ``5 * n_samples ** 0.54321`` (a little more than
  5 sqrt(n_samples): 500 samples -> 146 units, 70,000 -> 2,142);
* **Sides**: in the ratio of the data's spread along its first two
  principal axes, ``sqrt(lambda_1 / lambda_2)`` (lambda the two largest
  eigenvalues of the covariance), so the map is as elongated as the data
  and its long side (``n_rows``) follows the first axis, as the PCA start
  lays it out (:func:`fastsom.training.init.pca_weights`);
* **Hexagonal maps**: rows are sqrt(0.75) apart, so a hexagonal map needs
  1 / sqrt(0.75) more rows for the same physical proportions.

One-dimensional data (lambda_2 = 0) get a one-column map. The rest of a
fit's defaults sit with its parameters: the initial radius is
:func:`fastsom.training.schedules.initial_radius` (half the longer side),
and the run length ``ITERATIONS_PER_UNIT`` online iterations per unit or
``n_epochs`` batch epochs (:mod:`fastsom.settings`).
"""

import math

import numpy as np

from ._validation import check_X
from .topology import check_grid
from .training.init import principal_axes  # the PCA start's own eigen-decomposition

#: The toolbox's exponent: units = 5 * n_samples ** UNITS_EXPONENT.
UNITS_EXPONENT = 0.54321


def suggest_units(n_samples):
    """About ``5 * n_samples ** 0.54321`` units, at least 1."""
    return max(1, round(5 * n_samples ** UNITS_EXPONENT))


def suggest_shape(X, topology="rectangular", toroidal=False):
    """``(n_rows, n_cols)`` for a map of X: see the module docstring for the rules and their source.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    topology : {"rectangular", "hexagonal"}
    toroidal : bool
        A hexagonal torus needs an even number of rows; the suggestion has one.

    Returns
    -------
    (int, int)
        ``n_rows >= n_cols``; ``n_rows * n_cols`` close to :func:`suggest_units`.
    """
    X = check_X(X, np.float64)
    check_grid(2, 2, topology, toroidal)  # the options themselves, before any work
    n_units = suggest_units(X.shape[0])
    variances = principal_axes(X)[0] if X.shape[0] > 1 else np.zeros(2)
    first, second = float(variances[0]), float(variances[1]) if len(variances) > 1 else 0.0
    if first <= 0.0:  # all samples equal: no direction to follow
        ratio = 1.0
    elif second <= 0.0 or first / second >= n_units ** 2:
        ratio = float(n_units)  # one-dimensional data: a single column
    else:
        ratio = math.sqrt(first / second)
    row_spacing = math.sqrt(0.75) if topology == "hexagonal" else 1.0
    n_cols = min(n_units, max(1, round(math.sqrt(n_units * row_spacing / ratio))))
    n_rows = max(1, round(n_units / n_cols))
    if topology == "hexagonal" and toroidal and n_rows % 2:
        n_rows += 1
    return n_rows, n_cols
