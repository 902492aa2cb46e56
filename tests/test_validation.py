"""Bad input gets a clear error before any kernel runs; user arrays are never modified.

Every error is checked with ``pytest.raises(..., match=...)`` against the
content of its message: the parameter's name, the constraint and the value
received (STYLE.md habit 9). Messages are matched literally (``re.escape``).
"""

import inspect
import re

import numpy as np
import pytest

import fastsom
import fastsom.analysis.metrics
import fastsom.som
from fastsom import SOM, NotFittedError, train_online

N_FEATURES = 3


def make_X(n_samples=20, n_features=N_FEATURES, seed=0):
    return np.random.default_rng(seed).random((n_samples, n_features))


def small_som(**params):
    """A map that trains in no time; ``params`` override the settings."""
    return SOM(**{"n_rows": 2, "n_cols": 2, "n_iterations": 10, "random_state": 0, **params})


def literal(message):
    """A ``match`` pattern for a message fragment taken word for word."""
    return re.escape(message)


def with_value(row, col, value):
    X = make_X()
    X[row, col] = value
    return X


# ---------------------------------------------------------------------------
# fit(X): the data
# ---------------------------------------------------------------------------

BAD_X = [
    pytest.param(with_value(1, 2, np.nan), ValueError,
                 "X contains NaN at row 1, column 2; it must be finite", id="nan"),
    pytest.param(with_value(3, 0, np.inf), ValueError, "X contains infinity (inf) at row 3, column 0", id="inf"),
    pytest.param(with_value(7, 1, -np.inf), ValueError, "X contains infinity (-inf) at row 7, column 1", id="-inf"),
    pytest.param(np.empty((0, 3)), ValueError,
                 "X has 0 sample(s) (shape=(0, 3)) while a minimum of 1 is required.", id="0-samples"),
    pytest.param(np.empty((4, 0)), ValueError, "X has 0 feature(s) (shape=(4, 0)) while a minimum of 1 is required.",
                 id="0-features"),
    pytest.param(np.arange(5.0), ValueError, "got shape (5,). Reshape your data: X.reshape(-1, 1) for one feature",
                 id="1-D"),
    pytest.param(np.zeros((2, 3, 4)), ValueError, "X must be 2-D (n_samples, n_features); got shape (2, 3, 4)",
                 id="3-D"),
    pytest.param(np.array([["a", "b"], ["c", "d"]]), TypeError, "X must be numeric (int, float or bool); got dtype",
                 id="strings"),
    pytest.param([["0.1", "0.2"], ["0.3", "0.4"]], TypeError, "(strings)", id="list-of-strings"),
    pytest.param(np.array([[0.1, "a"], [0.3, 0.4]], dtype=object), TypeError, "X must be numeric: could not convert",
                 id="object"),
    pytest.param(np.ones((3, 2), dtype=complex), ValueError, "Complex data not supported: X has dtype complex128",
                 id="complex"),
    pytest.param([[0.1, 0.2], [0.3]], ValueError, "X must be a rectangular 2-D array", id="ragged"),
    pytest.param("not an array", TypeError, "X must be array-like (n_samples, n_features); got str", id="str"),
    pytest.param(None, TypeError, "X must be array-like (n_samples, n_features); got NoneType", id="None"),
]


@pytest.mark.parametrize(("X", "error", "message"), BAD_X)
def test_fit_rejects_bad_X(X, error, message):
    with pytest.raises(error, match=literal(message)):
        small_som().fit(X)


def test_fit_rejects_values_too_large_for_float32():
    X = make_X()
    X[2, 1] = 1e300  # finite in float64, infinity in float32
    with pytest.raises(ValueError,
        match=literal("X contains infinity (inf) after conversion to float32 at row 2, column 1")):
        small_som(dtype="float32").fit(X)


def test_large_values_are_fine_in_float64_up_to_the_overflow_limit():
    """The float32 error above is about the conversion, not the value itself."""
    X = make_X()
    X[2, 1] = 1e100  # infinity in float32, ordinary in float64
    som = small_som(dtype="float64", n_iterations=1).fit(X)
    assert np.isfinite(som.weights_).all()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fit_refuses_values_whose_squared_distances_overflow(dtype):
    from fastsom._validation import largest_safe_value

    limit = largest_safe_value(np.dtype(dtype), 3)
    X = make_X()
    X[0, 0] = limit * 1.01
    with pytest.raises(ValueError, match=r"X has values up to .* above .* squared distances overflow " + dtype):
        small_som(dtype=dtype).fit(X)
    X[0, 0] = limit * 0.99  # just inside: accepted
    small_som(dtype=dtype, n_iterations=1).fit(X)


# ---------------------------------------------------------------------------
# predict / transform / metrics: after and before fit
# ---------------------------------------------------------------------------

METHODS = ["predict", "transform", "quantization_error", "topographic_error"]


@pytest.fixture(scope="module")
def fitted_som():
    return small_som().fit(make_X())


@pytest.mark.parametrize("method", METHODS)
def test_methods_reject_wrong_number_of_features(fitted_som, method):
    with pytest.raises(ValueError, match=literal("X has 2 features, but SOM is expecting 3 features as input")):
        getattr(fitted_som, method)(make_X(n_features=2))


@pytest.mark.parametrize("method", METHODS)
def test_methods_reject_nan_after_fit(fitted_som, method):
    with pytest.raises(ValueError, match=literal("X contains NaN at row 1, column 2")):
        getattr(fitted_som, method)(with_value(1, 2, np.nan))


@pytest.mark.parametrize("method", METHODS)
def test_float32_map_rejects_values_that_overflow_float32(method):
    som = small_som(dtype="float32").fit(make_X())
    with pytest.raises(ValueError,
        match=literal("X contains infinity (-inf) after conversion to float32 at row 4, column 0")):
        getattr(som, method)(with_value(4, 0, -1e300))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("error", [NotFittedError, ValueError, AttributeError])
def test_methods_before_fit_raise_not_fitted(method, error):
    with pytest.raises(error, match=literal("This SOM is not fitted yet; call fit(X) first")) as info:
        getattr(small_som(), method)(make_X())
    assert isinstance(info.value, NotFittedError)


def test_not_fitted_error_is_value_and_attribute_error():
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

BAD_PARAMS = [
    pytest.param({"n_rows": 0}, ValueError, "n_rows=0 must be >= 1", id="n_rows=0"),
    pytest.param({"n_cols": -1}, ValueError, "n_cols=-1 must be >= 1", id="n_cols=-1"),
    pytest.param({"n_rows": 2.5}, TypeError, "n_rows=2.5 must be an integer", id="n_rows=2.5"),
    pytest.param({"n_rows": True}, TypeError, "n_rows=True must be an integer", id="n_rows=True"),
    pytest.param({"n_cols": "3"}, TypeError, "n_cols='3' must be an integer", id="n_cols='3'"),
    pytest.param({"n_iterations": 0}, ValueError, "n_iterations=0 must be >= 1", id="n_iterations=0"),
    pytest.param({"n_iterations": 1.5}, TypeError, "n_iterations=1.5 must be an integer", id="n_iterations=1.5"),
    pytest.param({"learning_rate": 0}, ValueError, "learning_rate=0 must be a finite number > 0",
                 id="learning_rate=0"),
    pytest.param({"learning_rate": -1}, ValueError, "learning_rate=-1 must be a finite number > 0",
                 id="learning_rate=-1"),
    pytest.param({"learning_rate": float("nan")}, ValueError, "learning_rate=nan must be a finite number > 0",
                 id="learning_rate=nan"),
    pytest.param({"learning_rate": float("inf")}, ValueError, "learning_rate=inf must be a finite number > 0",
                 id="learning_rate=inf"),
    pytest.param({"learning_rate": "0.5"}, TypeError, "learning_rate='0.5' must be a real number",
                 id="learning_rate='0.5'"),
    pytest.param({"learning_rate_end": 0.0}, ValueError, "learning_rate_end=0.0 must be a finite number > 0",
                 id="learning_rate_end=0"),
    pytest.param({"sigma": 0}, ValueError, "sigma=0 must be a finite number > 0", id="sigma=0"),
    pytest.param({"sigma_end": -1}, ValueError, "sigma_end=-1 must be a finite number > 0", id="sigma_end=-1"),
    pytest.param({"neighborhood": "gausian"}, ValueError,
                 "neighborhood='gausian' is not one of 'gaussian', 'gaussian_cutoff', 'bubble', 'triangle', "
                 "'mexican_hat'", id="neighborhood"),
    pytest.param({"learning_rate_schedule": "nope"}, ValueError,
                 "learning_rate_schedule='nope' is not one of 'exponential', 'asymptotic', 'inverse_time', 'linear', "
                 "nor a callable",
                 id="learning_rate_schedule"),
    pytest.param({"sigma_schedule": "Linear"}, ValueError,
                 "sigma_schedule='Linear' is not one of 'exponential', 'asymptotic', 'inverse_time', 'linear'",
                 id="sigma_schedule"),
    pytest.param({"dtype": "int32"}, ValueError, "dtype='int32' is not one of 'float32', 'float64'",
                 id="dtype=int32"),
    pytest.param({"dtype": "float16"}, ValueError, "dtype='float16' is not one of 'float32', 'float64'",
                 id="dtype=float16"),
    pytest.param({"dtype": "bogus"}, ValueError, "dtype='bogus' is not one of 'float32', 'float64'",
                 id="dtype=bogus"),
    pytest.param({"init": "kmeans"}, ValueError, "init='kmeans' is not one of 'random', 'sample', 'pca'",
                 id="init=kmeans"),
    pytest.param({"init": 3}, TypeError, "init=3 must be one of 'random', 'sample', 'pca' or an array", id="init=3"),
    pytest.param({"strict": "yes"}, TypeError, "strict='yes' must be True or False", id="strict=yes"),
    pytest.param({"strict": 1}, TypeError, "strict=1 must be True or False", id="strict=1"),
    pytest.param({"random_state": "seed"}, TypeError,
                 "random_state='seed' must be None, an int or a numpy.random.Generator", id="random_state=seed"),
    pytest.param({"random_state": 1.5}, TypeError,
                 "random_state=1.5 must be None, an int or a numpy.random.Generator", id="random_state=1.5"),
]


@pytest.mark.parametrize(("params", "error", "message"), BAD_PARAMS)
def test_fit_rejects_bad_parameters(params, error, message):
    with pytest.raises(error, match=literal(message)):
        small_som(**params).fit(make_X())


@pytest.mark.parametrize(("params", "error", "message"), BAD_PARAMS)
def test_init_only_stores_parameters(params, error, message):
    """scikit-learn's contract: __init__ accepts anything, fit validates."""
    som = small_som(**params)
    for name, value in params.items():
        assert getattr(som, name) is value


def test_fit_rejects_negative_random_state_naming_it():
    with pytest.raises(ValueError, match=literal("random_state=-1")):
        small_som(random_state=-1).fit(make_X())


@pytest.mark.parametrize("shape", [(2, 3, 3), (2, 2, 4), (4, 3)], ids=str)
def test_fit_rejects_init_of_wrong_shape(shape):
    message = f"init has shape {shape}; expected (n_rows, n_cols, n_features) = (2, 2, 3)"
    with pytest.raises(ValueError, match=literal(message)):
        small_som(init=np.full(shape, 0.5)).fit(make_X())


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_fit_rejects_init_with_non_finite_values(bad):
    init = np.full((2, 2, 3), 0.5)
    init[1, 0, 2] = bad
    with pytest.raises(ValueError, match=literal("init must contain finite numbers only")):
        small_som(init=init).fit(make_X())


def test_fit_rejects_non_numeric_init():
    with pytest.raises(ValueError, match=literal("init must contain finite numbers only")):
        small_som(init=np.full((2, 2, 3), "a")).fit(make_X())


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_fit_rejects_init_that_overflows_float32():
    init = np.full((2, 2, 3), 1e300)
    with pytest.raises(ValueError, match="init"):
        small_som(init=init, dtype="float32").fit(make_X())


@pytest.mark.parametrize("connectivity", [6, 0, "8", 4.5])
def test_topographic_error_rejects_bad_connectivity(fitted_som, connectivity):
    with pytest.raises(ValueError, match=literal(f"connectivity={connectivity!r} is not one of 4, 8")):
        fitted_som.topographic_error(make_X(), connectivity=connectivity)


def test_set_params_rejects_unknown_name_listing_valid_ones():
    valid = ", ".join(inspect.signature(SOM).parameters)
    with pytest.raises(ValueError, match=literal(f"'bogus' is not a parameter of SOM; valid: {valid}")):
        SOM().set_params(bogus=1)


# ---------------------------------------------------------------------------
# fastsom.train_online
# ---------------------------------------------------------------------------

N_ITER = 10


def online_inputs(**override):
    """Valid arguments of train_online for a 2x2 map; ``override`` replaces some."""
    X = make_X()
    args = dict(
        X=X,
        weights=np.full((2, 2, N_FEATURES), 0.5),
        sample_indices=np.arange(N_ITER) % X.shape[0],
        learning_rate=np.full(N_ITER, 0.1),
        sigma=np.full(N_ITER, 1.0),
    )
    args.update(override)
    return args


def test_train_online_accepts_the_valid_inputs():
    """The baseline of the cases below: only the overridden argument is wrong there."""
    weights, bmus = train_online(**online_inputs())
    assert weights.shape == (2, 2, N_FEATURES)
    assert bmus.shape == (N_ITER,)


BAD_ONLINE = [
    pytest.param({"weights": np.full((4, N_FEATURES), 0.5)}, "weights must be a float32 or float64 array of shape "
                 "(n_rows, n_cols, n_features); got float64 array of shape (4, 3)", id="weights-2-D"),
    pytest.param({"weights": np.ones((2, 2, N_FEATURES), dtype=np.int64)}, "got int64 array of shape (2, 2, 3)",
                 id="weights-int"),
    pytest.param({"sample_indices": np.arange(N_ITER) + 11}, "sample_indices must lie in [0, 20) (n_samples); "
                 "got values from 11 to 20", id="index-too-large"),
    pytest.param({"sample_indices": np.arange(N_ITER) - 1}, "sample_indices must lie in [0, 20) (n_samples); "
                 "got values from -1 to 8", id="index-negative"),
    pytest.param({"sample_indices": np.zeros(0, dtype=np.int64)}, "sample_indices must be 1-D with at least 1 entry; "
                 "got shape (0,)", id="no-iterations"),
    pytest.param({"learning_rate": np.full(N_ITER - 1, 0.1)}, "learning_rate must have one value per iteration, "
                 "shape (10,); got shape (9,)", id="learning_rate-length"),
    pytest.param({"sigma": np.r_[np.ones(N_ITER - 1), 0.0]}, "sigma must be finite and > 0 at every iteration",
                 id="sigma-zero"),
    pytest.param({"learning_rate": np.r_[np.nan, np.full(N_ITER - 1, 0.1)]},
                 "learning_rate must be finite and > 0 at every iteration", id="learning_rate-nan"),
    pytest.param({"X": make_X(n_features=2)}, "X has 2 features, but SOM is expecting 3 features as input",
                 id="X-features"),
    pytest.param({"X": with_value(0, 0, np.nan)}, "X contains NaN at row 0, column 0", id="X-nan"),
]


@pytest.mark.parametrize(("override", "message"), BAD_ONLINE)
def test_train_online_rejects_bad_inputs(override, message):
    with pytest.raises(ValueError, match=literal(message)):
        train_online(**online_inputs(**override))


def test_train_online_rejects_unknown_neighborhood():
    message = "neighborhood='bubbles' is not one of 'gaussian', 'gaussian_cutoff', 'bubble', 'triangle', 'mexican_hat'"
    with pytest.raises(ValueError, match=literal(message)):
        train_online(**online_inputs(), neighborhood="bubbles")


def test_train_online_does_not_modify_its_inputs():
    args = online_inputs()
    before = {name: np.copy(value) for name, value in args.items()}
    trained, _ = train_online(**args)
    for name, value in args.items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    assert not np.may_share_memory(trained, args["weights"])


# ---------------------------------------------------------------------------
# User arrays are never modified
# ---------------------------------------------------------------------------

def _float64():
    return make_X(), make_X()


def _float32():
    X = make_X().astype(np.float32)
    return X, X


def _int():
    X = np.random.default_rng(0).integers(0, 5, size=(20, N_FEATURES))
    return X, X


def _strided():
    wide = make_X(n_features=2 * N_FEATURES)
    return wide[:, ::2], wide


def _fortran():
    X = np.asfortranarray(make_X())
    return X, X


@pytest.mark.parametrize("make", [_float64, _float32, _int, _strided, _fortran],
                         ids=["float64", "float32", "int", "strided", "fortran"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_user_X_is_never_modified(make, dtype):
    X, owner = make()  # owner: the array X's memory belongs to
    X_before, owner_before = X.copy(), owner.copy()
    som = small_som(dtype=dtype, n_iterations=50).fit(X)
    som.predict(X)
    som.transform(X)
    som.quantization_error(X)
    som.topographic_error(X)
    som.fit_predict(X)
    assert X.dtype == X_before.dtype
    assert np.ascontiguousarray(X).tobytes() == X_before.tobytes(), f"dtype={dtype}"
    assert owner.tobytes() == owner_before.tobytes(), f"dtype={dtype}"
    assert not np.may_share_memory(som.weights_, X)


@pytest.mark.parametrize(("init_dtype", "dtype"), [("float64", "float64"), ("float32", "float32"),
                                                   ("float64", "float32")])
def test_init_array_is_copied_not_modified(init_dtype, dtype):
    init = np.random.default_rng(1).random((2, 2, N_FEATURES)).astype(init_dtype)
    init_before = init.copy()
    som = small_som(init=init, dtype=dtype, n_iterations=50).fit(make_X())
    assert init.tobytes() == init_before.tobytes()
    assert not np.may_share_memory(som.weights_, init)
    assert not np.array_equal(som.weights_, init), "training moved no unit: the test would prove nothing"


# ---------------------------------------------------------------------------
# Validation runs before any kernel
# ---------------------------------------------------------------------------

def _kernel_reached(*args, **kwargs):
    raise AssertionError("a kernel ran before validation finished")


@pytest.fixture
def no_training_kernel(monkeypatch):
    monkeypatch.setattr(fastsom.som, "run_online", _kernel_reached)


def test_patched_training_kernel_is_reached_by_a_valid_fit(no_training_kernel):
    """Baseline: the patch is in effect, so the cases below are meaningful."""
    with pytest.raises(AssertionError, match="a kernel ran"):
        small_som().fit(make_X())


@pytest.mark.parametrize(("params", "error", "message"), BAD_PARAMS)
def test_bad_parameters_are_caught_before_training(no_training_kernel, params, error, message):
    with pytest.raises(error, match=literal(message)):
        small_som(**params).fit(make_X())


@pytest.mark.parametrize(("X", "error", "message"), BAD_X)
def test_bad_X_is_caught_before_training(no_training_kernel, X, error, message):
    with pytest.raises(error, match=literal(message)):
        small_som().fit(X)


def test_bad_init_is_caught_before_training(no_training_kernel):
    with pytest.raises(ValueError, match=literal("init has shape (2, 2, 2)")):
        small_som(init=np.full((2, 2, 2), 0.5)).fit(make_X())


@pytest.fixture
def no_bmu_kernel(monkeypatch, fitted_som):
    monkeypatch.setattr(fastsom.analysis.metrics, "best_two_units", _kernel_reached)
    monkeypatch.setattr(fastsom.analysis.metrics, "distances", _kernel_reached)
    return fitted_som


@pytest.mark.parametrize("method", METHODS)
def test_patched_bmu_kernel_is_reached_by_valid_queries(no_bmu_kernel, method):
    with pytest.raises(AssertionError, match="a kernel ran"):
        getattr(no_bmu_kernel, method)(make_X())


@pytest.mark.parametrize("method", METHODS)
def test_bad_queries_are_caught_before_the_bmu_kernel(no_bmu_kernel, method):
    with pytest.raises(ValueError, match=literal("X has 4 features, but SOM is expecting 3 features as input")):
        getattr(no_bmu_kernel, method)(make_X(n_features=4))
