"""``SOM(algorithm="batch")``: what the estimator does around the batch map.

``partial_fit`` (one epoch per call at the next radius), callbacks and
``history_`` (each epoch reports the errors of the map it started from),
early stopping, Ctrl-C between epochs and inside one, and the save / load
round trip. Expected maps come from ``reference.batch`` (pure Python,
Kohonen's batch map as written) on a radius schedule written out by hand,
or from the estimator itself where two ways of training must give the same
bits (``partial_fit`` against ``fit``, a resumed run against an
uninterrupted one). Data stay tiny: a 3x4 map, 40 samples of 3 features.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fastsom
from fastsom import SOM
from fastsom.training import batch
from reference import batch as ref_batch
from reference import grid as ref_grid

N_ROWS, N_COLS, N_FEATURES = 3, 4, 3


@pytest.fixture(scope="module")
def X(make_X):
    return make_X(n_samples=40, n_features=N_FEATURES, seed=21)


@pytest.fixture(scope="module")
def W0(make_X):
    """The initial map, (n_rows, n_cols, n_features): uniform [0, 1), like the data."""
    return make_X(n_samples=N_ROWS * N_COLS, n_features=N_FEATURES, seed=22).reshape(N_ROWS, N_COLS, N_FEATURES)


def batch_som(W0, **params):
    """A 3x4 batch map starting from W0, gaussian, radius 2 -> 0.5 over 3 epochs unless ``params`` say otherwise."""
    return SOM(N_ROWS, N_COLS, **{"algorithm": "batch", "n_epochs": 3, "sigma": 2.0, "sigma_end": 0.5, "init": W0,
                                  **params})


def ref_maps(X, W0, sigmas):
    """The reference's map after each epoch (one radius per epoch), (n_units, n_features) each."""
    grid_d2 = ref_grid.distance_function(N_ROWS, N_COLS)
    weights, maps = W0.reshape(N_ROWS * N_COLS, N_FEATURES), []
    for sigma in sigmas:
        weights, _ = ref_batch.train_batch(X, weights, grid_d2, [sigma], "gaussian")
        maps.append(weights)
    return maps


def ref_errors(X, weights):
    """Quantization and topographic error (8 neighbours) of a map, in plain NumPy."""
    distances = np.sqrt(((X[:, None, :] - weights[None]) ** 2).sum(-1))
    best, second = np.argsort(distances, axis=1, kind="stable")[:, :2].T
    rows, cols = np.divmod(np.arange(N_ROWS * N_COLS), N_COLS)
    d2 = (rows[best] - rows[second]) ** 2 + (cols[best] - cols[second]) ** 2
    return distances.min(axis=1).mean(), np.mean(d2 > 2)


# The exponential schedule from 2 to 0.5 over 3 epochs, by hand: sigma_t =
# 2 exp(-t / tau) with tau = 3 / ln(2 / 0.5), i.e. 2 * 4 ** (-t / 3).
SIGMAS = [2.0, 2.0 * 4 ** (-1 / 3), 2.0 * 4 ** (-2 / 3)]  # 2, 1.26, 0.79

# The batch map's weights are means of the data: rounding differences between
# fastsom (GEMM BMUs, separable smoothing, FMA) and the reference stay ~1e-16
# per epoch (see test_batch.update_tolerance for the bound).
TOL = dict(rtol=0, atol=1e-13)


# ---------------------------------------------------------------------------
# partial_fit
# ---------------------------------------------------------------------------

def test_partial_fit_runs_one_epoch_per_call_at_the_next_radius(X, W0):
    som = batch_som(W0)
    expected = ref_maps(X, W0, SIGMAS + [SIGMAS[-1]] * 2)  # past the last epoch the radius stays at its end
    for call, ref in enumerate(expected):
        som.partial_fit(X)
        assert som.n_iter_ == call + 1, "n_iter_ counts epochs"
        assert_allclose(som.weights_.reshape(-1, N_FEATURES), ref, **TOL, err_msg=f"after call {call + 1}")
    # The premise: one more epoch at the first radius would be another map
    # (a call that restarted the schedule would fail above).
    restarted = ref_maps(X, expected[0], SIGMAS[:1])[0]
    assert np.abs(restarted - expected[1]).max() > 1e-3


def test_partial_fit_epochs_equal_a_fit_of_the_same_epochs(X):
    """n_epochs calls train the map ``fit`` trains, bit for bit, from the same random init."""
    params = dict(algorithm="batch", n_epochs=4, random_state=3, callbacks=[lambda info: None])
    fitted = SOM(N_ROWS, N_COLS, **params).fit(X)
    stepped = SOM(N_ROWS, N_COLS, **params)
    for _ in range(4):
        stepped.partial_fit(X)
    assert stepped.n_iter_ == fitted.n_iter_ == 4
    assert_array_equal(stepped.weights_, fitted.weights_)
    assert stepped.history_ == fitted.history_


def test_partial_fit_trains_each_epoch_on_its_own_data(X, W0):
    halves = X[:20], X[20:]
    som = batch_som(W0)
    grid_d2 = ref_grid.distance_function(N_ROWS, N_COLS)
    ref = W0.reshape(-1, N_FEATURES)
    for epoch, part in enumerate([*halves, *halves]):
        som.partial_fit(part)
        ref, _ = ref_batch.train_batch(part, ref, grid_d2, [SIGMAS[min(epoch, 2)]], "gaussian")
        assert_allclose(som.weights_.reshape(-1, N_FEATURES), ref, **TOL, err_msg=f"epoch {epoch}")


def test_fit_after_partial_fit_starts_afresh(X, W0):
    som = batch_som(W0)
    som.partial_fit(X)
    som.partial_fit(X)
    som.fit(X)
    assert som.n_iter_ == 3
    assert_allclose(som.weights_.reshape(-1, N_FEATURES), ref_maps(X, W0, SIGMAS)[-1], **TOL)


# ---------------------------------------------------------------------------
# Callbacks and history_
# ---------------------------------------------------------------------------

def test_callbacks_receive_each_epoch_the_errors_of_the_map_it_started_from(X, W0):
    seen = []
    som = batch_som(W0, callbacks=seen.append).fit(X)
    before = [W0.reshape(-1, N_FEATURES), *ref_maps(X, W0, SIGMAS)[:-1]]
    assert [info["step"] for info in seen] == [0, 1, 2]
    assert [info["n_iter"] for info in seen] == [1, 2, 3]
    for epoch, (info, weights) in enumerate(zip(seen, before, strict=True)):
        quantization_error, topographic_error = ref_errors(X, weights)
        assert info["quantization_error"] == pytest.approx(quantization_error, rel=1e-12), f"epoch {epoch}"
        assert info["topographic_error"] == topographic_error, f"epoch {epoch}"
    # The premise: the errors of the map after each epoch would be others.
    assert seen[1]["quantization_error"] != pytest.approx(ref_errors(X, ref_maps(X, W0, SIGMAS)[1])[0], rel=1e-3)
    assert som.history_ == seen


def test_batch_reports_its_errors_without_being_asked(X, W0):
    """The batch BMU pass yields the errors anyway: history_ has them with no callback or early stopping."""
    som = batch_som(W0).fit(X)
    assert [info["n_iter"] for info in som.history_] == [1, 2, 3]
    assert som.history_[0]["quantization_error"] == pytest.approx(ref_errors(X, W0.reshape(-1, N_FEATURES))[0],
                                                                   rel=1e-12)


def test_partial_fit_callbacks_see_the_estimators_n_iter_and_steps_keep_counting(X, W0):
    seen = []
    som = batch_som(W0)
    som.set_params(callbacks=lambda info: seen.append((info["step"], info["n_iter"], som.n_iter_)))
    for _ in range(4):
        som.partial_fit(X)
    assert seen == [(0, 1, 1), (1, 2, 2), (2, 3, 3), (3, 4, 4)]
    assert [(info["step"], info["n_iter"]) for info in som.history_] == [(0, 1), (1, 2), (2, 3), (3, 4)]


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------

def test_early_stopping_stops_when_the_error_has_not_improved_by_tol(X, W0):
    # At a constant radius the batch map reaches a fixed point (its BMUs stop
    # changing) within a few epochs. The rule, applied by hand to the
    # reference's errors: an epoch improves when its error is below the best
    # so far minus tol; stop after n_iter_no_change epochs in a row that do not.
    tol, n_iter_no_change = 1e-3, 3
    errors = [ref_errors(X, weights)[0] for weights in [W0.reshape(-1, N_FEATURES),
                                                        *ref_maps(X, W0, [1.0] * 12)]]
    best, stale = math.inf, 0
    for epoch, error in enumerate(errors):
        best, stale = (error, 0) if error < best - tol else (best, stale + 1)
        if stale == n_iter_no_change:
            stop = epoch + 1
            break
    # The case is not trivial: the error rises at first, then improves
    # again, then stays (measured: 0.272, 0.330, 0.275, 0.265, 0.261, 0.258, 0.258, ...).
    assert stop == 9
    som = batch_som(W0, n_epochs=20, sigma=1.0, sigma_end=1.0, early_stopping=True, tol=tol,
                    n_iter_no_change=n_iter_no_change).fit(X)
    assert som.n_iter_ == stop
    assert len(som.history_) == stop
    assert_allclose(som.weights_.reshape(-1, N_FEATURES), ref_maps(X, W0, [1.0] * stop)[-1], **TOL)


def test_without_early_stopping_every_epoch_runs(X, W0):
    som = batch_som(W0, n_epochs=12, sigma=1.0, sigma_end=1.0, tol=1e-3, n_iter_no_change=1).fit(X)
    assert som.n_iter_ == 12


# ---------------------------------------------------------------------------
# Ctrl-C
# ---------------------------------------------------------------------------

N_EPOCHS, STOP_AT = 6, 2


@pytest.fixture
def by_the_progress_bar(interrupting_progress_bar):
    """Ctrl-C while the progress bar is drawn after epoch STOP_AT (as in test_som's online test)."""

    def interrupt(som, X):
        closed = interrupting_progress_bar(STOP_AT)
        som.set_params(verbose=True)
        with pytest.raises(KeyboardInterrupt):
            som.fit(X)
        assert closed == [True], "the progress line is finished even on interrupt"
        som.set_params(verbose=False)

    return interrupt


@pytest.fixture
def by_a_callback():
    """Ctrl-C while a callback runs after epoch STOP_AT."""

    def callback(info):
        if info["n_iter"] >= STOP_AT:
            raise KeyboardInterrupt

    def interrupt(som, X):
        som.set_params(callbacks=callback)
        with pytest.raises(KeyboardInterrupt):
            som.fit(X)
        som.set_params(callbacks=None)

    return interrupt


@pytest.fixture
def inside_an_epoch(monkeypatch):
    """Ctrl-C during the smoothing of epoch STOP_AT + 1, after its BMUs and sums: that epoch must not count."""
    real_smooth, calls = batch.smooth, []

    def smooth(*args, **kwargs):
        calls.append(True)
        if len(calls) > STOP_AT:
            raise KeyboardInterrupt
        return real_smooth(*args, **kwargs)

    def interrupt(som, X):
        monkeypatch.setattr(batch, "smooth", smooth)
        with pytest.raises(KeyboardInterrupt):
            som.fit(X)
        monkeypatch.setattr(batch, "smooth", real_smooth)

    return interrupt


INTERRUPTS = ["by_the_progress_bar", "by_a_callback", "inside_an_epoch"]


@pytest.mark.parametrize("interrupt", INTERRUPTS)
def test_interrupted_fit_keeps_whole_epochs_and_resumes_to_the_same_map(request, X, interrupt):
    som = SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=N_EPOCHS, random_state=4)
    request.getfixturevalue(interrupt)(som, X)
    assert som.n_iter_ == STOP_AT
    assert np.isfinite(som.weights_).all()
    assert som.predict(X).max() < N_ROWS * N_COLS
    # The map of the first STOP_AT epochs of the same schedule, run one call at a time.
    stepped = SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=N_EPOCHS, random_state=4)
    for _ in range(STOP_AT):
        stepped.partial_fit(X)
    assert_array_equal(som.weights_, stepped.weights_)
    # Resumed with partial_fit, it ends on the uninterrupted map.
    for _ in range(N_EPOCHS - STOP_AT):
        som.partial_fit(X)
    whole = SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=N_EPOCHS, random_state=4).fit(X)
    assert som.n_iter_ == N_EPOCHS
    assert_array_equal(som.weights_, whole.weights_)


@pytest.mark.parametrize("interrupt", INTERRUPTS)
def test_history_has_one_entry_per_epoch_trained_through_an_interrupt(request, X, interrupt):
    som = SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=N_EPOCHS, random_state=4)
    request.getfixturevalue(interrupt)(som, X)
    assert [info["n_iter"] for info in som.history_] == list(range(1, som.n_iter_ + 1))
    for _ in range(N_EPOCHS - STOP_AT):
        som.partial_fit(X)
    whole = SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=N_EPOCHS, random_state=4).fit(X)
    assert som.history_ == whole.history_


# ---------------------------------------------------------------------------
# Save and load
# ---------------------------------------------------------------------------

def test_a_loaded_batch_map_predicts_and_continues_as_the_saved_one(tmp_path, X):
    kept = SOM(N_ROWS, N_COLS, algorithm="batch", n_epochs=5, init="pca", neighborhood="bubble", topology="hexagonal",
               random_state=6)
    kept.partial_fit(X)
    kept.partial_fit(X)
    loaded = fastsom.load(kept.save(tmp_path / "batch.npz"))
    assert loaded.n_iter_ == 2
    assert_array_equal(loaded.weights_, kept.weights_)
    assert_array_equal(loaded.predict(X), kept.predict(X))
    assert_array_equal(loaded.transform(X), kept.transform(X))
    assert loaded.topographic_error(X) == kept.topographic_error(X)
    for call in range(4):  # the third, fourth and fifth radius, then past the end
        kept.partial_fit(X)
        loaded.partial_fit(X)
        assert loaded.n_iter_ == kept.n_iter_ == 3 + call
        assert_array_equal(loaded.weights_, kept.weights_, err_msg=f"call {call + 1} after loading")
        assert loaded.history_[-1]["quantization_error"] == kept.history_[-1]["quantization_error"]
