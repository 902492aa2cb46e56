"""The fused online kernel equals the reference on the same plan.

``ref_`` results come from ``reference/`` (pure Python, the tutorial's
loops); ``comp_`` results from fastsom. BMU sequences must be identical;
weights agree to the tolerance written in each call.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastsom import make_plan, train_online, tutorial_schedules
from fastsom.datasets import make_colours
from reference import distances as ref_distances
from reference import grid as ref_grid
from reference import online as ref_online
from reference import tutorial as ref_tutorial


def ref_tutorial_train(X, initial_weights, sample_indices):
    """The tutorial on the library's layout; returns (weights, unit-index BMUs)."""
    n_cols = initial_weights.shape[1]
    with np.errstate(divide="ignore"):  # ln(init_radius) = 0 on maps of width 2
        net, bmu_idx = ref_tutorial.train(X.T, initial_weights, sample_indices)
    return net, bmu_idx[:, 0] * n_cols + bmu_idx[:, 1]


def comp_tutorial_train(X, initial_weights, sample_indices, strict=True):
    n_rows, n_cols, _ = initial_weights.shape
    learning_rate, sigma = tutorial_schedules(n_rows, n_cols, len(sample_indices))
    return train_online(X, initial_weights, sample_indices, learning_rate, sigma,
                        neighborhood="gaussian_cutoff", strict=strict)


@pytest.mark.parametrize(
    "n_rows, n_cols, n_features, n_samples, n_iterations",
    [
        pytest.param(5, 5, 3, 100, 2000, id="tutorial-colours-5x5"),
        pytest.param(10, 10, 4, 150, 2000, id="10x10-4-features"),
    ],
)
def test_article_mode_equals_reference(n_rows, n_cols, n_features, n_samples, n_iterations):
    if n_features == 3:
        X = make_colours(n_samples, random_state=7)  # the tutorial's own data
    else:
        X = np.random.default_rng(3).random((n_samples, n_features))
    plan = make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, random_state=11)

    ref_w, ref_bmus = ref_tutorial_train(X, plan.initial_weights, plan.sample_indices)
    comp_w, comp_bmus = comp_tutorial_train(X, plan.initial_weights, plan.sample_indices)

    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg="BMU sequences differ")
    np.testing.assert_allclose(comp_w, ref_w, rtol=0, atol=1e-12, err_msg=f"{n_rows}x{n_cols}, strict kernel")


def test_tutorial_schedules_are_the_tutorials_bit_for_bit():
    n_rows, n_cols, n_iterations = 7, 4, 500
    comp_lr, comp_sigma = tutorial_schedules(n_rows, n_cols, n_iterations)
    init_radius = max(n_rows, n_cols) / 2
    time_constant = n_iterations / np.log(init_radius)
    ref_sigma = [ref_tutorial.decay_radius(init_radius, i, time_constant) for i in range(n_iterations)]
    ref_lr = [ref_tutorial.decay_learning_rate(0.01, i, n_iterations) for i in range(n_iterations)]
    np.testing.assert_array_equal(comp_sigma, ref_sigma)
    np.testing.assert_array_equal(comp_lr, ref_lr)


@st.composite
def online_cases(draw, quantized=True, even_rows=False, min_features=1):
    """Small maps and plans: (X, weights (n_rows, n_cols, n_features), sample_indices).

    With ``quantized`` (for the strict kernel) values are multiples of 1/4
    and both samples and units are drawn from small pools, so duplicates and
    BMU ties happen: squared distances are exact in any summation order, so
    ties between *different* units are exact ties too, and the tie rule
    (lowest index) is what decides them.

    Without ``quantized`` (for the fastmath kernel) values are continuous and
    every unit is distinct. Fastmath rounds w + f * (x - w) through an FMA
    and reassociates the distance sums, so two units tied in the reference's
    arithmetic can be a rounding apart in the kernel's: which one wins is
    then rounding, not the tie rule. Duplicated units would tie at the very
    first iteration and leave nothing to compare (issue 9: 80% of the
    examples did); duplicated samples are harmless and kept.
    """
    n_rows = 2 * draw(st.integers(1, 4)) if even_rows else draw(st.integers(1, 8))
    n_cols = draw(st.integers(1, 8))
    n_units = n_rows * n_cols
    n_features = draw(st.integers(min_features, 10))
    n_iterations = draw(st.integers(1, 300))
    n_distinct_samples = draw(st.integers(1, 12))
    n_samples = draw(st.integers(n_distinct_samples, 24))
    n_distinct_units = draw(st.integers(1, n_units)) if quantized else n_units
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if quantized:
        pool = rng.integers(0, 5, (n_distinct_samples, n_features)) / 4
        unit_pool = rng.integers(0, 5, (n_distinct_units, n_features)) / 4
        units = unit_pool[rng.integers(0, n_distinct_units, n_units)]
    else:
        pool = rng.random((n_distinct_samples, n_features))
        units = rng.random((n_units, n_features))
    X = pool[rng.integers(0, n_distinct_samples, n_samples)]
    sample_indices = rng.integers(0, n_samples, n_iterations)
    return X, units.reshape(n_rows, n_cols, n_features), sample_indices


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(online_cases())
def test_article_mode_equals_reference_on_generated_maps(case):
    X, weights, sample_indices = case
    ref_w, ref_bmus = ref_tutorial_train(X, weights, sample_indices)
    comp_w, comp_bmus = comp_tutorial_train(X, weights, sample_indices)
    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg="BMU sequences differ")
    np.testing.assert_allclose(comp_w, ref_w, rtol=0, atol=1e-12, err_msg=f"map {weights.shape}")


@pytest.mark.parametrize("neighborhood", ["gaussian", "gaussian_cutoff"])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "fastmath"])
def test_general_kernel_equals_reference_loop(make_online_plan, neighborhood, strict):
    # The fastmath kernel reassociates the distance sum and fuses w + f*(x-w)
    # into an FMA: each weight differs by a few ulps per update, and the
    # online update is a contraction (|1 - f| < 1), so the differences do not
    # grow. 1e-12 leaves three orders of magnitude over what we observe.
    X, plan, learning_rate, sigma = make_online_plan(6, 7, 9, 400, seed=5)
    grid_d2 = ref_grid.distance_function(6, 7)
    ref_w, ref_bmus = ref_online.train_online(
        X, plan.initial_weights.reshape(42, 9), grid_d2, plan.sample_indices, learning_rate, sigma, neighborhood
    )
    comp_w, comp_bmus = train_online(
        X, plan.initial_weights, plan.sample_indices, learning_rate, sigma, neighborhood=neighborhood, strict=strict
    )
    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg=f"{neighborhood}, strict={strict}")
    np.testing.assert_allclose(comp_w.reshape(42, 9), ref_w, rtol=0, atol=1e-12,
                               err_msg=f"{neighborhood}, strict={strict}")


def test_float32_kernel_follows_float64_reference(make_online_plan):
    # float32 rounds every weight to ~6e-8 relative; over 400 contracting
    # updates the drift stays within 1e-5 of the float64 reference. The plan
    # is fixed (not generated) because float32 can legitimately flip a BMU
    # whose two distances agree to 1e-7; this one has no such near-tie.
    X, plan, learning_rate, sigma = make_online_plan(6, 7, 9, 400, seed=5)
    grid_d2 = ref_grid.distance_function(6, 7)
    ref_w, ref_bmus = ref_online.train_online(
        X, plan.initial_weights.reshape(42, 9), grid_d2, plan.sample_indices, learning_rate, sigma, "gaussian"
    )
    comp_w, comp_bmus = train_online(
        X.astype(np.float32), plan.initial_weights.astype(np.float32), plan.sample_indices, learning_rate, sigma,
        neighborhood="gaussian", strict=False,
    )
    assert comp_w.dtype == np.float32
    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg="float32 BMU sequence")
    np.testing.assert_allclose(comp_w.reshape(42, 9), ref_w, rtol=0, atol=1e-5, err_msg="float32 vs float64 reference")


def test_fast_kernel_in_tutorial_configuration_equals_reference():
    X = make_colours(100, random_state=1)
    plan = make_plan(5, 5, 3, 100, 2000, random_state=2)
    ref_w, ref_bmus = ref_tutorial_train(X, plan.initial_weights, plan.sample_indices)
    comp_w, comp_bmus = comp_tutorial_train(X, plan.initial_weights, plan.sample_indices, strict=False)
    np.testing.assert_array_equal(ref_bmus, comp_bmus)
    np.testing.assert_allclose(comp_w, ref_w, rtol=0, atol=1e-12, err_msg="fastmath kernel, tutorial setup")


def test_train_online_does_not_modify_its_inputs(make_online_plan):
    X, plan, learning_rate, sigma = make_online_plan(3, 3, 2, 50, seed=0)
    inputs = (X, plan.initial_weights, plan.sample_indices, learning_rate, sigma)
    before = [a.copy() for a in inputs]
    weights, _ = train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma)
    for original, kept in zip(inputs, before, strict=True):
        np.testing.assert_array_equal(original, kept)
    assert not np.may_share_memory(weights, plan.initial_weights)


TOPOLOGIES = [("rectangular", False), ("rectangular", True), ("hexagonal", False), ("hexagonal", True)]
NEIGHBORHOOD_NAMES = list(ref_online.NEIGHBORHOODS)
DISTANCE_NAMES = list(ref_distances.DISTANCES)


@st.composite
def general_cases(draw, quantized):
    """Any topology, neighbourhood, distance and schedule on a small map (see online_cases)."""
    kind, toroidal = draw(st.sampled_from(TOPOLOGIES))
    distance = draw(st.sampled_from(DISTANCE_NAMES))
    # A hexagonal torus needs an even number of rows. One feature makes
    # every cosine distance 0 or 2: continuous data would tie everywhere.
    X, weights, sample_indices = draw(online_cases(
        quantized, even_rows=toroidal and kind == "hexagonal",
        min_features=2 if distance == "cosine" and not quantized else 1))
    n_iterations = len(sample_indices)
    lr_start, lr_end = draw(st.floats(0.05, 1.0)), draw(st.floats(0.001, 0.05))
    sigma_start, sigma_end = draw(st.floats(0.5, 6.0)), draw(st.floats(0.1, 1.5))
    learning_rate = np.linspace(lr_start, lr_end, n_iterations)
    sigma = np.linspace(sigma_start, sigma_end, n_iterations)
    neighborhood = draw(st.sampled_from(NEIGHBORHOOD_NAMES))
    return X, weights, sample_indices, learning_rate, sigma, neighborhood, kind, toroidal, distance


def ref_general_train(X, weights, sample_indices, learning_rate, sigma, neighborhood, kind, toroidal,
                      distance="euclidean", gaps=None):
    n_rows, n_cols, n_features = weights.shape
    grid_d2 = ref_grid.distance_function(n_rows, n_cols, kind, toroidal)
    return ref_online.train_online(X, weights.reshape(n_rows * n_cols, n_features), grid_d2, sample_indices,
                                   learning_rate, sigma, neighborhood, distance, gaps)


def comp_general_train(X, weights, sample_indices, learning_rate, sigma, neighborhood, kind, toroidal, distance,
                       strict):
    return train_online(X, weights, sample_indices, learning_rate, sigma, neighborhood=neighborhood, topology=kind,
                        toroidal=toroidal, distance=distance, strict=strict)


def assert_same_training(case, strict):
    """fastsom's kernel against the reference on one generated case."""
    X, weights, sample_indices, learning_rate, sigma, neighborhood, kind, toroidal, distance = case
    message = f"{kind}, toroidal={toroidal}, {neighborhood}, {distance}, strict={strict}, map {weights.shape}"
    ref_w, ref_bmus = ref_general_train(*case)
    comp_w, comp_bmus = comp_general_train(*case, strict)
    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg=message)
    # The mexican hat pushes distant units away and can grow weights to 1e3 and
    # beyond; FMA rounding differences scale with the weights, hence rtol too.
    np.testing.assert_allclose(comp_w.reshape(ref_w.shape), ref_w, rtol=1e-12, atol=1e-12, err_msg=message)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(general_cases(quantized=True))
def test_every_topology_and_neighborhood_equals_reference_strict(case):
    # Quantized values and duplicated units: exact ties are common, and the
    # strict kernel must break them as the reference does, to the last iteration.
    assert_same_training(case, strict=True)


#: A BMU the reference chose by less than this (second-best distance minus
#: best) is decided by rounding in the fastmath kernel.
NEAR_TIE = 1e-9


def compare_fastmath_until_near_tie(case):
    """Compare the fastmath kernel with the reference up to the first near tie; return (compared, planned).

    Units that receive the same factors converge onto one another
    (symmetric units of a small torus, every unit of a bubble) until they
    are ulps apart, or exactly equal in the reference's rounding but not in
    FMA's (a CI run found units 0 and 1 of a 2x3 bubble torus tied exactly
    in the reference and 1 ulp apart here). Which is nearer is then decided
    by rounding. So both sides are run on the iterations before the first
    BMU the reference chose by less than NEAR_TIE, and their BMUs and
    weights compared there. Exact tie-breaking is checked by the strict
    cases, which run the same kernel source.
    """
    X, weights, sample_indices, learning_rate, sigma, *grid_and_options = case
    gaps = []
    ref_general_train(*case, gaps=gaps)
    n_compared = next((i for i, gap in enumerate(gaps) if gap < NEAR_TIE), len(gaps))
    # Distinct continuous units are never near a tie at the first iteration.
    assert n_compared > 0, f"near tie at iteration 0 (gap {gaps[0]:.3g}): this example compares nothing"
    done = slice(0, n_compared)
    assert_same_training((X, weights, sample_indices[done], learning_rate[done], sigma[done], *grid_and_options),
                         strict=False)
    return n_compared, len(gaps)


def test_every_topology_and_neighborhood_equals_reference_fastmath():
    counts = []

    # derandomize: the thresholds below are statistics of the examples drawn,
    # and a run of fresh random examples fell under one once in about 40
    # runs (51% of the iterations compared, a few long examples with early
    # near ties). The same 60 examples every run: a bug still fails them.
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
    @given(general_cases(quantized=False))
    def compare(case):
        counts.append(compare_fastmath_until_near_tie(case))

    compare()
    # A property test must fail when the kernel is wrong on most of its
    # examples: it must compare most iterations, not return early. Measured
    # over 400 examples: 90% compared to the end, 90% of the iterations.
    compared, planned = np.sum(counts, axis=0)
    in_full = sum(n == total for n, total in counts)
    assert in_full >= 0.6 * len(counts), f"only {in_full} of {len(counts)} examples compared to their end"
    assert compared >= 0.6 * planned, f"only {compared} of {planned} iterations compared"


def _float32_plan(seed):
    """A fixed 4x6 plan of 250 iterations on 5 features, with gentle schedules (see below)."""
    rng = np.random.default_rng(seed)
    X = rng.random((60, 5))
    weights = rng.random((4, 6, 5))
    sample_indices = rng.integers(0, 60, 250)
    return X, weights, sample_indices, np.linspace(0.2, 0.01, 250), np.linspace(1.5, 0.8, 250)


@pytest.mark.parametrize("kind, toroidal", TOPOLOGIES)
@pytest.mark.parametrize("neighborhood", NEIGHBORHOOD_NAMES)
def test_float32_follows_the_float64_reference_on_every_topology(kind, toroidal, neighborhood):
    # Fixed plans (see test_float32_kernel_follows_float64_reference for why),
    # in a well-conditioned regime: with a large rate, a bubble covering the
    # whole torus makes units converge onto each other until float32 rounds
    # them into exact ties that float64 still separates, and the mexican hat
    # pushes weights apart without bound. Both are float32 facts, not bugs.
    X, weights, sample_indices, learning_rate, sigma = _float32_plan(17)
    case = (X, weights, sample_indices, learning_rate, sigma, neighborhood, kind, toroidal)
    ref_w, ref_bmus = ref_general_train(*case)
    comp_w, comp_bmus = train_online(X.astype(np.float32), weights.astype(np.float32), sample_indices,
                                     learning_rate, sigma, neighborhood=neighborhood, topology=kind,
                                     toroidal=toroidal, strict=False)
    message = f"float32, {kind}, toroidal={toroidal}, {neighborhood}"
    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg=message)
    # float32 keeps ~7 digits; the mexican hat still grows weights to ~1e3
    # here, so the rounding drift is relative: rtol 1e-4 (observed 4e-5).
    np.testing.assert_allclose(comp_w.reshape(ref_w.shape), ref_w, rtol=1e-4, atol=2e-5, err_msg=message)


@pytest.mark.parametrize("distance", DISTANCE_NAMES)
def test_float32_follows_the_float64_reference_for_every_distance(distance):
    X, weights, sample_indices, learning_rate, sigma = _float32_plan(23)
    ref_w, ref_bmus = ref_general_train(X, weights, sample_indices, learning_rate, sigma, "gaussian",
                                        "rectangular", False, distance)
    comp_w, comp_bmus = train_online(X.astype(np.float32), weights.astype(np.float32), sample_indices,
                                     learning_rate, sigma, neighborhood="gaussian", distance=distance, strict=False)
    np.testing.assert_array_equal(ref_bmus, comp_bmus, err_msg=f"float32, {distance}")
    np.testing.assert_allclose(comp_w.reshape(ref_w.shape), ref_w, rtol=1e-4, atol=2e-5, err_msg=f"float32, {distance}")
