"""The training plan: all the randomness of a fit, drawn up front.

One function, :func:`make_plan`, draws everything random from
``numpy.random.default_rng(random_state)``: first the initial weights, then
the sample order, then the rows an ``init="sample"`` map starts from (drawn
last, so the first two are the tutorial's whatever the ``init``). Kernels and the reference take the plan as arrays and
draw nothing, so a fixed seed gives the same plan, and the same plan gives
the same map in ``reference/`` and in every kernel, whatever the number of
threads. NumPy's global random state is never touched.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainingPlan:
    """What a seed decides about an online fit.

    Attributes
    ----------
    initial_weights : ndarray, shape (n_rows, n_cols, n_features), float64
        The tutorial's ``net = np.random.random((rows, cols, m))``: uniform
        on [0, 1).
    sample_indices : ndarray, shape (n_iterations,), int64
        The sample presented at each iteration (the tutorial's
        ``np.random.randint(0, n)``, drawn in one call).
    init_indices : ndarray, shape (n_rows * n_cols,), int64
        Rows of X for ``init="sample"``: distinct unless X has fewer rows
        than the map has units.
    """

    initial_weights: np.ndarray
    sample_indices: np.ndarray
    init_indices: np.ndarray


def make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, random_state=None):
    """Draw the initial weights and the sample order of an online fit.

    Parameters
    ----------
    n_rows, n_cols : int
        Map size.
    n_features, n_samples : int
        Shape of the training data.
    n_iterations : int
        Number of online iterations (samples presented).
    random_state : None, int, numpy.random.Generator
        Seed or generator for ``numpy.random.default_rng``. A generator is
        used (and advanced) as given.

    Returns
    -------
    TrainingPlan

    Examples
    --------
    >>> plan = make_plan(5, 5, 3, 100, 2000, random_state=0)
    >>> plan.initial_weights.shape, plan.sample_indices.shape
    ((5, 5, 3), (2000,))
    """
    rng = np.random.default_rng(random_state)
    initial_weights = rng.random((n_rows, n_cols, n_features))
    sample_indices = rng.integers(0, n_samples, size=n_iterations, dtype=np.int64)
    n_units = n_rows * n_cols
    init_indices = rng.choice(n_samples, size=n_units, replace=n_samples < n_units).astype(np.int64)
    return TrainingPlan(initial_weights, sample_indices, init_indices)
