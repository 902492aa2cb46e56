"""Shared builders of the test suite: data, training plans, recorded runs.

They are fixtures, not importable helpers (pytest does not mean conftest
files to be imported): a test asks for ``make_X`` and calls it. Every
builder draws from its own ``numpy.random.default_rng(seed)``, never from
NumPy's global state, so a test's data do not depend on which tests ran
before it. Data stay tiny (the suite's compile budget is counted in dtypes
and shapes, not sizes, but its run time is not).

The numba set-up of the suite (where compiled kernels are cached) is in the
repository's top-level ``conftest.py``.
"""

import numpy as np
import pytest

import fastsom.som
import fastsom.training.online
from fastsom import SOM, make_plan
from fastsom.settings import resolve


def _uniform(n_samples=100, n_features=3, seed=0):
    """Uniform [0, 1) data, (n_samples, n_features) float64, a fresh array on every call."""
    return np.random.default_rng(seed).random((n_samples, n_features))


@pytest.fixture(scope="session")
def answers_on_one_and_all_threads():
    """``answers(build, X)``: every query's answer of ``build(n_jobs)``'s fitted map, for n_jobs=1 and -1.

    n_jobs=1 runs every kernel's serial twin, -1 the parallel entries (fastsom._threads):
    the two must give the same bits, so tests compare the two dicts.
    """
    def answers(build, X):
        result = {}
        for n_jobs in (1, -1):
            som = build(n_jobs).fit(X)
            bmus, distances = som.predict(X, return_distance=True)
            result[n_jobs] = {"weights": som.weights_.copy(), "bmus": bmus, "distances": distances,
                              "transform": som.transform(X), "qe": som.quantization_error(X),
                              "te": som.topographic_error(X), "distortion": som.distortion(X),
                              "product": som.topographic_product(), "umatrix": som.umatrix()}
        return result[1], result[-1]
    return answers


@pytest.fixture(scope="session")
def make_X():
    """The data maker: ``make_X(n_samples=100, n_features=3, seed=0)``, uniform [0, 1)."""
    return _uniform


@pytest.fixture(scope="module")
def X():
    """100 samples of 3 uniform features: ``make_X()``."""
    return _uniform()


@pytest.fixture(scope="session")
def fitted_som():
    """A hand-made fitted map: ``fitted_som(weights, **params)``, ``weights`` (n_rows, n_cols, n_features).

    Built through the estimator's door for fitted maps (``SOM._from_fitted``,
    which model files and SOM_PAK use), not by a fit at a tiny learning rate:
    its weights are exactly ``weights``, in the dtype ``params`` ask for.
    """

    def build(weights, **params):
        n_rows, n_cols, _ = np.shape(weights)
        settings = resolve(SOM(n_rows, n_cols, **params).get_params())
        return SOM._from_fitted(settings, np.asarray(weights, dtype=settings.dtype))

    return build


@pytest.fixture(scope="session")
def make_online_plan():
    """A fixed online training plan: ``make_online_plan(n_rows, n_cols, n_features, n_iterations, seed)``.

    Returns ``(X, plan, learning_rate, sigma)``: 80 uniform samples, the
    seed's :func:`fastsom.make_plan`, and MiniSom-like asymptotic schedules
    (0.5 and 3.0 falling to a third) that keep every neighbourhood busy.
    """

    def build(n_rows, n_cols, n_features, n_iterations, seed, n_samples=80):
        X = _uniform(n_samples, n_features, seed)
        plan = make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, random_state=seed)
        decay = 1 + np.arange(n_iterations) / (n_iterations / 2)
        return X, plan, 0.5 / decay, 3.0 / decay

    return build


@pytest.fixture
def runs(monkeypatch):
    """Record what the estimator hands the online driver, then train as usual.

    Each entry: the weights before the call (so the initial map, exactly), and the
    sample order, learning rates and radii of that call.
    """
    recorded = []
    real_run_online = fastsom.som.run_online

    def recording_run_online(X, weights, coords, geometry, order, schedule, *args, **kwargs):
        run = dict(weights=weights.copy(), sample_indices=[], learning_rate=[], sigma=[])
        recorded.append(run)

        class RecordingOrder:  # the driver takes one block at a time
            n_iterations = order.n_iterations

            def take(self, start, stop):
                block = order.take(start, stop)
                run["sample_indices"].append(block[:stop - start].copy())
                return block

        def recording_schedule(start, stop):
            learning_rate, sigma = schedule(start, stop)
            run["learning_rate"].append(learning_rate.copy())
            run["sigma"].append(sigma.copy())
            return learning_rate, sigma

        try:
            return real_run_online(X, weights, coords, geometry, RecordingOrder(), recording_schedule, *args,
                                   **kwargs)
        finally:
            for name in ("sample_indices", "learning_rate", "sigma"):
                run[name] = np.concatenate(run[name]) if run[name] else np.empty(0)

    monkeypatch.setattr(fastsom.som, "run_online", recording_run_online)
    return recorded


@pytest.fixture
def online_block_size(monkeypatch):
    """``online_block_size(n)``: online training runs (and reports) every n iterations; returns n.

    The default block is far larger than the tests' runs, which would then
    be one block each.
    """

    def set_block_size(n):
        monkeypatch.setattr(fastsom.training.online, "default_block_size", lambda n_units, n_features: n)
        return n

    return set_block_size


@pytest.fixture
def interrupting_progress_bar(monkeypatch):
    """``interrupting_progress_bar(stop_at)``: Ctrl-C once ``stop_at`` iterations or epochs are done.

    The estimator's progress bar (drawn with ``verbose=True``) is replaced by
    one that raises KeyboardInterrupt from its ``update``, between two blocks
    or epochs, where a real Ctrl-C is honoured. Returns the list its
    ``close`` appends ``True`` to.
    """

    def install(stop_at):
        closed = []

        class InterruptingBar:
            def __init__(self, total, *args, **kwargs):
                self.total = total

            def update(self, done):
                if done >= stop_at:
                    raise KeyboardInterrupt

            def close(self):
                closed.append(True)

        monkeypatch.setattr(fastsom.som, "ProgressBar", InterruptingBar)
        return closed

    return install
