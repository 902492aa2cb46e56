"""Tests of the test oracle itself: ``reference.tutorial``, ``online``, ``batch`` and ``metrics``.

The expected values here are worked out by hand, never by calling the code
under test: the batch map and the quality measures from the formulas in
their modules' docstrings (Kohonen's batch map; quantization and
topographic error, distortion, Bauer and Pawelzik's topographic product,
U-matrix), the online runs from the tutorial's formulas ("Self-Organising
Maps: In Depth", shared/seed/000_1dad0d167f75da1b.txt):

* initial radius      r0 = max(n_rows, n_cols) / 2
* time constant       lambda = n_iterations / ln(r0)
* radius              r_i = r0 * exp(-i / lambda)
* learning rate       l_i = 0.01 * exp(-i / n_iterations)
* influence           h = exp(-d2 / (2 r_i^2)), only where grid d2 <= r_i^2
* update              w <- w + l_i * h * (t - w)

The tutorial's layout: ``data`` is (m, n) = (features, samples), one sample
per column; ``net`` is (n_rows, n_cols, m).
"""

import ast
import math
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

from reference import batch, grid, metrics, online, tutorial

REFERENCE_DIR = pathlib.Path(__file__).resolve().parent.parent / "reference"

# Influence values that recur below.
E_HALF = math.exp(-0.5)  # exp(-1/(2*1^2)) ~= 0.6065306597  (d2=1, r=1)


def square_net_2x2():
    """2x2 map, m=2; unit (x, y) sits at the corner (y, x) of the unit square.

    (0,0) = [0, 0]   (0,1) = [1, 0]
    (1,0) = [0, 1]   (1,1) = [1, 1]
    """
    net = np.empty((2, 2, 2))
    net[0, 0] = [0.0, 0.0]
    net[0, 1] = [1.0, 0.0]
    net[1, 0] = [0.0, 1.0]
    net[1, 1] = [1.0, 1.0]
    return net


def grid_net_3x3():
    """3x3 map, m=3; unit (x, y) has weights [x, y, 0]."""
    net = np.empty((3, 3, 3))
    for x in range(3):
        for y in range(3):
            net[x, y] = [float(x), float(y), 0.0]
    return net


# ---------------------------------------------------------------------------
# 1. Hand-computed training runs
# ---------------------------------------------------------------------------


def test_train_2x2_one_iteration_by_hand():
    # One sample t = [0.2, 0.1], data in the tutorial's (m, n) = (2, 1) layout.
    data = np.array([[0.2], [0.1]])
    net0 = square_net_2x2()

    # BMU: squared distances to t
    #   (0,0): 0.2^2 + 0.1^2 = 0.05      <- smallest
    #   (0,1): 0.8^2 + 0.1^2 = 0.65
    #   (1,0): 0.2^2 + 0.9^2 = 0.85
    #   (1,1): 0.8^2 + 0.9^2 = 1.45
    # Parameters at i=0 (n_iterations = 1):
    #   r0 = max(2,2)/2 = 1, lambda = 1/ln(1) = inf, r_0 = 1 * exp(-0/inf) = 1
    #   l_0 = 0.01 * exp(-0/1) = 0.01
    # Grid d2 from BMU (0,0): (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->2 > r^2 = 1
    #   influence: d2=0 -> 1;  d2=1 -> exp(-1/2) = e ~= 0.60653;  d2=2 -> no update
    e = E_HALF
    expected = np.empty((2, 2, 2))
    # (0,0): [0,0] + 0.01*1*([0.2,0.1]-[0,0]) = [0.002, 0.001]
    expected[0, 0] = [0.002, 0.001]
    # (0,1): [1,0] + 0.01*e*([0.2,0.1]-[1,0]) = [1 - 0.008e, 0.001e]
    expected[0, 1] = [1.0 - 0.008 * e, 0.001 * e]  # ~ [0.995148, 0.000607]
    # (1,0): [0,1] + 0.01*e*([0.2,0.1]-[0,1]) = [0.002e, 1 - 0.009e]
    expected[1, 0] = [0.002 * e, 1.0 - 0.009 * e]  # ~ [0.001213, 0.994541]
    # (1,1): diagonal, d2 = 2 > 1: unchanged
    expected[1, 1] = [1.0, 1.0]

    net, bmus = tutorial.train(data, net0, [0])

    np.testing.assert_array_equal(bmus, [[0, 0]], err_msg="BMU of the single iteration")
    np.testing.assert_allclose(
        net, expected, rtol=0, atol=1e-15, err_msg="2x2 map after one iteration"
    )
    # the diagonal unit is not merely close: it is untouched
    np.testing.assert_array_equal(net[1, 1], [1.0, 1.0], err_msg="diagonal unit moved")


def test_train_2x2_two_iterations_second_bmu_depends_on_first_update():
    # Samples (columns): s0 = [1, 0.9], s1 = [0.5, 0.5]; plan: s0 then s1.
    data = np.array([[1.0, 0.5], [0.9, 0.5]])
    net0 = square_net_2x2()
    # n_iterations = 2: r0 = 1, lambda = 2/ln(1) = inf, so r_0 = r_1 = 1;
    #   l_0 = 0.01,  l_1 = 0.01 * exp(-1/2) = 0.01e
    e = E_HALF

    # --- iteration 0, t = s0 = [1, 0.9] --------------------------------------
    # squared distances: (0,0) 1.81, (0,1) 0.81, (1,0) 1.01, (1,1) 0.01 <- BMU
    # grid d2 from (1,1): (1,1)->0, (0,1)->1, (1,0)->1, (0,0)->2 (not updated)
    after0 = np.empty((2, 2, 2))
    # (1,1): [1,1] + 0.01*([1,0.9]-[1,1]) = [1, 1 - 0.001] = [1, 0.999]
    after0[1, 1] = [1.0, 0.999]
    # (0,1): [1,0] + 0.01e*([1,0.9]-[1,0]) = [1, 0.009e]  ~ [1, 0.005459]
    after0[0, 1] = [1.0, 0.009 * e]
    # (1,0): [0,1] + 0.01e*([1,0.9]-[0,1]) = [0.01e, 1 - 0.001e] ~ [0.006065, 0.999393]
    after0[1, 0] = [0.01 * e, 1.0 - 0.001 * e]
    # (0,0): diagonal, unchanged
    after0[0, 0] = [0.0, 0.0]

    # --- iteration 1, t = s1 = [0.5, 0.5] ------------------------------------
    # On the *initial* net all four units are at squared distance 0.5 from s1
    # (a four-way tie, which would go to (0,0)). After iteration 0:
    #   (0,0): 0.25 + 0.25                                   = 0.5
    #   (0,1): 0.5^2 + (0.5 - 0.009e)^2 = 0.25 + 0.494541^2  ~ 0.494571
    #   (1,0): (0.5 - 0.01e)^2 + (0.5 - 0.001e)^2
    #          = 0.493935^2 + 0.499393^2                     ~ 0.493366  <- BMU
    #   (1,1): 0.5^2 + 0.499^2 = 0.25 + 0.249001             = 0.499001
    # so the second BMU is (1,0) only because of the first update.
    s1 = np.array([0.5, 0.5])
    d2_after0 = ((after0 - s1) ** 2).sum(axis=2)  # plain NumPy, not the oracle
    assert np.unravel_index(np.argmin(d2_after0), (2, 2)) == (1, 0)
    assert np.sort(d2_after0.ravel())[1] - d2_after0[1, 0] > 1e-3  # clear margin

    # grid d2 from (1,0): (1,0)->0, (0,0)->1, (1,1)->1, (0,1)->2 (not updated)
    # step factors: BMU l_1*1 = 0.01e; neighbours l_1*e = 0.01e^2 = 0.01*exp(-1)
    f_bmu = 0.01 * e
    f_nb = 0.01 * e * e  # ~ 0.0036788
    expected = np.empty((2, 2, 2))
    # (1,0): w + 0.01e*(s1 - w), with w = [0.01e, 1 - 0.001e]
    #        = [0.01e + 0.01e(0.5 - 0.01e), (1 - 0.001e) + 0.01e(0.001e - 0.5)]
    expected[1, 0] = [
        0.01 * e + f_bmu * (0.5 - 0.01 * e),
        (1.0 - 0.001 * e) + f_bmu * (0.5 - (1.0 - 0.001 * e)),
    ]
    # (0,0): [0,0] + 0.01e^2 * [0.5,0.5] = [0.005e^2, 0.005e^2] ~ [0.0018394, 0.0018394]
    expected[0, 0] = [0.005 * e * e, 0.005 * e * e]
    # (1,1): [1,0.999] + 0.01e^2*([0.5,0.5]-[1,0.999]) = [1 - 0.005e^2, 0.999 - 0.00499e^2]
    expected[1, 1] = [1.0 - f_nb * 0.5, 0.999 - f_nb * 0.499]
    # (0,1): diagonal this time, keeps its iteration-0 value [1, 0.009e]
    expected[0, 1] = [1.0, 0.009 * e]

    # Sanity of the hand arithmetic: a couple of values written as decimals.
    np.testing.assert_allclose(expected[0, 0], [0.0018393972, 0.0018393972], rtol=0, atol=1e-10)
    np.testing.assert_allclose(expected[0, 1], [1.0, 0.0054587759], rtol=0, atol=1e-10)

    net, bmus = tutorial.train(data, net0, [0, 1])

    np.testing.assert_array_equal(bmus, [[1, 1], [1, 0]], err_msg="BMU sequence")
    np.testing.assert_allclose(
        net, expected, rtol=0, atol=1e-15, err_msg="2x2 map after two iterations"
    )


def test_train_2x2_radius_stays_one_without_warnings():
    # ln(1) = 0 makes lambda infinite; the port promises to silence NumPy's
    # divide-by-zero warning and keep r = 1 (diagonal never updated, even late).
    data = np.array([[0.9], [0.9]])
    net0 = square_net_2x2()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net, bmus = tutorial.train(data, net0, [0] * 5)
    # BMU is always (1,1) ([1,1] only moves towards [0.9,0.9]); (0,0) is its
    # diagonal (d2 = 2 > r^2 = 1) in every iteration, so it never moves.
    np.testing.assert_array_equal(bmus, [[1, 1]] * 5, err_msg="BMU sequence")
    np.testing.assert_array_equal(net[0, 0], [0.0, 0.0], err_msg="diagonal unit moved")


def test_train_3x3_one_iteration_by_hand():
    # t = [0.1, 0.2, 0.3]; net[x, y] = [x, y, 0]; n_iterations = 1.
    data = np.array([[0.1], [0.2], [0.3]])
    net0 = grid_net_3x3()
    # BMU: (0,0) at squared distance 0.01+0.04+0.09 = 0.14; next best (0,1) at
    #      0.01+0.64+0.09 = 0.74 and (1,0) at 0.81+0.04+0.09 = 0.94.
    # r0 = max(3,3)/2 = 1.5, lambda = 1/ln(1.5); at i=0: r = 1.5, r^2 = 2.25
    # l_0 = 0.01
    # grid d2 from (0,0):
    #   d2=0: (0,0)         influence 1
    #   d2=1: (0,1), (1,0)  influence exp(-1/(2*2.25)) = exp(-2/9) = a ~= 0.800737
    #   d2=2: (1,1)         influence exp(-2/(2*2.25)) = exp(-4/9) = b ~= 0.641180
    #   d2=4: (0,2), (2,0)  4 > 2.25: not updated
    #   d2=5: (1,2), (2,1); d2=8: (2,2): not updated
    a = math.exp(-2.0 / 9.0)
    b = math.exp(-4.0 / 9.0)
    expected = grid_net_3x3()
    # (0,0): [0,0,0] + 0.01*[0.1,0.2,0.3] = [0.001, 0.002, 0.003]
    expected[0, 0] = [0.001, 0.002, 0.003]
    # (0,1): [0,1,0] + 0.01a*[0.1,-0.8,0.3] = [0.001a, 1-0.008a, 0.003a]
    expected[0, 1] = [0.001 * a, 1.0 - 0.008 * a, 0.003 * a]
    # (1,0): [1,0,0] + 0.01a*[-0.9,0.2,0.3] = [1-0.009a, 0.002a, 0.003a]
    expected[1, 0] = [1.0 - 0.009 * a, 0.002 * a, 0.003 * a]
    # (1,1): [1,1,0] + 0.01b*[-0.9,-0.8,0.3] = [1-0.009b, 1-0.008b, 0.003b]
    expected[1, 1] = [1.0 - 0.009 * b, 1.0 - 0.008 * b, 0.003 * b]
    # all other units keep [x, y, 0]

    net, bmus = tutorial.train(data, net0, [0])

    np.testing.assert_array_equal(bmus, [[0, 0]], err_msg="BMU of the single iteration")
    np.testing.assert_allclose(
        net, expected, rtol=0, atol=1e-15, err_msg="3x3 map after one iteration"
    )
    for x, y in [(0, 2), (2, 0), (1, 2), (2, 1), (2, 2)]:
        np.testing.assert_array_equal(
            net[x, y], [x, y, 0.0], err_msg=f"unit {(x, y)} outside the radius moved"
        )


def test_train_3x3_two_iterations_radius_shrinks():
    # Samples: s0 = [0.1, 0.2, 0.3] (near unit (0,0)), s1 = [2, 1.9, 0] (near (2,2)).
    data = np.array([[0.1, 2.0], [0.2, 1.9], [0.3, 0.0]])
    net0 = grid_net_3x3()
    # n_iterations = 2: r0 = 1.5, lambda = 2/ln(1.5)
    #   i=0: r = 1.5, r^2 = 2.25, l = 0.01        (same as the 1-iteration case)
    #   i=1: r = 1.5*exp(-ln(1.5)/2) = sqrt(1.5), r^2 = 1.5, l = 0.01*exp(-1/2)
    # So at i=1 a diagonal neighbour (d2=2) is no longer inside the radius.
    a = math.exp(-2.0 / 9.0)
    b = math.exp(-4.0 / 9.0)
    e = E_HALF
    k = math.exp(-1.0 / 3.0)  # influence at d2=1 with r^2=1.5: exp(-1/(2*1.5)) ~= 0.716531

    # After iteration 0 (see test_train_3x3_one_iteration_by_hand):
    expected = grid_net_3x3()
    expected[0, 0] = [0.001, 0.002, 0.003]
    expected[0, 1] = [0.001 * a, 1.0 - 0.008 * a, 0.003 * a]
    expected[1, 0] = [1.0 - 0.009 * a, 0.002 * a, 0.003 * a]
    expected[1, 1] = [1.0 - 0.009 * b, 1.0 - 0.008 * b, 0.003 * b]

    # Iteration 1, t = [2, 1.9, 0]. (2,2) = [2,2,0] was untouched, distance
    # 0.01; next best (2,1) = [2,1,0] at 0.81, (1,2) = [1,2,0] at 1.01. BMU (2,2).
    # grid d2 from (2,2): (2,1),(1,2) -> 1 (influence k); (1,1) -> 2 > 1.5: NOT
    # updated (it would have been at i=0); everything else farther.
    # (2,2): [2,2,0] + 0.01e*[0,-0.1,0]   = [2, 2 - 0.001e, 0]
    expected[2, 2] = [2.0, 2.0 - 0.001 * e, 0.0]
    # (2,1): [2,1,0] + 0.01e*k*[0,0.9,0]  = [2, 1 + 0.009ek, 0]
    expected[2, 1] = [2.0, 1.0 + 0.009 * e * k, 0.0]
    # (1,2): [1,2,0] + 0.01e*k*[1,-0.1,0] = [1 + 0.01ek, 2 - 0.001ek, 0]
    expected[1, 2] = [1.0 + 0.01 * e * k, 2.0 - 0.001 * e * k, 0.0]

    net, bmus = tutorial.train(data, net0, [0, 1])

    np.testing.assert_array_equal(bmus, [[0, 0], [2, 2]], err_msg="BMU sequence")
    np.testing.assert_allclose(
        net, expected, rtol=0, atol=1e-15, err_msg="3x3 map after two iterations"
    )
    # (1,1) keeps exactly its iteration-0 value: the radius really shrank.
    np.testing.assert_allclose(
        net[1, 1], [1.0 - 0.009 * b, 1.0 - 0.008 * b, 0.003 * b], rtol=0, atol=1e-15,
        err_msg="diagonal unit updated at i=1 although r^2 = 1.5 < 2",
    )


# ---------------------------------------------------------------------------
# 2. find_bmu
# ---------------------------------------------------------------------------


def test_find_bmu_tie_goes_to_lowest_row_major_index():
    # Units (0,1) and (1,0) are identical and both exactly equal to t.
    net = np.array(
        [
            [[5.0, 5.0], [1.0, 1.0]],
            [[1.0, 1.0], [7.0, 7.0]],
        ]
    )
    t = np.array([[1.0], [1.0]])
    bmu, bmu_idx = tutorial.find_bmu(t, net, 2)
    np.testing.assert_array_equal(bmu_idx, [0, 1], err_msg="tie must go to (0,1), row-major first")
    np.testing.assert_array_equal(bmu, [[1.0], [1.0]], err_msg="returned BMU vector")
    assert bmu.shape == (2, 1)


def test_find_bmu_all_units_equal_gives_first_unit():
    net = np.full((2, 3, 2), 0.5)
    t = np.array([[0.0], [0.0]])
    _, bmu_idx = tutorial.find_bmu(t, net, 2)
    np.testing.assert_array_equal(bmu_idx, [0, 0], err_msg="all tied: first unit")


def test_find_bmu_tie_between_first_and_last_unit():
    # (0,0) and (1,1) tie at squared distance 1 from t; (0,1), (1,0) are farther.
    net = np.array(
        [
            [[0.0, 0.0], [3.0, 3.0]],
            [[3.0, 3.0], [0.0, 2.0]],
        ]
    )
    t = np.array([[0.0], [1.0]])
    _, bmu_idx = tutorial.find_bmu(t, net, 2)
    np.testing.assert_array_equal(bmu_idx, [0, 0], err_msg="tie must keep the earlier unit")


def test_find_bmu_picks_last_unit_when_strictly_closest():
    # squared distances to t = [1, 1]: (0,0) 2, (0,1) 1, (1,0) 1, (1,1) 0.01
    net = np.array(
        [
            [[0.0, 0.0], [1.0, 0.0]],
            [[0.0, 1.0], [0.9, 1.0]],
        ]
    )
    t = np.array([[1.0], [1.0]])
    bmu, bmu_idx = tutorial.find_bmu(t, net, 2)
    np.testing.assert_array_equal(bmu_idx, [1, 1], err_msg="closest unit is the last one")
    np.testing.assert_array_equal(bmu, [[0.9], [1.0]], err_msg="returned BMU vector")


def test_online_find_bmu_tie_goes_to_lowest_index():
    weights = [[5.0, 5.0], [1.0, 1.0], [1.0, 1.0], [7.0, 7.0]]
    assert online.find_bmu([1.0, 1.0], weights) == 1
    assert online.find_bmu([100.0, 100.0], [[0.0, 0.0]] * 4) == 0


# ---------------------------------------------------------------------------
# 3. normalise
# ---------------------------------------------------------------------------

# (m, n) = (2 variables, 3 samples): variable 0 is row 0, variable 1 is row 1.
# Row maxima: 4 and 20. Column (per-sample) maxima: 10, 20, 5. Global max: 20.
RAW = np.array(
    [
        [1.0, 2.0, 4.0],
        [10.0, 20.0, 5.0],
    ]
)


def test_normalise_whole_dataset_divides_by_global_max():
    raw = RAW.copy()
    # every entry / 20
    expected = np.array(
        [
            [0.05, 0.10, 0.20],
            [0.50, 1.00, 0.25],
        ]
    )
    out = tutorial.normalise(raw, normalise_data=True, normalise_by_column=False)
    np.testing.assert_allclose(out, expected, rtol=0, atol=0, err_msg="global-max normalisation")
    np.testing.assert_array_equal(raw, RAW, err_msg="normalise modified its input")


def test_normalise_default_is_whole_dataset():
    out = tutorial.normalise(RAW.copy())
    np.testing.assert_allclose(out, RAW / 20.0, rtol=0, atol=0, err_msg="default options")


def test_normalise_by_column_divides_each_variable_row_by_its_own_max():
    raw = RAW.copy()
    # row 0 / 4, row 1 / 20 (per variable = per row in the (m, n) layout).
    # The printed tutorial's axis=0 would instead give per-sample maxima:
    # [[0.1, 0.1, 0.8], [1, 1, 1]], which must NOT be what we get.
    expected = np.array(
        [
            [0.25, 0.50, 1.00],
            [0.50, 1.00, 0.25],
        ]
    )
    out = tutorial.normalise(raw, normalise_data=True, normalise_by_column=True)
    np.testing.assert_allclose(out, expected, rtol=0, atol=0, err_msg="per-variable normalisation")
    np.testing.assert_array_equal(raw, RAW, err_msg="normalise modified its input")


def test_normalise_disabled_returns_data_unchanged():
    for by_column in (False, True):
        raw = RAW.copy()
        out = tutorial.normalise(raw, normalise_data=False, normalise_by_column=by_column)
        np.testing.assert_array_equal(out, RAW, err_msg=f"normalise_data=False, by_column={by_column}")
        np.testing.assert_array_equal(raw, RAW, err_msg="normalise modified its input")


# ---------------------------------------------------------------------------
# 4. Cross-check of the two oracles
# ---------------------------------------------------------------------------


def test_online_gaussian_cutoff_matches_tutorial_train():
    rng = np.random.default_rng(0)
    n_rows, n_cols, m = 3, 4, 3
    n_samples, n_iterations = 20, 50
    X = rng.random((n_samples, m))  # library layout (n_samples, n_features)
    W0 = rng.random((n_rows * n_cols, m))  # (n_units, m), row-major units
    sample_indices = rng.integers(0, n_samples, n_iterations)

    # The tutorial's schedule, written out (not taken from tutorial.decay_*).
    # np.exp (not math.exp) so that sigma is bit-identical to the tutorial's r:
    # at i = 25 here r^2 = 4*exp(-ln 2) = 2 up to rounding (it evaluates to
    # 2.0000000000000004), so the d2 = 2 cutoff depends on the last bit.
    r0 = max(n_rows, n_cols) / 2  # 2.0
    lam = n_iterations / np.log(r0)
    i = np.arange(n_iterations)
    sigma = r0 * np.exp(-i / lam)
    learning_rate = 0.01 * np.exp(-i / n_iterations)

    W_online, bmus_online = online.train_online(
        X, W0, grid.distance_function(n_rows, n_cols), sample_indices,
        learning_rate, sigma, "gaussian_cutoff",
    )
    net_tut, bmus_tut = tutorial.train(X.T, W0.reshape(n_rows, n_cols, m), sample_indices)

    np.testing.assert_array_equal(
        bmus_online, bmus_tut[:, 0] * n_cols + bmus_tut[:, 1], err_msg="BMU sequences differ"
    )
    np.testing.assert_allclose(
        W_online, net_tut.reshape(n_rows * n_cols, m), rtol=0, atol=1e-12,
        err_msg="online(gaussian_cutoff) vs tutorial.train weights",
    )
    # guard against a vacuous pass: training actually moved the weights
    assert np.abs(W_online - W0).max() > 1e-3


def test_reference_grid_distances_by_hand():
    # rectangular 2x3, row-major: unit 5 = (row 1, col 2); 1^2 + 2^2 = 5
    assert grid.squared_distance(0, 5, 2, 3) == 5.0
    assert grid.squared_distance(4, 1, 2, 3) == 1.0
    # hexagonal 3x3: unit 4 = (row 1, col 1) sits at x = 1.5. Rows 0 and 2 have
    # x = 0, 1, 2: dx = 1.5, 0.5, 0.5 with dy^2 = 3/4 -> 3, 1, 1. Row 1 has
    # x = 0.5, 1.5, 2.5 -> 1, 0, 1. Six neighbours at exactly 1.
    hex_d2 = [grid.squared_distance(4, v, 3, 3, "hexagonal") for v in range(9)]
    assert hex_d2 == [3.0, 1.0, 1.0, 1.0, 0.0, 1.0, 3.0, 1.0, 1.0]
    # torus 4x5: wrapping a row or a column costs one step
    assert grid.squared_distance(0, 4, 4, 5, toroidal=True) == 1.0
    assert grid.squared_distance(0, 15, 4, 5, toroidal=True) == 1.0
    assert grid.squared_distance(0, 19, 4, 5, toroidal=True) == 2.0
    assert grid.squared_distance(0, 19, 4, 5, toroidal=False) == 9.0 + 16.0
    # hexagonal torus 4x4: unit 15 (row 3, x = 3.5) is a neighbour of unit 0
    # across both seams: dx = 0 - 3.5 + 4 = 0.5, drow = 0 - 3 + 4 = 1 -> 1/4 + 3/4
    assert grid.squared_distance(0, 15, 4, 4, "hexagonal", toroidal=True) == 1.0


# ---------------------------------------------------------------------------
# 5. Hand-computed batch epochs (reference.batch)
# ---------------------------------------------------------------------------
#
# Kohonen's batch map, one epoch: every sample's BMU under the epoch's
# starting weights; S[v], n[v] = sum and count of the samples unit v wins;
# w[u] = sum_v h(d2(u, v)) S[v] / sum_v h(d2(u, v)) n[v], and a unit whose
# denominator is exactly 0 keeps its vector.


def test_batch_1x2_gaussian_two_epochs_by_hand():
    # 1x2 map, one feature: units 0 and 1 at 0.0 and 1.0; grid d2(0, 1) = 1.
    X = np.array([[0.2], [0.4], [0.9]])
    W0 = np.array([[0.0], [1.0]])
    # Epoch 1, sigma = 1: h(0) = 1, h(1) = exp(-1/2) = e.
    #   BMUs: 0.2 -> 0 (0.04 < 0.64), 0.4 -> 0 (0.16 < 0.36), 0.9 -> 1 (0.01 < 0.81)
    #   S = [0.2 + 0.4, 0.9] = [0.6, 0.9], n = [2, 1]
    #   w0 = (1 * 0.6 + e * 0.9) / (1 * 2 + e * 1) ~ 1.145878 / 2.606531 ~ 0.439618
    #   w1 = (e * 0.6 + 1 * 0.9) / (e * 2 + 1 * 1) ~ 1.263918 / 2.213061 ~ 0.571118
    e = E_HALF
    w1 = [[(0.6 + 0.9 * e) / (2 + e)], [(0.6 * e + 0.9) / (2 * e + 1)]]
    np.testing.assert_allclose(w1, [[0.439618], [0.571118]], rtol=0, atol=1e-6)  # the decimals above
    # Epoch 2, sigma = 0.5: h(1) = exp(-1 / (2 * 0.25)) = exp(-2) = g.
    #   BMUs under w1: 0.2 -> 0 (0.2396 < 0.3711), 0.4 -> 0 (0.0396 < 0.1711),
    #   0.9 -> 1 (0.3289 < 0.4604): the same S and n, a narrower neighbourhood.
    g = math.exp(-2.0)
    expected = [[(0.6 + 0.9 * g) / (2 + g)], [(0.6 * g + 0.9) / (2 * g + 1)]]  # ~ [0.338, 0.772]

    comp_w, comp_bmus = batch.train_batch(X, W0, grid.distance_function(1, 2), [1.0, 0.5], "gaussian")

    np.testing.assert_array_equal(comp_bmus, [0, 0, 1], err_msg="BMUs of the last epoch")
    np.testing.assert_allclose(comp_w, expected, rtol=0, atol=1e-15, err_msg="1x2 map after two epochs")
    one_epoch, _ = batch.train_batch(X, W0, grid.distance_function(1, 2), [1.0], "gaussian")
    np.testing.assert_allclose(one_epoch, w1, rtol=0, atol=1e-15, err_msg="1x2 map after one epoch")


def test_batch_2x2_units_that_win_nothing_follow_their_neighbours():
    # 2x2 map, units numbered row-major: 0 (0,0), 1 (0,1), 2 (1,0), 3 (1,1).
    # Grid d2: 0-1, 0-2, 1-3, 2-3 -> 1; 0-3, 1-2 -> 2 (diagonals).
    X = np.array([[0.1, 0.2], [0.8, 0.1]])
    W0 = square_net_2x2().reshape(4, 2)  # [0,0], [1,0], [0,1], [1,1]
    # BMUs: [0.1,0.2] -> unit 0 (0.05; unit 1: 0.85, unit 2: 0.65)
    #       [0.8,0.1] -> unit 1 (0.05; unit 0: 0.65, unit 3: 0.85)
    # S0 = [0.1, 0.2], n0 = 1; S1 = [0.8, 0.1], n1 = 1; units 2, 3 win nothing.
    # sigma = 1: h(0) = 1, h(1) = e = exp(-1/2), h(2) = e^2 = exp(-1).
    e = E_HALF
    S0, S1 = np.array([0.1, 0.2]), np.array([0.8, 0.1])
    expected = np.array([
        (1 * S0 + e * S1) / (1 + e),          # unit 0: its own sample, unit 1's next door
        (e * S0 + 1 * S1) / (e + 1),          # unit 1: the mirror image
        (e * S0 + e * e * S1) / (e + e * e),  # unit 2: next to 0, diagonal to 1 -> unit 0's value
        (e * e * S0 + e * S1) / (e * e + e),  # unit 3: next to 1, diagonal to 0 -> unit 1's value
    ])
    # unit 0 ~ [(0.1 + 0.485225) / 1.606531, (0.2 + 0.060653) / 1.606531]
    np.testing.assert_allclose(expected[0], [0.364278, 0.162246], rtol=0, atol=1e-6)

    comp_w, comp_bmus = batch.train_batch(X, W0, grid.distance_function(2, 2), [1.0], "gaussian")

    np.testing.assert_array_equal(comp_bmus, [0, 1])
    np.testing.assert_allclose(comp_w, expected, rtol=0, atol=1e-15, err_msg="2x2 map after one epoch")
    np.testing.assert_allclose(comp_w[2], comp_w[0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(comp_w[3], comp_w[1], rtol=0, atol=1e-15)


def test_batch_tied_samples_go_to_the_lowest_unit_and_a_zero_denominator_keeps_the_vector():
    # 1x2 map, bubble: h = 1 where d2 <= sigma^2, else 0.
    X = np.array([[0.0], [0.45], [1.0]])
    W0 = np.array([[0.0], [1.0]])
    # Epoch 1, sigma = 1 (d2(0, 1) = 1 <= 1: both units see both).
    #   BMUs: 0.0 -> 0, 0.45 -> 0 (0.2025 < 0.3025), 1.0 -> 1; S = [0.45, 1.0], n = [2, 1]
    #   w0 = w1 = (0.45 + 1.0) / (2 + 1) = 1.45 / 3, the same sums in the same order: equal bits.
    # Epoch 2, sigma = 0.5 (each unit sees itself only).
    #   Both units at 1.45 / 3: every sample is tied and goes to unit 0.
    #   S = [1.45, 0], n = [3, 0]: w0 = 1.45 / 3; unit 1's denominator is 0: it keeps 1.45 / 3.
    comp_w, comp_bmus = batch.train_batch(X, W0, grid.distance_function(1, 2), [1.0, 0.5], "bubble")
    np.testing.assert_array_equal(comp_bmus, [0, 0, 0], err_msg="ties go to the lowest unit index")
    np.testing.assert_allclose(comp_w, [[1.45 / 3], [1.45 / 3]], rtol=0, atol=1e-15)
    # And with no neighbour in reach from the start, a unit that wins nothing keeps its vector exactly.
    comp_w, comp_bmus = batch.train_batch(X[:2], W0, grid.distance_function(1, 2), [0.5], "bubble")
    np.testing.assert_array_equal(comp_bmus, [0, 0])
    np.testing.assert_array_equal(comp_w, [[0.225], [1.0]])  # (0.0 + 0.45) / 2; unit 1 untouched


def test_batch_mexican_hat_is_applied_as_written():
    # 1x3 map at 0, 5, 10; both samples are unit 0's: S0 = 1 + 2 = 3, n0 = 2.
    # sigma = 1: h(d2) = (1 - d2) exp(-d2 / 2): h(0) = 1, h(1) = 0 exactly,
    # h(4) = -3 exp(-2) < 0.
    #   unit 0: (1 * 3) / (1 * 2) = 1.5
    #   unit 1: 0 * 3 / (0 * 2): denominator exactly 0, keeps 5
    #   unit 2: (-3 exp(-2) * 3) / (-3 exp(-2) * 2) = 1.5: a negative weight over a negative sum
    X = np.array([[1.0], [2.0]])
    W0 = np.array([[0.0], [5.0], [10.0]])
    comp_w, comp_bmus = batch.train_batch(X, W0, grid.distance_function(1, 3), [1.0], "mexican_hat")
    np.testing.assert_array_equal(comp_bmus, [0, 0])
    np.testing.assert_allclose(comp_w, [[1.5], [5.0], [1.5]], rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# 6. Hand-computed quality measures (reference.metrics)
# ---------------------------------------------------------------------------


def test_two_best_units_break_ties_by_the_lowest_index():
    weights = [[1.0], [3.0], [3.0], [1.0]]
    # x = 2: every unit at squared distance 1 -> best 0, second 1.
    assert metrics.two_best_units([2.0], weights) == (0, 1)
    # x = 0: squared distances 1, 9, 9, 1 -> best 0, second 3 (tied with 0, before 1 and 2).
    assert metrics.two_best_units([0.0], weights) == (0, 3)
    # x = 3.5: 6.25, 0.25, 0.25, 6.25 -> best 1, second 2.
    assert metrics.two_best_units([3.5], weights) == (1, 2)
    assert metrics.two_best_units([7.0], [[1.0]]) == (0, None)


def test_quantization_error_by_hand_for_every_distance():
    # One feature: |x - w| to units 0.0 and 1.0 for 0.2, 0.4, 0.9 -> 0.2, 0.4, 0.1.
    X = [[0.2], [0.4], [0.9]]
    for distance in ("euclidean", "manhattan", "chebyshev"):
        assert metrics.quantization_error(X, [[0.0], [1.0]], distance) == pytest.approx(0.7 / 3, rel=1e-15)
    # Two features: x = [2, 2], units [0, 0] and [3, 4] (offsets [2, 2] and [-1, -2]).
    #   euclidean: sqrt(8) ~ 2.83 vs sqrt(5) ~ 2.24      -> sqrt(5)
    #   manhattan: 4 vs 3                                -> 3
    #   chebyshev: 2 vs 2, a tie                         -> 2
    #   cosine:    1 (the zero vector has no direction) vs 1 - (6 + 8) / (sqrt(8) * 5) = 1 - 0.7 sqrt(2) -> the latter
    x, weights = [[2.0, 2.0]], [[0.0, 0.0], [3.0, 4.0]]
    assert metrics.quantization_error(x, weights, "euclidean") == pytest.approx(math.sqrt(5), rel=1e-15)
    assert metrics.quantization_error(x, weights, "manhattan") == 3.0
    assert metrics.quantization_error(x, weights, "chebyshev") == 2.0
    assert metrics.quantization_error(x, weights, "cosine") == pytest.approx(1 - 0.7 * math.sqrt(2), rel=1e-13)


def test_topographic_error_by_hand_on_a_2x2_map():
    # Units 0 (0,0) [0, 0]; 1 (0,1) [5, 5]; 2 (1,0) [5, -5]; 3 (1,1) [1, 0].
    weights = [[0.0, 0.0], [5.0, 5.0], [5.0, -5.0], [1.0, 0.0]]
    grid_d2 = grid.distance_function(2, 2)
    X = [
        [0.4, 0.0],  # best 0 (0.16), second 3 (0.36): a diagonal pair, d2 = 2
        [0.6, 0.0],  # best 3 (0.16), second 0 (0.36): the same diagonal
        [5.0, 4.0],  # best 1 (1), second 3 (32; unit 0: 41, unit 2: 81): an edge, d2 = 1
    ]
    assert metrics.topographic_error(X, weights, grid_d2, max_d2=1.0) == 2 / 3  # 4-connected
    assert metrics.topographic_error(X, weights, grid_d2, max_d2=2.0) == 0.0  # 8-connected


def test_distortion_by_hand_on_a_1x3_map():
    # Units at 0, 1, 3; gaussian, sigma = 1: h(0) = 1, h(1) = exp(-1/2) = e, h(4) = exp(-2).
    # x = 0.5: units 0 and 1 tie (0.25 each) -> BMU 0; grid d2 to units 0, 1, 2: 0, 1, 4
    #   energy 1 * 0.5^2 + e * 0.5^2 + exp(-2) * 2.5^2 = 0.25 + 0.25 e + 6.25 exp(-2)
    # x = 3: BMU 2; grid d2 to units 0, 1, 2: 4, 1, 0
    #   energy exp(-2) * 3^2 + e * 2^2 + 1 * 0^2 = 9 exp(-2) + 4 e
    e, g = E_HALF, math.exp(-2.0)
    expected = (0.25 + 0.25 * e + 6.25 * g + 9 * g + 4 * e) / 2  # ~ 2.4458
    comp = metrics.distortion([[0.5], [3.0]], [[0.0], [1.0], [3.0]], grid.distance_function(1, 3), 1.0,
                              online.gaussian)
    assert comp == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(2.445809, abs=1e-6)


def test_topographic_product_by_hand_on_a_1x3_map():
    # Weights 0, 10, 1 on a line of three units (grid distances 1 and 2 from the ends).
    # Unit 0: grid order 1, 2; data order 2 (at 1), 1 (at 10).
    #   k = 1: Q1 = d_V(0, 1) / d_V(0, 2) = 10 / 1, Q2 = d_A(0, 1) / d_A(0, 2) = 1 / 2 -> P3 = (5)^(1/2)
    #   k = 2: both orders hold {1, 2}: the product is 1 -> log 1 = 0
    # Unit 1: grid order 0, 2 (a tie at 1: lower index first); data order 2 (at 9), 0 (at 10).
    #   k = 1: Q1 = 10 / 9, Q2 = 1 / 1 -> P3 = (10/9)^(1/2)
    # Unit 2: grid order 1, 0; data order 0 (at 1), 1 (at 9).
    #   k = 1: Q1 = 9 / 1, Q2 = 1 / 2 -> P3 = (4.5)^(1/2)
    # P = 1 / (3 * 2) * (log 5 + log(10/9) + log 4.5) / 2 = log(25) / 12
    grid_d2 = grid.distance_function(1, 3)
    assert metrics.topographic_product([[0.0], [10.0], [1.0]], grid_d2) == pytest.approx(math.log(25) / 12,
                                                                                           rel=1e-14)
    # Weights in grid order (0, 1, 3): both orders agree for every unit -> exactly 0.
    assert metrics.topographic_product([[0.0], [1.0], [3.0]], grid_d2) == 0.0


def test_umatrix_by_hand_on_a_2x2_map():
    # Units 0 [0, 0], 1 [3, 0], 2 [0, 4], 3 [3, 8]; edges 0-1: 3, 0-2: 4, 1-3: 8, 2-3: 5;
    # diagonals 0-3: sqrt(73), 1-2: 5.
    weights = [[0.0, 0.0], [3.0, 0.0], [0.0, 4.0], [3.0, 8.0]]
    grid_d2 = grid.distance_function(2, 2)
    four = metrics.umatrix(weights, grid_d2, max_d2=1.0)
    assert four == pytest.approx([(3 + 4) / 2, (3 + 8) / 2, (4 + 5) / 2, (8 + 5) / 2], rel=1e-15)
    eight = metrics.umatrix(weights, grid_d2, max_d2=2.0)
    expected = [(3 + 4 + math.sqrt(73)) / 3, (3 + 5 + 8) / 3, (4 + 5 + 5) / 3, (8 + 5 + math.sqrt(73)) / 3]
    assert eight == pytest.approx(expected, rel=1e-15)
    assert all(math.isnan(v) for v in metrics.umatrix([[1.0]], grid.distance_function(1, 1), 2.0))


# ---------------------------------------------------------------------------
# 7. No mutation of inputs
# ---------------------------------------------------------------------------


def test_train_does_not_modify_input_net():
    rng = np.random.default_rng(1)
    data = rng.random((3, 10))
    net0 = rng.random((3, 3, 3))
    net0_copy = net0.copy()
    net, _ = tutorial.train(data, net0, rng.integers(0, 10, 20))
    np.testing.assert_array_equal(net0, net0_copy, err_msg="tutorial.train modified its input net")
    assert not np.array_equal(net, net0_copy)  # and it did train


def test_train_online_does_not_modify_input_weights():
    rng = np.random.default_rng(2)
    X = rng.random((10, 3))
    W0 = rng.random((9, 3))
    W0_copy = W0.copy()
    n = 20
    W, _ = online.train_online(
        X, W0, grid.distance_function(3, 3), rng.integers(0, 10, n),
        [0.5] * n, [1.0] * n, "gaussian",
    )
    np.testing.assert_array_equal(W0, W0_copy, err_msg="train_online modified its input weights")
    assert not np.array_equal(W, W0_copy)


# ---------------------------------------------------------------------------
# Independence of the oracle
# ---------------------------------------------------------------------------


def test_reference_imports_nothing_from_fastsom_or_numba():
    sources = sorted(REFERENCE_DIR.glob("*.py"))
    assert {p.name for p in sources} >= {"__init__.py", "tutorial.py", "online.py", "batch.py", "metrics.py"}
    for path in sources:
        text = path.read_text()
        # line check: no import line mentions them
        for lineno, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert "fastsom" not in stripped and "numba" not in stripped, (
                    f"{path.name}:{lineno}: {stripped}"
                )
        # AST check: also catches indented / conditional imports
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ("fastsom", "numba"), f"{path.name}: imports {name}"


def test_importing_reference_loads_neither_fastsom_nor_numba():
    code = (
        "import sys, reference.tutorial, reference.online, reference.batch, reference.metrics; "
        "bad = [k for k in sys.modules if k.split('.')[0] in ('fastsom', 'numba')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=str(REFERENCE_DIR.parent), capture_output=True, text=True,
        env={"PYTHONPATH": str(REFERENCE_DIR.parent), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
