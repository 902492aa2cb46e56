"""Distance metrics: hand-computed values, the reference, and the BMU they choose."""

import math

import numpy as np
import pytest

from fastsom import SOM
from fastsom.analysis import metrics
from fastsom.options import DISTANCES
from reference import distances as ref_distances

A = [1.0, -2.0, 3.0]
B = [0.0, 2.0, 1.0]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("euclidean", math.sqrt(1 + 16 + 4)),
        ("manhattan", 1 + 4 + 2),
        ("chebyshev", 4.0),
        # dot = 0 - 4 + 3 = -1, |A| = sqrt(14), |B| = sqrt(5)
        ("cosine", 1 + 1 / math.sqrt(70)),
    ],
)
def test_distances_by_hand(name, expected):
    X = np.array([B])
    weights = np.array([A])
    got = metrics.distances(X, weights, DISTANCES[name])[0, 0]
    assert got == pytest.approx(expected, rel=1e-15), name
    assert ref_distances.to_metric(name, ref_distances.DISTANCES[name](A, B)) == pytest.approx(expected, rel=1e-15)


def test_chebyshev_takes_the_absolute_value():
    # w - y = (-5, 1): MiniSom's max(w - y) would say 1; the distance is 5.
    got = metrics.distances(np.array([[5.0, 0.0]]), np.array([[0.0, 1.0]]), DISTANCES["chebyshev"])[0, 0]
    assert got == 5.0


def test_cosine_with_a_zero_vector_is_one():
    weights = np.array([[0.0, 0.0], [1.0, 0.0]])
    X = np.array([[0.0, 0.0], [2.0, 0.0]])
    got = metrics.distances(X, weights, DISTANCES["cosine"])
    np.testing.assert_array_equal(got, [[1.0, 1.0], [1.0, 0.0]])
    assert np.isfinite(got).all()


@pytest.mark.parametrize("name", list(DISTANCES))
def test_kernel_distances_equal_the_reference(name):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 7))
    weights = rng.normal(size=(12, 7))
    comp = metrics.distances(X, weights, DISTANCES[name])
    ref = [[ref_distances.to_metric(name, ref_distances.DISTANCES[name](w, x)) for w in weights] for x in X]
    np.testing.assert_allclose(comp, ref, rtol=1e-12, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("name", list(DISTANCES))
def test_predict_and_quantization_error_use_the_chosen_distance(name):
    rng = np.random.default_rng(4)
    X = rng.random((40, 4))
    som = SOM(3, 4, n_iterations=300, distance=name, random_state=0).fit(X)
    W = som.weights_.reshape(12, 4)
    ref = np.array([[ref_distances.DISTANCES[name](w, x) for w in W] for x in X])
    np.testing.assert_array_equal(som.predict(X), np.argmin(ref, axis=1), err_msg=name)
    expected_qe = np.mean([ref_distances.to_metric(name, d) for d in ref.min(axis=1)])
    assert som.quantization_error(X) == pytest.approx(expected_qe, rel=1e-12)


def test_distances_lead_to_different_maps():
    X = np.random.default_rng(5).random((50, 3))
    maps = [SOM(3, 3, n_iterations=500, distance=name, random_state=0).fit(X).weights_ for name in DISTANCES]
    for i in range(len(maps)):
        for j in range(i + 1, len(maps)):
            assert not np.array_equal(maps[i], maps[j])
