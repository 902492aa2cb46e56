"""Data builders shared by the demo, the tests and the benchmarks.

Every builder is deterministic given ``random_state`` and draws from its
own ``numpy.random.default_rng``.
"""

import csv
import os
from importlib import resources

import numpy as np

from .io.idx import read_idx


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


def load_mnist(path):
    """Real MNIST from files you already have, as (X, y) with X in [0, 1].

    ``path`` may be

    * a folder holding the four IDX files (``train-images-idx3-ubyte``,
      ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
      ``t10k-labels-idx1-ubyte``, each optionally ``.gz``): all 70,000
      digits, training set first;
    * one IDX images file, whose labels file (``images`` -> ``labels``
      in the name) sits beside it;
    * an ``.npz`` with ``x_train``/``y_train`` (and optionally
      ``x_test``/``y_test``, Keras' ``mnist.npz``), or ``X``/``y``.

    Returns
    -------
    X : ndarray (n_samples, 784) float32, pixel / 255
    y : ndarray (n_samples,) int64
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no MNIST data at {path}")
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if {"x_train", "y_train"} <= names:
                parts = [("x_train", "y_train")] + ([("x_test", "y_test")] if {"x_test", "y_test"} <= names else [])
            elif {"X", "y"} <= names:
                parts = [("X", "y")]
            else:
                raise ValueError(f"{path} holds {sorted(names)}; expected x_train/y_train (Keras' mnist.npz) or X/y")
            images = [archive[x] for x, _ in parts]
            labels = [archive[y] for _, y in parts]
    else:
        if os.path.isdir(path):
            pairs = [("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                     ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
            found = []
            for image_name, label_name in pairs:
                for suffix in ("", ".gz"):
                    if os.path.exists(os.path.join(path, image_name + suffix)):
                        found.append((os.path.join(path, image_name + suffix),
                                      os.path.join(path, label_name + suffix)))
                        break
            if not found:
                raise ValueError(f"{path} holds no MNIST IDX files (train-images-idx3-ubyte[.gz], ...)")
        else:
            found = [(path, os.path.join(os.path.dirname(path),
                                         os.path.basename(path).replace("images", "labels").replace("idx3", "idx1")))]
        for _, label_path in found:
            if not os.path.exists(label_path):
                raise FileNotFoundError(f"the labels file {label_path} is missing (expected beside the images)")
        images = [read_idx(image_path) for image_path, _ in found]
        labels = [read_idx(label_path) for _, label_path in found]
    X = np.concatenate([image.reshape(len(image), -1) for image in images]).astype(np.float32)
    y = np.concatenate([label.ravel() for label in labels]).astype(np.int64)
    if len(X) != len(y):
        raise ValueError(f"{path}: {len(X)} images but {len(y)} labels")
    X /= 255.0 if X.max() > 1.0 else 1.0
    return X, y
