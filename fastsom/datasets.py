"""Data builders shared by the demo, the tests and the benchmarks.

Every builder is deterministic given ``random_state`` and draws from its
own ``numpy.random.default_rng``.
"""

import csv
from importlib import resources

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


def load_iris():
    """Fisher's iris flowers, shipped with fastsom (``fastsom/data/iris.csv``).

    Returns
    -------
    X : ndarray, shape (150, 4), float64
        Sepal length, sepal width, petal length, petal width, in cm.
    y : ndarray, shape (150,), int64
        Species index into ``names``.
    names : list of str
        ``["setosa", "versicolor", "virginica"]``.
    feature_names : list of str
    """
    with resources.files("fastsom").joinpath("data/iris.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, rows = rows[0], rows[1:]
    names = sorted({row[-1] for row in rows}, key=[row[-1] for row in rows].index)
    X = np.array([[float(v) for v in row[:-1]] for row in rows])
    y = np.array([names.index(row[-1]) for row in rows], dtype=np.int64)
    return X, y, names, header[:-1]


def load_digits():
    """scikit-learn's 8x8 handwritten digits (1,797 x 64, values 0..16), if scikit-learn is installed.

    Returns
    -------
    X : ndarray, shape (1797, 64), float64
    y : ndarray, shape (1797,), int64

    Raises
    ------
    ImportError
        Without scikit-learn (``pip install scikit-learn``).
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as error:
        raise ImportError("the digits data come with scikit-learn: pip install scikit-learn") from error
    digits = sklearn_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64)
