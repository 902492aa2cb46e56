"""The ``SOM`` estimator: behaviour a user relies on.

Fitted attributes, reproducibility, the meaning of predict / transform /
the metrics (checked against plain NumPy or hand-made maps), interruption,
progress, and the scikit-learn estimator protocol. Data stay tiny: maps of
at most 6x6, at most 200 samples, at most 2,000 iterations.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fastsom
import fastsom.som
import fastsom.training.online
from fastsom import SOM, NotFittedError, make_plan, train_online, tutorial_som
from fastsom.datasets import make_colours
from fastsom.tutorial import TUTORIAL_PARAMS

N_FEATURES = 3


def ref_distances(X, weights):
    """Euclidean distance of every sample to every unit, written out in NumPy."""
    W = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    X = np.asarray(X, dtype=np.float64)
    return np.sqrt(((X[:, None, :] - W[None]) ** 2).sum(-1))


@pytest.fixture(scope="module")
def trained(X):
    """A 4x5 map (non-square, so rows and columns cannot be swapped unnoticed)."""
    return SOM(4, 5, n_iterations=1000, random_state=0).fit(X)


# ---------------------------------------------------------------------------
# Fitted attributes
# ---------------------------------------------------------------------------

def test_fit_returns_self_and_sets_fitted_attributes(X):
    som = SOM(4, 5, n_iterations=300, random_state=0)
    assert som.fit(X) is som
    assert som.weights_.shape == (4, 5, N_FEATURES)
    assert som.weights_.dtype == np.float64
    assert som.n_iter_ == 300
    assert som.n_features_in_ == N_FEATURES


def test_weights_is_a_view_of_the_training_buffer(trained):
    assert trained.weights_.base is not None
    assert np.shares_memory(trained.weights_, trained._weights)
    assert_array_equal(trained.weights_.reshape(-1, N_FEATURES), trained._weights)


@pytest.mark.parametrize(("n_rows", "n_cols"), [(2, 2), (1, 3)])
def test_default_n_iterations_is_500_per_unit(X, n_rows, n_cols):
    som = SOM(n_rows, n_cols, random_state=0).fit(X)
    assert som.n_iter_ == 500 * n_rows * n_cols


def test_training_orders_the_map(fitted_som, X):
    """Neighbouring units end up with neighbouring weights: the random initial map is
    disordered (high topographic error), the trained one is not."""
    som = SOM(4, 4, n_iterations=1000, random_state=0).fit(X)
    initial = fitted_som(make_plan(4, 4, N_FEATURES, len(X), 1000, random_state=0).initial_weights)
    assert initial.topographic_error(X) > 0.3
    assert som.topographic_error(X) < 0.05


# ---------------------------------------------------------------------------
# random_state
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("strict", [True, False])
def test_same_seed_same_map_bit_for_bit(X, strict, dtype):
    first = SOM(4, 4, n_iterations=1000, strict=strict, dtype=dtype, random_state=3).fit(X)
    second = SOM(4, 4, n_iterations=1000, strict=strict, dtype=dtype, random_state=3).fit(X)
    assert first.weights_.dtype == np.dtype(dtype)
    assert_array_equal(first.weights_, second.weights_, err_msg=f"strict={strict}, dtype={dtype}")


def test_different_seeds_give_different_maps(X):
    first = SOM(4, 4, n_iterations=500, random_state=1).fit(X)
    second = SOM(4, 4, n_iterations=500, random_state=2).fit(X)
    assert not np.array_equal(first.weights_, second.weights_)


def test_generator_as_random_state(X):
    """A Generator is used as given: a fresh default_rng(7) draws what the seed 7 draws."""
    from_seed = SOM(4, 4, n_iterations=500, random_state=7).fit(X)
    rng = np.random.default_rng(7)
    from_generator = SOM(4, 4, n_iterations=500, random_state=rng).fit(X)
    assert_array_equal(from_generator.weights_, from_seed.weights_)
    assert rng.random() != np.random.default_rng(7).random(), "the generator was not used"


@pytest.mark.parametrize("random_state", [None, 0])
def test_global_numpy_random_state_is_untouched(X, random_state):
    np.random.seed(12345)
    before = np.random.get_state()
    SOM(3, 3, n_iterations=200, random_state=random_state).fit(X)
    after = np.random.get_state()
    assert before[0] == after[0]
    assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


# ---------------------------------------------------------------------------
# predict, transform, quantization_error
# ---------------------------------------------------------------------------

def test_predict_returns_int64_unit_indices(trained, X):
    bmu = trained.predict(X)
    assert bmu.dtype == np.int64
    assert bmu.shape == (len(X),)
    assert bmu.min() >= 0 and bmu.max() < 4 * 5
    assert len(np.unique(bmu)) > 1, "a trained map uses more than one unit"


def test_transform_is_euclidean_distance_to_every_unit(trained, X):
    comp = trained.transform(X)
    ref = ref_distances(X, trained.weights_)
    assert comp.dtype == np.float64
    assert comp.shape == (len(X), 4 * 5)
    assert_allclose(comp, ref, rtol=1e-12, atol=0, err_msg="transform against NumPy, float64")


def test_transform_unit_order_is_row_major(trained, X):
    """Column u of transform is unit (u // n_cols, u % n_cols) of weights_."""
    row, col = 2, 3
    ref = np.sqrt(((X - trained.weights_[row, col]) ** 2).sum(-1))
    assert_allclose(trained.transform(X)[:, row * 5 + col], ref, rtol=1e-12, atol=0)


def test_predict_is_argmin_of_transform(trained, X):
    assert_array_equal(trained.predict(X), np.argmin(trained.transform(X), axis=1))


def test_predict_is_argmin_of_numpy_distances(trained, X):
    assert_array_equal(trained.predict(X), np.argmin(ref_distances(X, trained.weights_), axis=1))


def test_quantization_error_is_mean_distance_to_bmu(trained, X):
    ref = ref_distances(X, trained.weights_).min(axis=1).mean()
    comp = trained.quantization_error(X)
    assert isinstance(comp, float)
    assert_allclose(comp, ref, rtol=1e-12, atol=0)


def test_fit_predict_equals_fit_then_predict(X):
    comp = SOM(4, 4, n_iterations=500, random_state=0).fit_predict(X)
    ref = SOM(4, 4, n_iterations=500, random_state=0).fit(X).predict(X)
    assert_array_equal(comp, ref)


def test_predict_accepts_lists(trained, X):
    assert_array_equal(trained.predict(X[:5].tolist()), trained.predict(X[:5]))


def test_float32_map(X):
    som = SOM(4, 4, n_iterations=500, dtype="float32", random_state=0).fit(X)
    assert som.weights_.dtype == np.float32
    distances = som.transform(X)
    assert_array_equal(som.predict(X), np.argmin(distances, axis=1))
    assert_allclose(distances, ref_distances(X.astype(np.float32), som.weights_), rtol=1e-5, atol=1e-6,
                    err_msg="dtype=float32")


# ---------------------------------------------------------------------------
# Hand-made maps: ties and topographic error
# ---------------------------------------------------------------------------

def test_ties_go_to_the_lowest_unit_index(fitted_som):
    # units 1 and 3 identical, closest to the first sample; units 0 and 2
    # exactly equidistant (d2 = 1) from the second sample, the rest far.
    weights = np.array([[[0.0, 0.0], [5.0, 5.0]],
                        [[2.0, 0.0], [5.0, 5.0]]])
    som = fitted_som(weights)
    X = np.array([[5.1, 5.0], [1.0, 0.0]])
    assert_array_equal(som.predict(X), [1, 0])
    assert_array_equal(np.argmin(som.transform(X), axis=1), [1, 0])


def test_ties_between_identical_units_later_in_the_map(fitted_som):
    weights = np.array([[[9.0, 9.0], [9.0, 9.0], [0.0, 0.0]],
                        [[9.0, 9.0], [0.0, 0.0], [0.0, 0.0]]])
    som = fitted_som(weights)
    assert_array_equal(som.predict(np.array([[0.2, 0.1]])), [2])


# A 2x3 map with one-hot units: unit u has weights 10 * e_u (6 features).
#   0 1 2
#   3 4 5
# The sample 6 e_i + 4 e_j has best unit i and second-best unit j (squared
# distances 32, 72 and >= 152 for the others).
GRID_2x3 = 10.0 * np.eye(6).reshape(2, 3, 6)
EDGE = [(0, 1), (1, 4), (5, 2), (3, 4)]      # grid d2 = 1
DIAGONAL = [(0, 4), (5, 1)]                  # grid d2 = 2
FAR = [(0, 2), (3, 2)]                       # grid d2 = 4 and 5


def samples_for(pairs):
    X = np.zeros((len(pairs), 6))
    for s, (best, second) in enumerate(pairs):
        X[s, best] = 6.0
        X[s, second] = 4.0
    return X


@pytest.fixture(scope="module")
def grid_som(fitted_som):
    return fitted_som(GRID_2x3)


def test_hand_made_samples_have_the_intended_two_best_units(grid_som):
    """Checks the construction the next tests rely on."""
    pairs = EDGE + DIAGONAL + FAR
    order = np.argsort(grid_som.transform(samples_for(pairs)), axis=1, kind="stable")
    assert_array_equal(order[:, :2], pairs)


@pytest.mark.parametrize(("pairs", "connectivity", "expected"), [
    (EDGE, 8, 0.0), (EDGE, 4, 0.0),
    (DIAGONAL, 8, 0.0), (DIAGONAL, 4, 1.0),
    (FAR, 8, 1.0), (FAR, 4, 1.0),
], ids=["edge-8", "edge-4", "diagonal-8", "diagonal-4", "far-8", "far-4"])
def test_topographic_error_by_kind_of_neighbour(grid_som, pairs, connectivity, expected):
    assert grid_som.topographic_error(samples_for(pairs), connectivity=connectivity) == expected


def test_topographic_error_is_the_exact_fraction(grid_som):
    X = samples_for(EDGE + DIAGONAL + FAR)  # 4 edge, 2 diagonal, 2 far: 8 samples
    assert grid_som.topographic_error(X) == 2 / 8  # default connectivity 8
    assert grid_som.topographic_error(X, connectivity=8) == 2 / 8
    assert grid_som.topographic_error(X, connectivity=4) == 4 / 8


def test_topographic_error_on_a_line(fitted_som):
    """1x3 map: units 0 and 2 are two apart."""
    som = fitted_som(10.0 * np.eye(3).reshape(1, 3, 3))
    X = np.array([[6.0, 4.0, 0.0], [0.0, 4.0, 6.0], [6.0, 0.0, 4.0]])
    assert som.topographic_error(X) == 1 / 3
    assert som.topographic_error(X, connectivity=4) == 1 / 3


def test_topographic_error_needs_two_units(X):
    som = SOM(1, 1, n_iterations=10, random_state=0).fit(X)
    with pytest.raises(ValueError, match="topographic_error needs a map of at least 2 units; this map has 1"):
        som.topographic_error(X)


# ---------------------------------------------------------------------------
# Extreme but finite input
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("dtype", "value"), [("float64", 1e200), ("float32", 3e19)])
def test_predict_refuses_values_whose_distances_would_overflow(X, dtype, value):
    som = SOM(3, 3, n_iterations=200, dtype=dtype, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"X has values up to .*squared distances overflow"):
        som.predict(np.full((2, N_FEATURES), value))


def test_training_refuses_values_whose_distances_would_overflow(make_X):
    X = make_X(n_samples=50) * 1e200
    plan = make_plan(3, 3, N_FEATURES, 50, 300, random_state=0)
    learning_rate, sigma = fastsom.tutorial_schedules(3, 3, 300)
    with pytest.raises(ValueError, match=r"X has values up to .*Scale the data"):
        fastsom.train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma)


def test_bmu_kernel_returns_valid_units_even_when_every_distance_overflows():
    # Guts, no validation: the kernel itself must never answer -1 for the BMU.
    from fastsom.analysis import metrics

    weights = np.full((4, N_FEATURES), -1e200)
    X = np.full((3, N_FEATURES), 1e200)
    bmu, d2_bmu, second, _ = metrics.best_two_units(X, weights)
    np.testing.assert_array_equal(bmu, 0)  # all tied at inf: the lowest index
    np.testing.assert_array_equal(second, 1)
    assert np.isinf(d2_bmu).all()


# ---------------------------------------------------------------------------
# The tutorial's configuration
# ---------------------------------------------------------------------------

def test_tutorial_som_has_the_tutorial_parameters():
    som = tutorial_som(random_state=0)
    params = som.get_params()
    assert {name: params[name] for name in TUTORIAL_PARAMS} == TUTORIAL_PARAMS
    assert (som.n_rows, som.n_cols, som.n_iterations) == (5, 5, 2000)


def test_tutorial_som_params_override():
    som = tutorial_som(strict=False, neighborhood="gaussian")
    assert som.strict is False
    assert som.neighborhood == "gaussian"


def test_tutorial_som_fits_the_colours():
    colours = make_colours(random_state=0)
    som = tutorial_som(random_state=0).fit(colours)
    assert som.weights_.shape == (5, 5, 3)
    assert som.n_iter_ == 2000
    assert np.all((som.weights_ >= 0) & (som.weights_ <= 1)), "updates are convex combinations of [0, 1] values"


# ---------------------------------------------------------------------------
# Interruption, blocks and progress
# ---------------------------------------------------------------------------

BLOCK = 100
STOP_AT = 200


@pytest.mark.parametrize("strict", [True, False])
def test_interrupted_fit_keeps_the_map_trained_so_far(monkeypatch, X, strict):
    monkeypatch.setattr(fastsom.training.online, "default_block_size", lambda n_units, n_features: BLOCK)
    seen, closed = [], []

    class InterruptingBar:
        """Stands in for ProgressBar; Ctrl-C arrives after the second block."""

        def __init__(self, total, *args, **kwargs):
            self.total = total

        def update(self, done):
            seen.append(done)
            if done >= STOP_AT:
                raise KeyboardInterrupt

        def close(self):
            closed.append(True)

    monkeypatch.setattr(fastsom.som, "ProgressBar", InterruptingBar)
    som = SOM(3, 3, n_iterations=1000, strict=strict, random_state=0, verbose=True)
    with pytest.raises(KeyboardInterrupt):
        som.fit(X)

    assert seen == [BLOCK, 2 * BLOCK]
    assert closed == [True], "the progress line is finished even on interrupt"
    assert som.n_iter_ == STOP_AT
    assert np.isfinite(som.weights_).all()
    bmu = som.predict(X)
    assert bmu.min() >= 0 and bmu.max() < 9

    # The first STOP_AT iterations of the same plan, run directly in one block.
    settings = som.settings_
    plan = make_plan(3, 3, N_FEATURES, len(X), 1000, random_state=0)
    initial = plan.initial_weights.reshape(9, N_FEATURES)
    steps = np.arange(STOP_AT)
    ref = train_online(X, plan.initial_weights, plan.sample_indices[:STOP_AT], settings.learning_rates(steps),
                       settings.sigmas(steps), neighborhood=settings.neighborhood, strict=strict)[0]
    ref = ref.reshape(9, N_FEATURES)
    assert not np.array_equal(som._weights, initial), "the interrupted fit kept its progress"
    assert_array_equal(som._weights, ref, err_msg=f"strict={strict}")


@pytest.mark.parametrize("block_size", [1, 7])
@pytest.mark.parametrize("strict", [True, False])
def test_block_size_does_not_change_the_map(monkeypatch, X, strict, block_size):
    ref = SOM(3, 4, n_iterations=600, strict=strict, random_state=0).fit(X)
    monkeypatch.setattr(fastsom.training.online, "default_block_size", lambda n_units, n_features: block_size)
    comp = SOM(3, 4, n_iterations=600, strict=strict, random_state=0).fit(X)
    assert_array_equal(comp.weights_, ref.weights_, err_msg=f"strict={strict}, block_size={block_size}")


def test_verbose_writes_progress_to_stderr(X, capsys):
    SOM(3, 3, n_iterations=300, random_state=0, verbose=True).fit(X)
    captured = capsys.readouterr()
    assert "100%" in captured.err
    assert "300/300" in captured.err
    assert captured.out == ""


def test_quiet_by_default(X, capsys):
    SOM(3, 3, n_iterations=300, random_state=0).fit(X)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


# ---------------------------------------------------------------------------
# scikit-learn protocol
# ---------------------------------------------------------------------------

PARAM_NAMES = ["n_rows", "n_cols", "algorithm", "n_iterations", "n_epochs", "learning_rate", "learning_rate_end",
               "sigma", "sigma_end", "learning_rate_schedule", "sigma_schedule", "neighborhood", "topology",
               "toroidal", "distance", "feature_weights", "missing", "max_missing", "init", "strict", "dtype",
               "n_jobs", "callbacks", "early_stopping", "tol", "n_iter_no_change", "random_state", "verbose"]

CUSTOM = dict(n_rows=4, n_cols=4, n_iterations=400, learning_rate=0.3, sigma=1.5,
              neighborhood="gaussian_cutoff", sigma_schedule="linear", topology="hexagonal", toroidal=True,
              random_state=5)


def test_get_params_lists_every_parameter():
    params = SOM(**CUSTOM).get_params()
    assert list(params) == PARAM_NAMES
    for name, value in CUSTOM.items():
        assert params[name] == value


def test_set_params_round_trip(X):
    source = SOM(**CUSTOM)
    target = SOM()
    assert target.set_params(**source.get_params()) is target
    assert target.get_params() == source.get_params()
    assert_array_equal(target.fit(X).weights_, source.fit(X).weights_)


def test_clone_is_unfitted_with_equal_params(trained, X):
    base = pytest.importorskip("sklearn.base")
    copy = base.clone(trained)
    assert type(copy) is SOM
    assert copy.get_params() == trained.get_params()
    assert not hasattr(copy, "weights_")
    with pytest.raises(NotFittedError):
        copy.predict(X)


@pytest.mark.parametrize(("som", "expected"), [
    (SOM(), "SOM()"),
    (SOM(10, 10, learning_rate=0.5, neighborhood="gaussian"), "SOM()"),
    (SOM(4, 4, random_state=0), "SOM(n_rows=4, n_cols=4, random_state=0)"),
    (SOM(neighborhood="gaussian_cutoff", strict=True), "SOM(neighborhood='gaussian_cutoff', strict=True)"),
    (SOM(learning_rate_end=None), "SOM(learning_rate_end=None)"),
], ids=["default", "explicit-defaults", "size-and-seed", "options", "none"])
def test_repr_shows_only_non_default_params(som, expected):
    assert repr(som) == expected


def test_repr_with_init_array():
    assert repr(SOM(1, 2, init=np.zeros((1, 2, 1)))).startswith("SOM(n_rows=1, n_cols=2, init=array(")


def make_pipeline():
    pipeline = pytest.importorskip("sklearn.pipeline")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    return pipeline.Pipeline([("scale", preprocessing.MinMaxScaler()),
                              ("som", SOM(4, 4, n_iterations=500, random_state=0))])


def test_pipeline_fit_predict(X):
    scaled = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    ref = SOM(4, 4, n_iterations=500, random_state=0).fit(scaled).predict(scaled)
    assert_array_equal(make_pipeline().fit_predict(X * 10 + 3), ref)


def test_pipeline_fit_then_predict(X):
    pipe = make_pipeline().fit(X)
    bmu = pipe.predict(X)
    assert_array_equal(bmu, pipe.named_steps["som"].predict(pipe.named_steps["scale"].transform(X)))


# ---------------------------------------------------------------------------
# Options have an effect
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value"), [
    ("neighborhood", "gaussian_cutoff"),
    ("learning_rate_schedule", "asymptotic"),
    ("learning_rate_schedule", "linear"),
    ("sigma_schedule", "asymptotic"),
    ("sigma_schedule", "linear"),
])
def test_each_option_changes_the_map(X, name, value):
    base = dict(n_rows=4, n_cols=4, n_iterations=500, random_state=0)
    default = SOM(**base).fit(X)
    assert default.get_params()[name] != value
    other = SOM(**base, **{name: value}).fit(X)
    assert not np.array_equal(other.weights_, default.weights_), f"{name}={value!r} had no effect"
