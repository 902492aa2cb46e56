"""The shipped data and the labelled-map measure."""

import numpy as np
import pytest

from fastsom import metrics
from fastsom.datasets import load_digits, load_iris, make_colours


def test_iris_is_fishers():
    X, y, names, features = load_iris()
    assert X.shape == (150, 4)
    assert names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    np.testing.assert_array_equal(X[0], [5.1, 3.5, 1.4, 0.2])  # the first flower of Fisher's table
    # Published class means of petal length: 1.462, 4.260, 5.552 cm.
    np.testing.assert_allclose([X[y == k, 2].mean() for k in range(3)], [1.462, 4.260, 5.552], atol=5e-4)
    assert features[2] == "petal_length_cm"


def test_digits_come_from_scikit_learn():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


def test_colours_are_the_tutorials_normalised_integers():
    X = make_colours(100, random_state=0)
    assert X.shape == (100, 3) and X.max() == 1.0 and X.min() >= 0
    # raw integers 0..254 divided by their maximum: X * max is integral
    raw_max = np.random.default_rng(0).integers(0, 255, (3, 100)).max()
    np.testing.assert_allclose(X * raw_max, np.round(X * raw_max), atol=1e-9)


def test_bmu_purity_by_hand():
    # unit 0: labels a, a, b -> 2 of 3 in the majority; unit 3: c -> 1 of 1
    assert metrics.bmu_purity([0, 0, 0, 3], ["a", "a", "b", "c"]) == 0.75
    assert metrics.bmu_purity([1, 1, 2, 2], [0, 0, 1, 1]) == 1.0
