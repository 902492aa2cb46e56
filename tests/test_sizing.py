"""Choosing the map's size (fastsom/sizing.py): issue 14, item 2."""

import math

import numpy as np
import pytest

from fastsom import SOM, load, suggest_shape
from fastsom.sizing import suggest_units


@pytest.fixture(scope="module")
def elongated():
    """2,000 samples whose spread along the first axis is 4 times the second's (variances 16 : 1 : 0.25)."""
    return np.random.default_rng(0).standard_normal((2000, 3)) * [4.0, 1.0, 0.5]


def test_units_follow_the_toolbox_rule():
    # 5 * n ** 0.54321, worked out by hand: 500 -> 146.2, 70,000 -> 2142.4, 50 -> 41.9
    assert suggest_units(500) == 146
    assert suggest_units(70_000) == 2142
    assert suggest_units(50) == 42
    assert suggest_units(1) == 5


def test_sides_follow_the_spread_of_the_data(elongated):
    n_units = suggest_units(2000)
    rows, cols = suggest_shape(elongated)
    assert abs(rows * cols - n_units) <= max(rows, cols)
    assert rows / cols == pytest.approx(4.0, rel=0.15)  # sqrt(16 / 1), to the rounding of 9 columns
    hex_rows, hex_cols = suggest_shape(elongated, topology="hexagonal")
    assert hex_rows * math.sqrt(0.75) / hex_cols == pytest.approx(4.0, rel=0.15)
    assert suggest_shape(elongated, topology="hexagonal", toroidal=True)[0] % 2 == 0
    # the same spread rotated: the shape does not depend on the axes' orientation
    turn = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    assert suggest_shape(elongated @ turn) == (rows, cols)


def test_one_dimensional_and_constant_data():
    line = np.c_[np.arange(100.0), np.zeros(100)]
    assert suggest_shape(line) == (suggest_units(100), 1)
    # no spread at all: a square-ish map of 42 units, round(sqrt(42)) = 6 columns
    assert suggest_shape(np.ones((50, 2))) == (7, 6)


def test_auto_sizes_in_the_estimator(elongated, tmp_path):
    som = SOM("auto", "auto", algorithm="batch", n_epochs=2, random_state=0).fit(elongated)
    assert (som.settings_.n_rows, som.settings_.n_cols) == suggest_shape(elongated)
    assert som.get_params()["n_rows"] == "auto"
    assert som.weights_.shape[:2] == suggest_shape(elongated)
    som.partial_fit(elongated)  # continues the same map
    assert som.weights_.shape[:2] == suggest_shape(elongated)
    som.save(tmp_path / "m.npz")
    assert load(tmp_path / "m.npz").get_params()["n_rows"] == suggest_shape(elongated)[0]
    one_side = SOM(10, "auto", algorithm="batch", n_epochs=1).fit(elongated)
    assert one_side.weights_.shape[:2] == (10, round(suggest_units(2000) / 10))


@pytest.mark.parametrize(("params", "message"), [
    ({"n_rows": "big"}, "n_rows"),
    ({"n_rows": "auto", "topology": "triangular"}, "topology='triangular' is not one of"),
])
def test_bad_sizes_are_named(elongated, params, message):
    with pytest.raises((TypeError, ValueError), match=message):
        SOM(**{"n_cols": "auto", **params}).fit(elongated)
