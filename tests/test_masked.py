"""Missing values and feature weights: the kernels equal the literal loops of ``reference.masked``.

``ref_`` results come from ``reference/masked.py`` (pure Python, one
sample, unit and feature at a time); ``comp_`` results from fastsom. BMUs
must be identical; distances and weights agree to the tolerance written in
each call.

Data are generic (drawn from a seeded generator, continuous), so a BMU
decided by rounding is improbable; where a comparison could still meet one
(the batch map makes equal units on purpose, see tests/test_batch.py) the
reference's own margin is checked first and the case stops there. Masks
are random with a drawn rate, feature weights have zeros among them, and
every test counts what it compared so that it cannot pass on nothing.
"""

import re
import warnings

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastsom import SOM, make_plan, topology, train_online
from fastsom.analysis import metrics
from fastsom.options import DISTANCES, NEIGHBORHOODS
from fastsom.settings import resolve
from fastsom.training import batch as batch_module
from fastsom.training import init as init_module
from fastsom.training.batch import run_batch
from reference import batch as ref_batch
from reference import grid as ref_grid
from reference import masked as ref
from reference import online as ref_online

DISTANCE_NAMES = list(DISTANCES)


def masked_data(rng, n_samples, n_features, rate, centre=0.5):
    """Uniform data around ``centre`` with a share ``rate`` of values missing at random (NaN)."""
    X = rng.random((n_samples, n_features)) + (centre - 0.5)
    X[rng.random(X.shape) < rate] = np.nan
    return X


def drawn_weights(rng, n_features):
    """Feature weights in [0, 2] with about a quarter zeros, never all zero."""
    mu = rng.random(n_features) * 2
    mu[rng.random(n_features) < 0.25] = 0.0
    mu[rng.integers(n_features)] = 1.5
    return mu


def with_ties(rng, units):
    """``units`` with some of them copied over others (both ways round): exact ties, for the lowest index to win."""
    units = units.copy()
    n_units = units.shape[0]
    if n_units >= 2:
        for _ in range(rng.integers(1, n_units)):
            source, target = rng.choice(n_units, size=2, replace=False)
            units[target] = units[source]
    return units


def ref_margin(X, weights, mu, distance, distinct=True):
    """Smallest relative gap between a sample's two best rank distances (the reference's): how near a tie.

    ``distinct``: over the distinct units, as units that are exact copies tie
    exactly, which the tie rule decides (lowest index), not rounding.
    """
    margin = np.inf
    if distinct:
        weights = np.unique(np.asarray(weights), axis=0)
    if len(weights) < 2:
        return margin
    for x in X:
        if ref.observed_weight(list(x), mu) == 0:
            continue
        d = np.sort([ref.rank_distance(list(x), list(w), mu, distance) for w in weights])
        margin = min(margin, (d[1] - d[0]) / max(1.0, abs(d[0])))
    return margin


# ---------------------------------------------------------------------------
# The oracle itself
# ---------------------------------------------------------------------------

def test_reference_without_masks_is_the_plain_reference(make_online_plan):
    """No NaN, no weights: the masked loops are ``reference.online`` and ``reference.batch`` exactly."""
    X, plan, learning_rate, sigma = make_online_plan(3, 4, 5, 200, seed=2)
    grid_d2 = ref_grid.distance_function(3, 4)
    weights = plan.initial_weights.reshape(12, 5)
    plain = ref_online.train_online(X, weights, grid_d2, plan.sample_indices, learning_rate, sigma, "gaussian")
    masked = ref.train_online(X, weights, grid_d2, plan.sample_indices, learning_rate, sigma, "gaussian")
    for a, b in zip(plain, masked, strict=True):
        np.testing.assert_array_equal(b, a)
    plain = ref_batch.train_batch(X, weights, grid_d2, [2.0, 1.0], "gaussian")
    masked = ref.train_batch(X, weights, grid_d2, [2.0, 1.0], "gaussian")
    for a, b in zip(plain, masked, strict=True):
        np.testing.assert_array_equal(b, a)


def test_reference_gaps_leave_out_exact_copies_of_the_bmu():
    """The online gaps measure rounding's ties, not the tie rule's: copies of the BMU are not a near-tie."""
    units = np.array([[0.0, 0.0], [0.5, 0.5], [0.0, 0.0], [1.0, 1.0]])
    gaps = []
    _, bmus = ref.train_online(np.array([[0.1, 0.1]]), units, ref_grid.distance_function(2, 2), [0], [0.0], [1.0],
                               "gaussian", gaps=gaps)
    assert bmus[0] == 0  # unit 2, its copy, ties and loses to the lower index
    np.testing.assert_allclose(gaps, [0.32 - 0.02], rtol=1e-12)  # to unit 1, not to unit 2 (gap 0)


def test_reference_pairwise_covariance_is_pandas():
    pandas = pytest.importorskip("pandas")
    X = masked_data(np.random.default_rng(0), 40, 4, 0.3)
    np.testing.assert_allclose(ref.pairwise_complete_covariance(X), pandas.DataFrame(X).cov().to_numpy(),
                               rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------
# The batch denominator: per feature is unbiased, per unit is not
# ---------------------------------------------------------------------------

def test_batch_with_missing_values_is_unbiased_and_a_per_unit_denominator_is_not():
    """One unit, data centred at 10, 30% missing at random: the unit lands on 10, within sampling error.

    A one-unit batch map is the mean of the data, whatever the neighbourhood.
    Divided per feature by the values observed (SOM Toolbox), it is the mean
    of the observed values: 10 to within 4 standard errors. Divided per unit
    by all the samples (kohonen's batch rule, the reference's
    ``denominator="unit"``), missing values count as 0, which pulls the unit
    to about 0.7 * 10.
    """
    rng = np.random.default_rng(2026)
    n_samples, n_features = 4000, 3
    X = rng.normal(10.0, 1.0, (n_samples, n_features))
    X[rng.random(X.shape) < 0.3] = np.nan
    observed = np.count_nonzero(~np.isnan(X), axis=0)
    tolerance = 4.0 / np.sqrt(observed)  # 4 standard errors of a mean of N(10, 1)

    with pytest.warns(UserWarning, match="training skips them"):  # 0.3^3 of the rows have nothing observed
        som = SOM(1, 1, algorithm="batch", n_epochs=2, missing="ignore", init="random", random_state=0).fit(X)
    comp = som.weights_.reshape(n_features)
    assert np.all(np.abs(comp - 10.0) < tolerance), f"per-feature denominator: {comp}, want 10 +- {tolerance}"

    grid_d2 = ref_grid.distance_function(1, 1)
    start = np.zeros((1, n_features))
    ref_feature = ref.train_batch(X, start, grid_d2, [1.0], "gaussian", denominator="feature")[0][0]
    ref_unit = ref.train_batch(X, start, grid_d2, [1.0], "gaussian", denominator="unit")[0][0]
    np.testing.assert_allclose(comp, ref_feature, rtol=1e-12)
    share = observed / np.count_nonzero(~np.isnan(X).all(axis=1))  # of the rows it divides by
    np.testing.assert_allclose(ref_unit, 10.0 * share, atol=4 * tolerance.max())  # biased: ~7, not 10
    assert np.all(ref_unit < 10.0 - 20 * tolerance), f"per-unit denominator: {ref_unit}"


# ---------------------------------------------------------------------------
# BMUs, distances and measures against the reference
# ---------------------------------------------------------------------------

@st.composite
def query_cases(draw):
    """(X with NaN, units, feature weights or None, distance, dtype), generic continuous values."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_units = draw(st.integers(1, 12))
    n_features = draw(st.integers(1, 7))
    X = masked_data(rng, draw(st.integers(1, 30)), n_features, draw(st.sampled_from([0.0, 0.2, 0.5, 0.9])))
    X[0] = np.nan  # a row with nothing observed: no BMU
    mu = drawn_weights(rng, n_features) if draw(st.booleans()) else None
    units = rng.random((n_units, n_features))
    if draw(st.booleans()):
        units = with_ties(rng, units)
    return X, units, mu, draw(st.sampled_from(DISTANCE_NAMES))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_cases())
def test_masked_queries_equal_reference(case):
    X, units, mu, distance = case
    weights_list = _weights_list(mu, X.shape[1])
    if ref_margin(X, units, weights_list, distance) < 1e-9:
        return  # a BMU that rounding decides: not the rule's to answer
    metric = DISTANCES[distance]
    comp_bmu, comp_rank, comp_second, _ = metrics.best_two_units(X, units, metric, mu, missing=True)
    comp_table = metrics.distances(X, units, metric, feature_weights=mu, missing=True)
    for i, x in enumerate(X):
        ref_best, ref_second = ref.two_best_units(list(x), units.tolist(), weights_list, distance)
        assert comp_bmu[i] == (-1 if ref_best is None else ref_best), f"row {i}, {distance}"
        if units.shape[0] > 1:
            assert comp_second[i] == (-1 if ref_second is None else ref_second), f"row {i}, {distance}"
        ref_row = [ref.reported_distance(list(x), list(w), weights_list, distance) for w in units]
        np.testing.assert_allclose(comp_table[i], ref_row, rtol=1e-12, atol=1e-12, err_msg=f"row {i}, {distance}")
        if ref_best is not None:
            np.testing.assert_allclose(metrics.to_metric(metric, comp_rank[i]), ref_row[ref_best], rtol=1e-12,
                                       atol=1e-12)
        else:
            assert np.isnan(comp_rank[i]) and np.isnan(comp_table[i]).all()


def _weights_list(mu, n_features):
    return [1.0] * n_features if mu is None else [float(v) for v in mu]


@pytest.mark.parametrize("distance", DISTANCE_NAMES)
def test_estimator_measures_equal_reference(distance):
    rng = np.random.default_rng(5)
    X = masked_data(rng, 60, 5, 0.25)
    mu = drawn_weights(rng, 5)
    # Rows matched on one feature tie every unit in cosine (one direction); keep those of two or more.
    X = X[(~np.isnan(X) & (mu > 0)).sum(axis=1) >= 2]
    X[0] = np.nan  # and one with nothing observed
    with pytest.warns(UserWarning, match="training skips them"):
        som = SOM(3, 4, distance=distance, feature_weights=mu, missing="ignore", n_iterations=500,
                  random_state=1).fit(X)
    units = som.weights_.reshape(12, 5)
    grid_d2 = ref_grid.distance_function(3, 4)
    assert ref_margin(X, units, list(mu), distance) > 1e-9
    np.testing.assert_allclose(som.quantization_error(X), ref.quantization_error(X, units, mu, distance), rtol=1e-12)
    assert som.topographic_error(X) == ref.topographic_error(X, units, grid_d2, 2.0, mu, distance)
    np.testing.assert_allclose(som.transform(X), ref.transform(X, units, mu, distance), rtol=1e-12, atol=1e-12,
                               equal_nan=True)
    ref_imputed = ref.impute(X, units, mu, distance)
    np.testing.assert_array_equal(som.impute(X), ref_imputed)
    assert np.isnan(ref_imputed).sum() < np.isnan(X).sum() / 2  # something was filled (the rows with a BMU)


def test_measures_leave_out_rows_with_nothing_observed(fitted_som):
    som = fitted_som(np.random.default_rng(0).random((2, 3, 2)), missing="ignore", feature_weights=[1.0, 0.0])
    X = np.array([[0.2, 0.3], [np.nan, 0.5], [np.nan, np.nan], [0.9, np.nan]])  # rows 1, 2: nothing of weight > 0
    bmu, distance = som.predict(X, return_distance=True)
    assert bmu[1] == bmu[2] == -1 and np.isnan(distance[1:3]).all() and (bmu[[0, 3]] >= 0).all()
    assert np.isnan(som.transform(X)[1:3]).all()
    np.testing.assert_allclose(som.quantization_error(X), distance[[0, 3]].mean(), rtol=1e-15)
    assert som.hit_counts(X).sum() == 2
    assert sum(len(rows) for rows in som.win_map(X).values()) == 2
    np.testing.assert_array_equal(som.impute(X)[2], [np.nan, np.nan])


def test_feature_weights_enter_the_umatrix_and_topographic_product():
    rng = np.random.default_rng(3)
    units = rng.random((12, 3))
    mu = np.array([0.5, 0.0, 2.0])
    som = SOM(3, 4, feature_weights=mu, distance="manhattan").fit(rng.random((30, 3)))
    som.weights_[...] = units.reshape(3, 4, 3)
    grid_d2 = ref_grid.distance_function(3, 4)
    ref_umatrix = ref_metrics_umatrix(units, grid_d2, mu)
    np.testing.assert_allclose(som.umatrix().ravel(), ref_umatrix, rtol=1e-12)
    scaled = ref_weighted_topographic_product(units, grid_d2, mu)
    np.testing.assert_allclose(som.topographic_product(), scaled, rtol=1e-9)


def ref_metrics_umatrix(units, grid_d2, mu):
    """Per unit, the mean weighted manhattan distance to its 8 grid neighbours (the reference's loop)."""
    out = []
    for u in range(len(units)):
        near = [v for v in range(len(units)) if v != u and grid_d2(u, v) <= 2.0]
        out.append(sum(ref.reported_distance(list(units[u]), list(units[v]), list(mu), "manhattan") for v in near)
                   / len(near))
    return out


def ref_weighted_topographic_product(units, grid_d2, mu):
    """The reference's topographic product, its manhattan distance weighted: on units scaled by mu."""
    from reference import metrics as ref_metrics

    return ref_metrics.topographic_product(units * mu, grid_d2, "manhattan")


# ---------------------------------------------------------------------------
# Online training against the reference
# ---------------------------------------------------------------------------

@st.composite
def online_cases(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_rows, n_cols, n_features = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 6))
    X = masked_data(rng, 30, n_features, draw(st.sampled_from([0.0, 0.1, 0.4])))
    X = X[~np.isnan(X).all(axis=1)]  # rows with nothing observed are never presented
    mu = drawn_weights(rng, n_features) if draw(st.booleans()) else None
    if mu is not None:
        X = X[(~np.isnan(X) * (mu > 0)).any(axis=1)]
    n_iterations = draw(st.integers(1, 150))
    plan = make_plan(n_rows, n_cols, n_features, max(len(X), 1), n_iterations, random_state=seed)
    if draw(st.booleans()):  # the first BMUs tie exactly between copies
        plan.initial_weights[...] = with_ties(rng, plan.initial_weights.reshape(-1, n_features)).reshape(
            plan.initial_weights.shape)
    return X, plan, mu, draw(st.sampled_from(DISTANCE_NAMES)), draw(st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(online_cases())
def test_masked_online_equals_reference(case):
    X, plan, mu, distance, strict = case
    if len(X) == 0:
        return
    n_rows, n_cols, n_features = plan.initial_weights.shape
    n_iterations = len(plan.sample_indices)
    learning_rate = np.linspace(0.5, 0.05, n_iterations)
    sigma = np.linspace(2.0, 0.5, n_iterations)
    grid_d2 = ref_grid.distance_function(n_rows, n_cols)
    gaps = []
    ref_w, ref_bmus = ref.train_online(X, plan.initial_weights.reshape(-1, n_features), grid_d2,
                                       plan.sample_indices, learning_rate, sigma, "gaussian", distance, mu, gaps)
    if min(gaps) < 1e-9:
        return  # a BMU that rounding decides (cosine on one observed feature ties every unit, for one)
    comp_w, comp_bmus = train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma,
                                     neighborhood="gaussian", distance=distance, strict=strict, feature_weights=mu,
                                     missing="ignore")
    np.testing.assert_array_equal(comp_bmus, ref_bmus, err_msg=f"{distance}, strict={strict}")
    np.testing.assert_allclose(comp_w.reshape(-1, n_features), ref_w, rtol=0, atol=1e-12)


def test_online_moves_only_observed_features():
    X = np.array([[0.2, np.nan, 0.6], [np.nan, 0.9, np.nan]])
    start = np.full((1, 2, 3), 0.5)
    w, bmus = train_online(X, start, np.array([0, 1, 0]), np.full(3, 0.5), np.full(3, 5.0), neighborhood="bubble",
                           missing="ignore")
    # Feature 1 moved once (sample 1), features 0 and 2 twice (sample 0, twice): 0.5 -> halfway each time.
    np.testing.assert_allclose(w[0, 0], [0.275, 0.7, 0.575], rtol=1e-15)


# ---------------------------------------------------------------------------
# Batch training against the reference
# ---------------------------------------------------------------------------

@st.composite
def batch_cases(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_rows, n_cols, n_features = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.integers(1, 6))
    X = masked_data(rng, draw(st.integers(2, 40)), n_features, draw(st.sampled_from([0.1, 0.3, 0.6])))
    X[0] = np.nan  # skipped by both
    mu = drawn_weights(rng, n_features) if draw(st.booleans()) else None
    sigmas = np.sort(rng.random(draw(st.integers(1, 3))) * 3 + 0.3)[::-1]
    distance = draw(st.sampled_from(DISTANCE_NAMES))
    weights = rng.random((n_rows * n_cols, n_features))
    if distance in ("manhattan", "chebyshev") and draw(st.booleans()):
        # Exact ties in the start. Only for the metrics ranked term by term: the GEMM ranks copies by its
        # rounding (tests/test_batch.py), and later epochs make near-twins that the margin then catches.
        weights = with_ties(rng, weights)
    return X, weights, n_rows, n_cols, mu, sigmas, draw(st.sampled_from(["gaussian", "bubble"])), distance


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_cases())
def test_masked_batch_equals_reference(case):
    X, weights, n_rows, n_cols, mu, sigmas, neighborhood, distance = case
    grid_d2 = ref_grid.distance_function(n_rows, n_cols)
    coords, geometry = topology.make_grid(n_rows, n_cols)
    comp_w = weights.copy()
    ref_w = weights.copy()
    incomplete = np.isnan(X).any(axis=1).view(np.uint8)
    for epoch, sigma in enumerate(sigmas):
        # Exact copies tie by the rule in the start; from epoch 1 on, twins the batch map makes are a rounding apart.
        if ref_margin(X, ref_w, _weights_list(mu, X.shape[1]), distance, distinct=epoch == 0) < 1e-9:
            break  # the reference's BMUs would hinge on rounding from here on
        new_ref_w, ref_bmus = ref.train_batch(X, ref_w, grid_d2, [sigma], neighborhood, distance, mu)
        comp_bmus = np.empty(len(X), dtype=np.int64)
        run_batch(X, comp_w, coords, geometry, np.asarray(sigmas[:epoch + 1]), NEIGHBORHOODS[neighborhood],
                  DISTANCES[distance], 2.0, state=np.array([epoch], dtype=np.int64), bmus=comp_bmus,
                  feature_weights=mu, incomplete=incomplete)
        np.testing.assert_array_equal(comp_bmus, ref_bmus, err_msg=f"epoch {epoch}, {distance}")
        np.testing.assert_allclose(comp_w, new_ref_w, rtol=1e-10, atol=1e-10, err_msg=f"epoch {epoch}, {distance}")
        ref_w = new_ref_w


@pytest.mark.parametrize("distance", ["euclidean", "manhattan"], ids=["gemm", "direct"])
def test_masked_batch_does_not_depend_on_chunks(distance):
    rng = np.random.default_rng(8)
    X = masked_data(rng, 300, 6, 0.1)
    X = X[~np.isnan(X).all(axis=1)]
    incomplete = np.isnan(X).any(axis=1).view(np.uint8)
    coords, geometry = topology.make_grid(5, 6)
    start = rng.random((30, 6))
    maps = []
    for chunk_size in (300, 64, 7):
        w = start.copy()
        run_batch(X, w, coords, geometry, np.array([3.0, 2.0, 1.0]), NEIGHBORHOODS["gaussian"], DISTANCES[distance],
                  2.0, state=np.zeros(1, dtype=np.int64), chunk_size=chunk_size, feature_weights=drawn_weights(
                      np.random.default_rng(1), 6), incomplete=incomplete)
        maps.append(w)
    for w in maps[1:]:
        np.testing.assert_array_equal(w, maps[0])


def test_complete_rows_keep_the_gemm_path(monkeypatch):
    """Only the rows with NaN are ranked by the masked GEMMs; the others by the plain one alone."""
    rng = np.random.default_rng(4)
    X = masked_data(rng, 500, 8, 0.0)
    X[rng.random(500) < 0.1, 3] = np.nan
    n_incomplete = int(np.isnan(X).any(axis=1).sum())
    masked_rows = []
    real = batch_module._kernels.best_two_gemm_masked

    def counting(G1, G2, *args):
        masked_rows.append(G1.shape[0])
        return real(G1, G2, *args)

    monkeypatch.setattr(batch_module._kernels, "best_two_gemm_masked", counting)
    SOM(4, 4, algorithm="batch", n_epochs=3, missing="ignore", random_state=0).fit(X)
    assert sum(masked_rows) == 3 * n_incomplete and n_incomplete > 20


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="one numba thread here: 1 against all would "
                    "compare 1 with 1")
@pytest.mark.parametrize("distance", ["euclidean", "manhattan"], ids=["gemm", "direct"])
def test_masked_maps_and_queries_are_the_same_on_one_and_all_threads(answers_on_one_and_all_threads, distance):
    """n_jobs=1 runs every kernel's serial twin, -1 the parallel entries: the same bits (fastsom._threads)."""
    rng = np.random.default_rng(9)
    X = masked_data(rng, 140, 5, 0.15)
    X = X[~np.isnan(X).all(axis=1)]
    one, every = answers_on_one_and_all_threads(
        lambda n_jobs: SOM(7, 9, algorithm="batch", n_epochs=2, distance=distance, missing="ignore", init="pca",
                           feature_weights=[1.0, 0.5, 0.0, 2.0, 1.0], topology="hexagonal", n_jobs=n_jobs,
                           random_state=0), X)
    for name, value in one.items():
        np.testing.assert_array_equal(value, every[name], err_msg=name)


# ---------------------------------------------------------------------------
# Initial maps from data with missing values
# ---------------------------------------------------------------------------

def test_pca_start_uses_the_pairwise_complete_covariance():
    rng = np.random.default_rng(6)
    X = rng.normal(0, 1, (300, 4)) @ np.array([[3, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.2]])
    X[rng.random(X.shape) < 0.2] = np.nan
    variances, vectors, mean = init_module.pairwise_complete_axes(X)
    ref_values, ref_vectors = np.linalg.eigh(ref.pairwise_complete_covariance(X))
    np.testing.assert_allclose(variances, ref_values[::-1][:2], rtol=1e-10)
    np.testing.assert_allclose(np.abs(vectors.T @ ref_vectors[:, ::-1][:, :2]), np.eye(2), atol=1e-8)
    np.testing.assert_allclose(mean, np.nanmean(X, axis=0), rtol=1e-12)


def test_sample_start_draws_complete_rows_only():
    X = masked_data(np.random.default_rng(7), 50, 3, 0.3)
    complete = ~np.isnan(X).any(axis=1)
    assert 5 < complete.sum() < 40
    som = SOM(2, 3, algorithm="batch", n_epochs=1, init="sample", missing="ignore", random_state=0)
    som._start(X, resolve(som.get_params()), 0, None, (~complete).view(np.uint8))
    starts = som.weights_.reshape(6, 3)
    for unit in starts:
        assert any(np.array_equal(unit, row) for row in X[complete]), unit
    assert len({tuple(unit) for unit in starts}) == 6  # distinct complete rows


# ---------------------------------------------------------------------------
# The estimator: bad input, saved models, user arrays
# ---------------------------------------------------------------------------

BAD_WEIGHTS = [
    ([1.0, 2.0], ValueError, "feature_weights has 2 values, but X has 3 features: one weight per feature"),
    ([1.0, -0.5, 1.0], ValueError, "feature_weights must be >= 0; got -0.5 at feature 1"),
    ([1.0, np.nan, 1.0], ValueError, "feature_weights must be finite; got nan at feature 1"),
    ([0.0, 0.0, 0.0], ValueError, "feature_weights are all 0: at least one feature must have a weight > 0"),
    ([[1.0, 1.0, 1.0]], ValueError, "feature_weights must be 1-D with one weight per feature; got shape (1, 3)"),
    (["a", "b", "c"], TypeError, "feature_weights must hold real numbers"),
    ("1,1,1", TypeError, "feature_weights must be None or a 1-D array of numbers"),
]


@pytest.mark.parametrize(("feature_weights", "error", "message"), BAD_WEIGHTS)
def test_bad_feature_weights_are_refused_naming_the_rule(X, feature_weights, error, message):
    data, given = X.copy(), np.array(feature_weights)
    with pytest.raises(error, match=re.escape(message)):
        SOM(2, 2, n_iterations=10, feature_weights=given if given.dtype.kind == "f" else feature_weights).fit(data)
    np.testing.assert_array_equal(data, X)
    np.testing.assert_array_equal(given, np.array(feature_weights))


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"missing": "drop"}, ValueError, "missing='drop' is not one of 'error', 'ignore'"),
    ({"max_missing": 1.5}, ValueError, "max_missing=1.5 must be in [0, 1]"),
    ({"max_missing": "half"}, TypeError, "max_missing='half' must be a real number in [0, 1]"),
])
def test_bad_missing_options_are_refused(X, params, error, message):
    with pytest.raises(error, match=re.escape(message)):
        SOM(2, 2, n_iterations=10, **params).fit(X)


def test_nan_is_refused_by_default_and_the_message_says_how_to_allow_it(X):
    data = X.copy()
    data[4, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape("X contains NaN at row 4, column 1; it must be finite (or pass "
                                                   "missing='ignore' to SOM: NaN then marks a missing value)")):
        SOM(2, 2, n_iterations=10).fit(data)


def test_rows_above_max_missing_are_refused_with_their_index(X):
    data = X.copy()
    data[7, :2] = np.nan
    som = SOM(2, 2, n_iterations=10, missing="ignore", max_missing=0.5)
    with pytest.raises(ValueError, match=re.escape("X row 7 has 2 of its 3 values missing, more than "
                                                   "max_missing=0.5 allows")):
        som.fit(data)
    som.fit(X)
    with pytest.raises(ValueError, match=re.escape("X row 7 has 2 of its 3 values missing")):
        som.predict(data)


@pytest.mark.parametrize("algorithm", ["online", "batch"])
def test_a_row_with_nothing_observed_is_refused_when_max_missing_forbids_it(X, algorithm):
    """Skipped with a warning by default; with max_missing < 1, refused by fit and queries, naming the row."""
    data = X.copy()
    data[5] = np.nan
    before = data.copy()
    som = SOM(2, 2, algorithm=algorithm, n_iterations=10, n_epochs=1, missing="ignore", max_missing=0.9)
    message = re.escape("X row 5 has 3 of its 3 values missing, more than max_missing=0.9 allows")
    with pytest.raises(ValueError, match=message):
        som.fit(data)
    assert not hasattr(som, "weights_")
    som.fit(X)
    for query in (som.predict, som.transform, som.impute, som.quantization_error):
        with pytest.raises(ValueError, match=message):
            query(data)
    np.testing.assert_array_equal(data, before)


def test_rows_with_nothing_observed_are_skipped_with_a_warning(X):
    data = X.copy()
    data[[3, 9]] = np.nan
    with pytest.warns(UserWarning, match=re.escape("2 row(s) of X have no observed value of weight > 0 (the first: "
                                                   "row 3); training skips them")):
        som = SOM(2, 2, n_iterations=50, missing="ignore", random_state=0).fit(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reference_map = SOM(2, 2, n_iterations=50, missing="ignore", random_state=0).fit(np.delete(data, [3, 9], 0))
    np.testing.assert_array_equal(som.weights_, reference_map.weights_)
    with pytest.raises(ValueError, match="no row of X has an observed value of weight > 0: nothing to train on"), \
            pytest.warns(UserWarning):
        SOM(2, 2, n_iterations=10, missing="ignore").fit(np.full((4, 3), np.nan))


def test_sample_start_needs_a_complete_row(X):
    data = X.copy()
    data[:, 0] = np.nan
    with pytest.raises(ValueError, match=re.escape("init='sample' starts the map from complete rows of X, and every "
                                                   "row of X has missing values")):
        SOM(2, 2, n_iterations=10, init="sample", missing="ignore").fit(data)


def test_user_arrays_are_not_modified(X):
    data = X.copy()
    data[::4, 2] = np.nan
    mu = np.array([1.0, 0.0, 2.0])
    before, mu_before = data.copy(), mu.copy()
    som = SOM(2, 3, algorithm="batch", n_epochs=2, missing="ignore", feature_weights=mu, init="pca").fit(data)
    som.impute(data)
    np.testing.assert_array_equal(data, before)
    np.testing.assert_array_equal(mu, mu_before)
    assert not np.may_share_memory(som.impute(data), data)


def test_saved_models_keep_feature_weights_and_missing(tmp_path, X):
    import fastsom

    data = X.copy()
    data[::5, 0] = np.nan
    som = SOM(2, 3, n_iterations=200, missing="ignore", feature_weights=np.array([0.5, 1.0, 3.0]),
              random_state=0).fit(data)
    loaded = fastsom.load(som.save(tmp_path / "map.npz"))
    assert loaded.missing == "ignore" and loaded.unsaved_params_ == []
    np.testing.assert_array_equal(loaded.settings_.feature_weights, [0.5, 1.0, 3.0])
    for method in ("predict", "transform", "impute"):
        np.testing.assert_array_equal(getattr(loaded, method)(data), getattr(som, method)(data), err_msg=method)


@pytest.mark.parametrize("distance", ["euclidean", "manhattan"], ids=["gemm", "direct"])
def test_dask_data_train_and_answer_with_feature_weights_as_in_memory(distance):
    """The chunk sums are the in-memory sums, so a weighted map trains on dask data to the in-memory map."""
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(12)
    X = rng.random((300, 4))
    chunked = da.from_array(X, chunks=(70, 4))
    params = dict(n_rows=3, n_cols=4, algorithm="batch", n_epochs=3, init="pca", distance=distance,
                  feature_weights=[2.0, 0.0, 1.0, 0.5], random_state=0)
    expected = SOM(**params).fit(X)
    som = SOM(**params).fit(chunked, scheduler="sync")
    np.testing.assert_allclose(som.weights_, expected.weights_, rtol=1e-12, atol=0)
    unweighted = SOM(**{**params, "feature_weights": None}).fit(X)
    assert np.abs(unweighted.weights_ - expected.weights_).max() > 1e-3  # the weights made a difference
    bmu, distances = som.predict(chunked, return_distance=True)
    want_bmu, want_distances = som.predict(X, return_distance=True)
    np.testing.assert_array_equal(bmu.compute(scheduler="sync"), want_bmu)
    np.testing.assert_array_equal(distances.compute(scheduler="sync"), want_distances)
    np.testing.assert_array_equal(som.transform(chunked).compute(scheduler="sync"), som.transform(X))
    for measure in ("quantization_error", "topographic_error", "distortion"):
        np.testing.assert_allclose(getattr(som, measure)(chunked), getattr(som, measure)(X), rtol=1e-12,
                                   err_msg=measure)
    np.testing.assert_array_equal(som.hit_counts(chunked), som.hit_counts(X))


def test_nan_in_dask_data_is_refused_even_with_missing_ignore_saying_so(X):
    """Dask data do not take missing values yet: training's check pass and the queries' tasks say so."""
    da = pytest.importorskip("dask.array")
    data = X.copy()
    data[60, 1] = np.nan
    before = data.copy()
    chunked = da.from_array(data, chunks=(25, 3))
    message = re.escape("X contains NaN in chunk 2 (rows 50-74) at row 60, column 1; it must be finite: missing "
                        "values (NaN) are not supported on dask collections, even with missing='ignore'; compute X "
                        "in memory (X.compute())")
    with pytest.raises(ValueError, match=message):
        SOM(2, 2, algorithm="batch", n_epochs=1, missing="ignore").fit(chunked, scheduler="sync")
    som = SOM(2, 2, algorithm="batch", n_epochs=1, missing="ignore", random_state=0).fit(X)
    with pytest.raises(ValueError, match=re.escape("X contains NaN at row 60, column 1; it must be finite: missing "
                                                   "values (NaN) are not supported on dask collections")):
        som.predict(chunked).compute(scheduler="sync")
    np.testing.assert_array_equal(data, before)


# ---------------------------------------------------------------------------
# The command line: --missing, --feature-weights
# ---------------------------------------------------------------------------

def _flowers_csv(tmp_path):
    """A CSV with an empty cell, a NaN and a line with nothing: (path, the numbers as read with NaN)."""
    rng = np.random.default_rng(11)
    X = rng.random((40, 3))
    X[3, 1] = X[7, 0] = np.nan
    X[9] = np.nan
    lines = ["a,b,c"] + [",".join("" if np.isnan(v) and (i != 7) else repr(float(v)) for v in row)
                         for i, row in enumerate(X)]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, X


def test_command_line_trains_predicts_and_describes_with_missing_values(tmp_path, capsys):
    from fastsom import cli, load

    path, X = _flowers_csv(tmp_path)
    model = tmp_path / "map.npz"
    argv = ["train", str(path), "--rows", "3", "--cols", "3", "--iterations", "300", "-o", str(model), "-q"]
    assert cli.main(argv) == 2  # by default an empty cell is refused, naming it
    assert "data.csv: line 5, column 'b' (index 1): empty cell" in capsys.readouterr().err
    with pytest.warns(UserWarning, match="training skips them"):
        assert cli.main(argv + ["--missing", "ignore", "--feature-weights", "1,0.5,2"]) == 0
    som = load(model)
    assert som.missing == "ignore" and list(som.settings_.feature_weights) == [1.0, 0.5, 2.0]
    capsys.readouterr()
    assert cli.main(["info", str(model)]) == 0
    info = capsys.readouterr().out
    assert "ignored (NaN: missing)" in info and "1, 0.5, 2" in info
    assert cli.main(["predict", str(model), str(path)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "row,col,distance" and rows[1 + 9] == "-1,-1,nan" and len(rows) == 41
    scaled = (X - np.nanmin(X, 0)) / (np.nanmax(X, 0) - np.nanmin(X, 0))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "X does not have valid feature names")  # the model has the file's names
        bmu = som.predict(scaled)
    assert [f"{b // 3},{b % 3}" for b in bmu[:3]] == [",".join(r.split(",")[:2]) for r in rows[1:4]]


def test_command_line_refuses_bad_feature_weights(tmp_path, capsys):
    from fastsom import cli

    path, _ = _flowers_csv(tmp_path)
    argv = ["train", str(path), "--rows", "2", "--cols", "2", "-o", str(tmp_path / "m.npz"), "-q", "--missing",
            "ignore"]
    with pytest.raises(SystemExit):
        cli.main(argv + ["--feature-weights", "1,x"])
    assert "'1,x' is not numbers separated by commas" in capsys.readouterr().err
    assert cli.main(argv + ["--feature-weights", "1,2"]) == 2
    assert "feature_weights has 2 values, but X has 3 features" in capsys.readouterr().err
