"""Parameters are read in fit only; schedules and the plan are evaluated per block, not per run.

scikit-learn's rule: ``set_params`` after ``fit`` changes the next fit and
nothing else. Every query, ``save``, the plots and SOM_PAK export read the
settings the map was fitted with (``settings_``).
"""

import pickle
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fastsom
import fastsom.training.online
from fastsom import SOM, export_cod, make_plan
from fastsom.settings import resolve
from fastsom.training import schedules
from fastsom.training.plan import SampleOrder, start_plan

#: What ``set_params`` may change after a fit; none of it may reach the fitted map.
CHANGES = dict(n_rows=5, n_cols=2, topology="hexagonal", toroidal=True, distance="manhattan",
               neighborhood="bubble", dtype="float32", sigma=0.5, sigma_end=0.1, algorithm="batch", n_epochs=3,
               n_iterations=7)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((100, 3))


def queries(som, X):
    return dict(predict=som.predict(X), transform=som.transform(X), quantization_error=som.quantization_error(X),
                topographic_error=som.topographic_error(X), distortion=som.distortion(X),
                topographic_product=som.topographic_product(), umatrix=som.umatrix(), hits=som.hit_counts(X),
                weights=som.weights_.copy())


def test_set_params_after_fit_changes_no_query(X):
    som = SOM(4, 5, n_iterations=1000, random_state=0).fit(X)
    before = queries(som, X)
    som.set_params(**CHANGES)
    after = queries(som, X)
    for name, value in before.items():
        assert_array_equal(after[name], value, err_msg=name)


def test_a_map_saved_after_set_params_loads_as_fitted(tmp_path, X):
    som = SOM(4, 5, n_iterations=1000, random_state=0).fit(X)
    som.set_params(n_rows=5, topology="hexagonal")
    loaded = fastsom.load(som.save(tmp_path / "m.npz"))
    assert (loaded.n_rows, loaded.topology) == (4, "rectangular")
    assert_array_equal(loaded.predict(X), som.predict(X))
    assert loaded.topographic_error(X) == SOM(4, 5, n_iterations=1000, random_state=0).fit(X).topographic_error(X)


def test_export_and_plots_read_the_fitted_topology(tmp_path, X):
    som = SOM(3, 4, n_iterations=300, random_state=0).fit(X)
    som.set_params(topology="hexagonal", neighborhood="bubble")
    with open(export_cod(som, tmp_path / "m.cod")) as stream:
        assert stream.readline() == "3 rect 4 3 gaussian\n"
    plot = pytest.importorskip("fastsom.analysis.plot")
    pytest.importorskip("matplotlib")
    ax = plot.plot_umatrix(som)
    corners = {len(path.vertices) - 1 for path in ax.collections[0].get_paths()}
    assert corners == {4}, "a rectangular map is drawn with squares"
    ax.figure.clf()


def test_weights_cannot_be_replaced(X):
    """Replacing weights_ left predict on the old buffer and let umatrix read out of bounds."""
    som = SOM(4, 4, n_iterations=100, random_state=0).fit(X)
    with pytest.raises(AttributeError, match="weights_ cannot be replaced"):
        som.weights_ = np.random.default_rng(0).random((2, 2, 3))
    som.weights_[0, 0] = 0.5  # in place: the one buffer every query reads
    assert_array_equal(som.transform(X[:1])[0, 0], np.sqrt(((X[0] - 0.5) ** 2).sum()))


def test_partial_fit_continues_a_map_and_restarts_a_redefined_one(X):
    som = SOM(3, 3, n_iterations=500, random_state=0).partial_fit(X)
    som.set_params(learning_rate=0.1)  # a training setting: takes effect, the map goes on
    som.partial_fit(X)
    assert som.n_iter_ == 200 and som.settings_.learning_rate == 0.1
    som.set_params(topology="hexagonal")  # the map's definition: a new map
    som.partial_fit(X)
    assert som.n_iter_ == 100 and som.settings_.topology == "hexagonal"


def test_settings_survive_pickle_and_clone(X):
    som = SOM(3, 3, n_iterations=100, random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(som))
    assert again.settings_.params == som.settings_.params
    assert_array_equal(again.predict(X), som.predict(X))


# ---------------------------------------------------------------- memory


def peak_bytes(run):
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_partial_fit_of_a_big_map_does_not_lay_out_its_whole_run(X):
    """SOM(200, 200).partial_fit(X[:50]) held both schedules over 20,000,000 iterations (1.2 GB)."""
    som = SOM(200, 200, random_state=0)
    peak = peak_bytes(lambda: som.partial_fit(X[:50]))
    map_bytes = som.weights_.nbytes
    assert som.settings_.n_steps == 20_000_000
    assert peak < map_bytes + 64 * 2**20, f"peak {peak / 2**20:.0f} MiB for a {map_bytes / 2**20:.1f} MiB map"


def test_a_long_fit_holds_no_whole_run_arrays(X):
    """Sample order and schedules of 20,000,000 iterations: 480 MB when laid out up front."""

    def stop(info):
        raise KeyboardInterrupt

    som = SOM(10, 10, n_iterations=20_000_000, init="sample", callbacks=[stop], random_state=0)

    def run():
        with pytest.raises(KeyboardInterrupt):
            som.fit(X)

    peak = peak_bytes(run)
    assert som.n_iter_ > 0
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB"


# ------------------------------------------- the same values, drawn in pieces


@pytest.mark.parametrize("name", sorted(schedules.SCHEDULES))
def test_schedules_evaluated_per_block_equal_the_whole_run(name):
    whole = schedules.evaluate(name, 4.0, 0.5, 10_007)
    pieces = np.concatenate([schedules.evaluate(name, 4.0, 0.5, 10_007, steps=np.arange(lo, min(lo + 999, 10_007)))
                             for lo in range(0, 10_007, 999)])
    assert_array_equal(pieces, whole)


def test_steps_past_the_end_take_the_last_value():
    # linear from 1.0 to 0.5 over 10 steps: 1 - 0.5 * 9 / 10 at the last
    assert_array_equal(schedules.evaluate("linear", 1.0, 0.5, 10, steps=[9, 10, 500]), [0.55, 0.55, 0.55])


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937, np.random.Philox])
@pytest.mark.parametrize("init", ["random", "sample", "pca"])
def test_the_started_plan_draws_make_plans_values(bit_generator, init):
    ref_plan = make_plan(3, 4, 5, 37, 1001, np.random.Generator(bit_generator(7)))
    rng = np.random.Generator(bit_generator(7))
    comp_plan = start_plan(rng, 3, 4, 5, 37, 1001, init)
    if init == "random":
        assert_array_equal(comp_plan.initial_weights, ref_plan.initial_weights.reshape(12, 5))
    else:
        assert comp_plan.initial_weights is None
    assert_array_equal(comp_plan.init_indices, ref_plan.init_indices)
    order = [comp_plan.order.take(lo, min(lo + 100, 1001))[:min(100, 1001 - lo)] for lo in range(0, 1001, 100)]
    assert_array_equal(np.concatenate(order), ref_plan.sample_indices)
    after = np.random.Generator(bit_generator(7))
    make_plan(3, 4, 5, 37, 1001, after)
    assert_array_equal(rng.random(4), after.random(4), err_msg="the generator ends where make_plan leaves it")


def test_a_sample_order_looks_one_ahead_and_goes_in_order():
    order = SampleOrder(np.random.default_rng(0), 10, 5)
    first = order.take(0, 2)
    assert len(first) == 3  # iterations 0, 1 and the next block's first
    assert_array_equal(order.take(2, 5)[:1], first[2:])
    with pytest.raises(ValueError, match="in order"):
        SampleOrder(np.random.default_rng(0), 10, 5).take(1, 2)


def test_fit_equals_the_reference_plan_run_in_one_call(X, monkeypatch):
    """Per-block plans and schedules reproduce train_online on make_plan's arrays, bit for bit."""
    monkeypatch.setattr(fastsom.training.online, "default_block_size", lambda n_units, n_features: 256)
    som = fastsom.tutorial_som(4, 3, n_iterations=3000, random_state=3).fit(X)
    plan = make_plan(4, 3, 3, len(X), 3000, random_state=3)
    learning_rate, sigma = fastsom.tutorial_schedules(4, 3, 3000)
    ref, _ = fastsom.train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma)
    assert_array_equal(som.weights_, ref)


def test_resolve_reports_a_bad_callable_schedule_at_fit():
    params = SOM(3, 3, n_iterations=100, sigma_schedule=lambda step, n: 1.0 - step / 50).get_params()
    with pytest.raises(ValueError, match="sigma_schedule gives -0.98 at step 99"):
        resolve(params)
