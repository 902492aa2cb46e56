"""fastsom.compat.MiniSom against MiniSom itself: its own test case, and the same maps bit for bit.

The installed ``minisom`` module is the oracle: its ``TestMinisom`` runs
unmodified with the module's ``MiniSom`` bound to the compat class, and
every comparison trains MiniSom and the compat class side by side from the
same seed. Both are skipped, with the reason, when minisom is not
installed (``pip install -e .[test]`` brings it).
"""

import io
import pickle
import unittest
import warnings

import numpy as np
import pytest

from fastsom.compat import MiniSom
from fastsom.compat.minisom import DISTANCES
from fastsom.compat.plan import pairwise_order
from fastsom.kernels import lanes
from fastsom.kernels import minisom as kernels


@pytest.fixture(scope="module")
def peer():
    return pytest.importorskip("minisom", reason="minisom is not installed: pip install minisom (the test extra)")


class _Counted(MiniSom):
    """The compat class, counting its instances (module level: MiniSom's test case pickles them)."""

    created = 0

    def __init__(self, *args, **kwargs):
        type(self).created += 1
        super().__init__(*args, **kwargs)


def test_minisoms_own_test_case_passes_against_the_compat_class(peer, monkeypatch, tmp_path):
    monkeypatch.setattr(peer, "MiniSom", _Counted)
    monkeypatch.chdir(tmp_path)  # its pickling test writes som.p into the working directory
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(peer.TestMinisom)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MiniSom's own advice (sigma too high...), which its tests trigger
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    problems = [f"{test.id()}: {trace.splitlines()[-1]}" for test, trace in result.failures + result.errors]
    assert not problems, "\n".join(problems)
    assert result.testsRun == suite.countTestCases() >= 40
    assert _Counted.created >= result.testsRun, "the test case did not build the compat class"


# ------------------------------------------------------------- same maps

DATA = np.random.default_rng(7).random((120, 13))

#: (constructor arguments, training call, its arguments): every option MiniSom offers.
CONFIGURATIONS = [
    ({}, "train_random", (300,)),
    ({}, "train", (300,)),
    ({"sigma": 2.5}, "train", (2,), {"use_epochs": True, "random_order": True}),
    ({"sigma": 2.0, "neighborhood_function": "mexican_hat"}, "train_random", (300,)),
    ({"sigma": 2.0, "neighborhood_function": "bubble"}, "train_random", (300,)),
    ({"sigma": 3.0, "neighborhood_function": "triangle"}, "train_random", (300,)),
    ({"sigma": 2.0, "topology": "hexagonal"}, "train_random", (300,)),
    ({"sigma": 2.0, "topology": "hexagonal", "neighborhood_function": "mexican_hat"}, "train_random", (300,)),
    ({"activation_distance": "cosine"}, "train_random", (300,)),
    ({"activation_distance": "manhattan"}, "train_random", (300,)),
    ({"activation_distance": "chebyshev"}, "train_random", (300,)),
    ({"sigma": 3.0, "decay_function": "linear_decay_to_zero", "sigma_decay_function": "linear_decay_to_one"},
     "train_random", (300,)),
    ({"sigma": 3.0, "decay_function": "inverse_decay_to_zero", "sigma_decay_function": "inverse_decay_to_one"},
     "train_random", (300,)),
    ({}, "train", (300,), {"random_order": True, "fixed_points": {3: (0, 0), 50: (5, 6)}}),
    ({"sigma": 1.5}, "train_batch_offline", (6,)),
    ({"sigma": 1.5, "topology": "hexagonal", "neighborhood_function": "mexican_hat"}, "train_batch_offline", (4,)),
    ({"sigma": 2.0, "neighborhood_function": "bubble", "activation_distance": "cosine"}, "train_batch_offline", (4,)),
]


def _pair(peer, kwargs, shape=(6, 7, 13), seed=3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peer.MiniSom(*shape, random_seed=seed, **kwargs), MiniSom(*shape, random_seed=seed, **kwargs)


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=lambda c: f"{c[1]}-{c[0]}")
def test_the_same_seed_gives_minisoms_map_bit_for_bit(peer, configuration):
    kwargs, method, args, *rest = configuration
    options = rest[0] if rest else {}
    theirs, ours = _pair(peer, kwargs)
    assert np.array_equal(theirs.get_weights(), ours.get_weights()), "initial weights differ"
    getattr(theirs, method)(DATA, *args, **options)
    getattr(ours, method)(DATA, *args, **options)
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights(), err_msg=f"{kwargs} {method}")
    assert [ours.winner(x) for x in DATA] == [theirs.winner(x) for x in DATA]


def test_a_users_decay_function_and_distance_are_called_as_minisom_calls_them(peer):
    def decay(learning_rate, t, max_iter):
        return learning_rate / (1 + 3 * t / max_iter)

    def distance(x, w):
        return np.linalg.norm(np.subtract(x, w), ord=3, axis=-1)

    theirs, ours = _pair(peer, {"decay_function": decay, "activation_distance": distance})
    theirs.train_random(DATA, 150)
    ours.train_random(DATA, 150)
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())


@pytest.mark.parametrize("method, args", [("train_random", (200,)), ("train_batch_offline", (3,))])
def test_functions_replaced_on_the_object_are_the_ones_trained_with(peer, method, args):
    """MiniSom reads its functions from attributes at every step: replacing them after construction counts."""
    for replace in (lambda som: som._bubble, lambda som: (lambda c, sigma: som._gaussian(c, sigma) ** 2)):
        theirs, ours = _pair(peer, {"sigma": 2.0})
        for som in (theirs, ours):
            som.neighborhood = replace(som)
            som._sigma_decay_function = lambda sigma, t, max_iter: sigma / (1 + t)
            getattr(som, method)(DATA, *args)
        np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())


def test_skipped_updates_change_no_bit_where_a_tiny_factor_would_move_a_tiny_weight(peer):
    """sigma 1 on a 16x16 map: most factors far from the winner are below 1e-20, and updates are skipped.

    Unit 0 has a weight of 1e-30 where the samples are about 1: a factor of
    1e-25 moves it (1e-30 -> 1e-25), so its updates must not be skipped; a
    feature that is 0 in every sample (its weights only shrink) is left out
    of the rule. A rule that skipped on the factor alone fails here.
    """
    X = np.random.default_rng(1).random((200, 11))
    X[:, 4] = 0.0
    theirs, ours = _pair(peer, {"sigma": 1.0}, shape=(16, 16, 11))
    for som in (theirs, ours):
        som.get_weights()[0, 0, 2] = 1e-30
        som.train_random(X, 400)
    assert ours.get_weights()[0, 0, 2] != 1e-30
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())


def test_the_skip_rule_never_skips_an_update_that_would_change_a_weight():
    """update_mode's READ means w + f * (x - w) == w for every weight of the row, at every factor tried.

    Extreme rows (see :func:`_extreme_rows`), factors on a ladder of powers
    of two of the row's bound: a rule looser than the proven one reads some
    updates that move a weight, and fails.
    """
    checked = 0
    for scale, w, x in _extreme_rows(seed=0):
        bound = _bound(w, scale)
        ladder = [bound * 2.0**-k for k in range(30, 64)] + [2.0**-k for k in range(50, 64)]
        for f in ladder:
            for signed in (f, -f):
                if kernels.update_mode(signed, bound) == lanes.READ:
                    checked += 1
                    assert np.array_equal(w + signed * (x - w), w), f"f={signed!r} changed a weight"
    assert checked > 2000, f"only {checked} skipped updates checked"


def test_a_tiny_factor_on_an_unmeasured_row_pulls_and_measures_it():
    assert kernels.update_mode(1e-30, -1.0) == lanes.PULL_AND_MEASURE
    assert kernels.update_mode(1e-30, 1e-3) == lanes.READ
    assert kernels.update_mode(1e-30, 1e-20) == lanes.PULL
    assert kernels.update_mode(0.25, 1.0) == lanes.PULL
    assert kernels.update_mode(0.0, -1.0) == lanes.READ


def test_the_bound_lowered_after_a_tiny_pull_still_bounds_the_row():
    """bound_after's arithmetic bound, on rows as extreme as the skip rule's test, is at most the row's new bound."""
    checked = 0
    for scale, w, x in _extreme_rows(seed=2):
        bound = _bound(w, scale)
        for f in (kernels.TINY, -kernels.TINY, 2.0**-70, bound * 2.0**-50):
            f = min(f, kernels.TINY)
            lowered = kernels.bound_after(lanes.PULL, f, bound, np.inf)
            if lowered >= 0:
                checked += 1
                assert lowered <= _bound(w + f * (x - w), scale), f"f={f!r}"
    assert checked > 300, f"only {checked} bounds checked"


def _extreme_rows(seed, n_rows=400, n_features=32):
    """(scale, w, x) rows: weights within 1e3 of a random magnitude (1e-310 to 1e3, subnormals
    included), a sample up to max |x_k| per feature (some features 0 in every sample), and
    scale = 1 / max |x_k| (inf where that is 0)."""
    rng = np.random.default_rng(seed)
    for _ in range(n_rows):
        largest = rng.choice([0.0, 1e-3, 1.0, 7.0, 1e3], size=n_features)
        scale = np.divide(1.0, largest, out=np.full(n_features, np.inf), where=largest > 0)
        w = rng.choice([-1.0, 1.0], n_features) * 10.0 ** (rng.uniform(-310, 3) + rng.uniform(0, 3, n_features))
        yield scale, w, rng.uniform(-1, 1, n_features) * largest


def _bound(w, scale):
    """min |w_k| * scale_k over the row, products that are NaN (0 * inf) left out, as the kernels take it."""
    with np.errstate(invalid="ignore"):
        scaled = np.abs(w) * scale
    return float(np.where(np.isnan(scaled), np.inf, scaled).min())


@pytest.mark.parametrize("n", [1, 5, 8, 13, 64, 127, 128, 129, 136, 264, 300, 784])
def test_the_pairwise_order_is_numpys(n):
    values = np.random.default_rng(n).standard_normal(n) * 10.0 ** np.random.default_rng(n + 1).uniform(-8, 8, n)
    order = pairwise_order(n)
    sums = []
    for start, length in order.leaves:
        run = values[start:start + length]
        whole = length - length % 8
        lanes_ = [run[j:whole:8] for j in range(8)]
        total = 0.0
        if whole:
            r = [0.0 + lane[0] for lane in lanes_]
            for c in range(1, whole // 8):
                r = [r[j] + lanes_[j][c] for j in range(8)]
            total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in run[whole:]:
            total += v
        sums.append(total)
    for a, b in order.additions:
        sums.append(sums[a] + sums[b])
    assert sums[-1 if len(order.additions) else 0] == np.add.reduce(values)


@pytest.mark.parametrize("n", [1, 5, 8, 13, 64, 127, 128, 129, 136, 264, 300, 784])
def test_kernel_activations_are_minisoms_bit_for_bit(peer, n):
    rng = np.random.default_rng(n)
    X = rng.random((6, n))
    theirs = peer.MiniSom(3, 4, n, random_seed=0)
    weights = theirs.get_weights()
    for name in ("euclidean", "manhattan", "cosine", "chebyshev"):
        norms = np.array([np.linalg.norm(x) for x in X])
        out = np.empty((len(X), 12))
        kernels.activations(X, norms, weights.reshape(12, n), DISTANCES[name], pairwise_order(n), out)
        expected = np.array([getattr(theirs, f"_{name}_distance")(x, weights).reshape(-1) for x in X])
        np.testing.assert_array_equal(out, expected, err_msg=f"{name}, n={n}")


# ---------------------------------------------------------------- queries


@pytest.fixture(scope="module")
def trained(peer):
    pair = {}
    for topology in ("rectangular", "hexagonal"):
        theirs, ours = _pair(peer, {"sigma": 1.5, "topology": topology})
        for som in (theirs, ours):
            som.pca_weights_init(DATA)
            som.train_random(DATA, 200)
        pair[topology] = theirs, ours
    return pair


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_queries_answer_what_minisom_answers(trained, topology):
    theirs, ours = trained[topology]
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())
    labels = [int(v * 4) for v in DATA[:, 0]]
    assert ours.quantization_error(DATA) == theirs.quantization_error(DATA)
    assert ours.topographic_error(DATA) == theirs.topographic_error(DATA)
    assert ours.distortion_measure(DATA) == theirs.distortion_measure(DATA)
    np.testing.assert_array_equal(ours.quantization(DATA), theirs.quantization(DATA))
    np.testing.assert_array_equal(ours._distance_from_weights(DATA), theirs._distance_from_weights(DATA))
    for scaling in ("sum", "mean"):
        np.testing.assert_array_equal(ours.distance_map(scaling), theirs.distance_map(scaling))
    np.testing.assert_array_equal(ours.activation_response(DATA), theirs.activation_response(DATA))
    np.testing.assert_array_equal(ours.activate(DATA[5]), theirs.activate(DATA[5]))
    assert ours.winner(DATA[5]) == theirs.winner(DATA[5])
    for indices in (False, True):
        mine, other = ours.win_map(DATA, indices), theirs.win_map(DATA, indices)
        assert mine.keys() == other.keys()
        assert all(np.array_equal(mine[k], other[k]) for k in other)
    assert ours.labels_map(DATA, labels) == theirs.labels_map(DATA, labels)
    for a, b in zip(ours.get_euclidean_coordinates(), theirs.get_euclidean_coordinates(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(ours.convert_map_to_euclidean((2, 3)), theirs.convert_map_to_euclidean((2, 3)), strict=True):
        assert a == b


def test_random_weights_init_draws_as_minisom_draws(peer):
    theirs, ours = _pair(peer, {})
    theirs.random_weights_init(DATA)
    ours.random_weights_init(DATA)
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())
    theirs.train_random(DATA, 50)  # the generator is in the same state after it
    ours.train_random(DATA, 50)
    np.testing.assert_array_equal(ours.get_weights(), theirs.get_weights())


# ------------------------------------------------------------ as a user


def test_training_updates_the_weights_array_in_place_and_leaves_the_data_alone():
    som = MiniSom(4, 5, 13, random_seed=0)
    weights = som.get_weights()
    data = DATA.copy()
    som.train_random(data, 50)
    assert som.get_weights() is weights
    np.testing.assert_array_equal(data, DATA)


def test_assigned_weights_of_another_type_are_trained_as_float64():
    som = MiniSom(2, 3, 1, random_seed=0)
    som._weights = np.arange(6).reshape(2, 3)  # ints, and no feature axis: MiniSom's tests assign such
    som.train(np.array([[0.5], [4.0]]), 4)
    assert som.get_weights().shape == (2, 3, 1) and som.get_weights().dtype == np.float64


def test_a_pickled_map_trains_on_as_the_original():
    som = MiniSom(4, 5, 13, random_seed=0)
    som.train_random(DATA, 30)
    copy = pickle.loads(pickle.dumps(som))
    som.train_random(DATA, 30)
    copy.train_random(DATA, 30)
    np.testing.assert_array_equal(copy.get_weights(), som.get_weights())


@pytest.mark.parametrize("kwargs, message", [
    ({"neighborhood_function": "boooom"}, "neighborhood_function='boooom' is not one of 'gaussian'"),
    ({"activation_distance": "ridethewave"}, "activation_distance='ridethewave' is not one of 'euclidean'"),
    ({"decay_function": "strawberry"}, "decay_function='strawberry' is not one of 'inverse_decay_to_zero'"),
    ({"sigma_decay_function": "strawberry"}, "sigma_decay_function='strawberry' is not one of"),
    ({"topology": "round"}, "topology='round' is not one of 'rectangular', 'hexagonal'"),
    ({"sigma": 0}, "sigma=0 must be a finite number > 0"),
    ({"learning_rate": float("nan")}, "learning_rate=nan must be a finite number"),
])
def test_bad_options_raise_what_minisom_raises_with_the_reason(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        MiniSom(5, 5, 2, **kwargs)


def test_bad_sizes_and_data_name_the_parameter():
    with pytest.raises(ValueError, match="x=0 must be >= 1"):
        MiniSom(0, 5, 2)
    som = MiniSom(3, 3, 2, random_seed=0)
    with pytest.raises(ValueError, match="data has 3 features, but this MiniSom has input_len=2"):
        som.train([[1, 2, 3]], 5)
    with pytest.raises(ValueError, match="num_iteration=0 must be >= 1"):
        som.train([[1, 2]], 0)
    with pytest.raises(ValueError, match="data contains NaN at row 1, column 0"):
        som.train([[1, 2], [np.nan, 2]], 5)
    with pytest.raises(ValueError, match="data and labels must have the same length; got 1 samples and 2 labels"):
        som.labels_map([[1, 2]], ["a", "b"])
    with pytest.raises(ValueError, match=r"fixed_points\[0\]=\(3, 0\) must be map coordinates"):
        som.train([[1, 2]], 5, fixed_points={0: (3, 0)})
    with pytest.raises(TypeError, match="fixed_points: key 'a' must be an integer"):
        som.train([[1, 2]], 5, fixed_points={"a": (0, 0)})
    with pytest.raises(ValueError, match="scaling='puppies' is not one of 'sum', 'mean'"):
        som.distance_map(scaling="puppies")


def test_minisoms_advice_is_given_as_minisom_gives_it():
    with pytest.warns(UserWarning, match="sigma=9 might be too high for a 3x3 map"):
        MiniSom(3, 3, 2, sigma=9)
    with pytest.warns(UserWarning, match="should be an integer >= 1 when bubble"):
        MiniSom(3, 3, 2, sigma=1.5, neighborhood_function="bubble")
