"""Data builders shared by the demo, the tests and the benchmarks.

Every builder is deterministic given ``random_state`` and draws from its
own ``numpy.random.default_rng``.
"""

import numpy as np


def make_colours(n_colours=100, random_state=None):
    """The tutorial's data: random RGB colours scaled to [0, 1].

    The tutorial draws ``raw_data = np.random.randint(0, 255, (3, 100))``
    (one colour per column) and normalises the whole dataset by its maximum
    (``normalise_data = True``, ``normalise_by_column = False``). This does
    the same with ``default_rng(random_state)`` and returns one colour per
    row.

    Returns
    -------
    X : ndarray, shape (n_colours, 3), float64
    """
    rng = np.random.default_rng(random_state)
    raw_data = rng.integers(0, 255, (3, n_colours))
    return (raw_data / raw_data.max()).T.copy()


def make_mnist_like(n_samples=70_000, n_features=784, dtype=np.float32, random_state=None):
    """Synthetic data of MNIST's shape: 10 noisy prototypes in [0, 1].

    Used for timing only (the values do not matter for speed, but a real
    cluster structure keeps BMU patterns realistic).

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), ``dtype``
    """
    rng = np.random.default_rng(random_state)
    prototypes = rng.random((10, n_features))
    labels = rng.integers(0, 10, n_samples)
    X = prototypes[labels].astype(dtype)
    X += rng.normal(0.0, 0.1, (n_samples, n_features)).astype(dtype)
    np.clip(X, 0.0, 1.0, out=X)
    return X
