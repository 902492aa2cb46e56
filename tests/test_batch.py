"""The batch map equals the reference; its kernels equal dense NumPy; it is deterministic.

``ref_`` results come from ``reference.batch`` (pure Python, Kohonen's batch
map as written); ``comp_`` results from ``fastsom.training.batch``. BMUs must be
identical; weights agree to the tolerance derived in :func:`update_tolerance`.

Why the multi-epoch comparison stops at near-ties. fastsom ranks units by
``||w||^2 - 2 x.w`` from a GEMM, the reference by the sum of squared
differences; the two round differently, so a sample whose two best units are
a rounding apart may go to either. Continuous random data make that
improbable for *generic* weights, but the batch map manufactures such pairs:
a unit whose neighbourhood holds a single winning unit v becomes
``(h S_v) / (h n_v)``, the mean of v's samples up to one rounding, and so do
its neighbours; units placed symmetrically about the winners get equal
weights too. Which of two such twins a sample picks is decided by rounding in
both implementations, differently. So :func:`ref_trajectory` runs the
reference epoch by epoch and the comparison covers the epochs up to the
first whose BMU search has a near-tie (relative gap < 1e-9, six orders of
magnitude above the rounding of either side); the first epoch always
qualifies (random initial weights), and most cases compare all their epochs.
"""

import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastsom import topology
from fastsom.analysis import metrics
from fastsom.kernels import accumulate as kernels
from fastsom.options import DISTANCES, NEIGHBORHOODS
from fastsom.training.batch import default_chunk_size, lattice, run_batch, smooth, support_radius2
from reference import batch as ref_batch
from reference import distances as ref_distances
from reference import grid as ref_grid
from reference import online as ref_online

TOPOLOGIES = [("rectangular", False), ("rectangular", True), ("hexagonal", False), ("hexagonal", True)]
NEIGHBORHOOD_NAMES = list(ref_online.NEIGHBORHOODS)
DISTANCE_NAMES = list(ref_distances.DISTANCES)


def max_d2_of(kind):
    return topology.ADJACENCY[(kind, topology.DEFAULT_CONNECTIVITY[kind])]


def dense_H(n_rows, n_cols, kind, toroidal, neighborhood, sigma):
    """The full neighbourhood matrix, built from the reference's distances and functions."""
    grid_d2 = ref_grid.distance_function(n_rows, n_cols, kind, toroidal)
    h = ref_online.NEIGHBORHOODS[neighborhood]
    n_units = n_rows * n_cols
    return np.array([[h(grid_d2(u, v), sigma) for v in range(n_units)] for u in range(n_units)])


def sums_and_counts(X, bmus, n_units):
    S = np.zeros((n_units, X.shape[1]))
    np.add.at(S, bmus, X)
    return S, np.bincount(bmus, minlength=n_units).astype(np.float64)


def update_tolerance(X, bmus, H, ref_w, neighborhood):
    """Per-element tolerance on one epoch's new weights ``(H S) / (H n)``.

    Both sides add the same products in different orders (and fastsom may
    fuse them into FMAs), so ``|d num| <= c eps (|H| @ |S|)`` and
    ``|d den| <= c eps (|H| @ n)``, and ``w = num / den`` moves by at most
    ``(|d num| + |w| |d den|) / |den|``. ``c eps`` is taken as 1e-13 (a sum of
    <= 36 terms: c <= 36, eps = 2.2e-16 -> 8e-15; 1e-13 leaves a margin of 10).
    The mexican hat is truncated beyond 8 sigma, |h| < 1e-12 there: that
    adds 1e-12 * sum|S| and 1e-12 * sum n. Units with a zero denominator keep
    their old vector, which carries the previous epochs' rounding: a floor
    of 1e-13 (1 + |w|). With negative weights (mexican hat) ``den`` can be
    near 0 and the tolerance is then large: the batch map is ill-posed there,
    and the tolerance says by how much.
    """
    S, n = sums_and_counts(X, bmus, H.shape[0])
    num_scale = np.abs(H) @ np.abs(S)
    den_scale = np.abs(H) @ n
    den = H @ n
    if neighborhood == "mexican_hat":
        num_scale = num_scale + 1e-12 / 1e-13 * np.abs(S).sum(axis=0)
        den_scale = den_scale + 1e-12 / 1e-13 * n.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        tol = 1e-13 * (num_scale + np.abs(ref_w) * den_scale[:, None]) / np.abs(den)[:, None]
    tol[den == 0] = 0.0
    return np.maximum(tol, 1e-13 * (1 + np.abs(ref_w)))


def bmu_margin(X, weights, distance):
    """Smallest relative gap between a sample's best and second-best reference distances."""
    measure = ref_distances.DISTANCES[distance]
    if len(weights) < 2:
        return np.inf
    margin = np.inf
    for x in X:
        d = np.sort([measure(w, x) for w in weights])
        margin = min(margin, (d[1] - d[0]) / max(1.0, abs(d[0])))
    return margin


def ref_trajectory(X, weights, n_rows, n_cols, kind, toroidal, sigmas, neighborhood, distance):
    """The reference epoch by epoch, up to the first epoch whose BMUs hinge on a near-tie.

    Returns the number of epochs compared, the weights and BMUs of the last
    of them, and the weights it started from. ``train_batch`` on one sigma at
    a time is the same computation as on all of them (an epoch depends only
    on the weights before it).
    """
    grid_d2 = ref_grid.distance_function(n_rows, n_cols, kind, toroidal)
    w = np.asarray(weights, dtype=np.float64)
    result = None
    for epoch, sigma in enumerate(sigmas):
        if bmu_margin(X, w, distance) < 1e-9:
            break
        new_w, bmus = ref_batch.train_batch(X, w, grid_d2, [sigma], neighborhood, distance)
        result = (epoch + 1, new_w, bmus, w)
        w = new_w
    return result


def comp_train(X, weights, n_rows, n_cols, kind, toroidal, sigmas, neighborhood, distance="euclidean", **options):
    """fastsom's batch driver on a copy of ``weights``; returns (weights, last epoch's BMUs)."""
    coords, geometry = topology.make_grid(n_rows, n_cols, kind, toroidal)
    trained = np.array(weights, order="C")  # a copy
    bmus = np.empty(X.shape[0], dtype=np.int64)
    run_batch(X, trained, coords, geometry, np.asarray(sigmas, dtype=np.float64), NEIGHBORHOODS[neighborhood],
              DISTANCES[distance], max_d2_of(kind), state=np.zeros(1, dtype=np.int64), bmus=bmus, **options)
    return trained, bmus


@st.composite
def batch_cases(draw):
    """Small maps, any topology, neighbourhood and distance, continuous data in [-1, 1)."""
    kind, toroidal = draw(st.sampled_from(TOPOLOGIES))
    n_rows = draw(st.integers(1, 6))
    if toroidal and kind == "hexagonal" and n_rows % 2:
        n_rows += 1 if n_rows < 6 else -1  # a hexagonal torus needs an even number of rows
    n_cols = draw(st.integers(1, 6))
    neighborhood = draw(st.sampled_from(NEIGHBORHOOD_NAMES))
    distance = draw(st.sampled_from(DISTANCE_NAMES))
    # One feature makes every cosine distance 0 or 2: all ties.
    n_features = draw(st.integers(2 if distance == "cosine" else 1, 6))
    n_samples = draw(st.integers(1, 30))
    n_epochs = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features)) * 2 - 1
    weights = rng.random((n_rows * n_cols, n_features)) * 2 - 1
    sigmas = np.array([draw(st.floats(0.3, 4.0)) for _ in range(n_epochs)])
    return X, weights, n_rows, n_cols, kind, toroidal, sigmas, neighborhood, distance


def _message(case):
    _, weights, n_rows, n_cols, kind, toroidal, sigmas, neighborhood, distance = case
    return f"{n_rows}x{n_cols} {kind} toroidal={toroidal} {neighborhood} {distance} sigmas={sigmas.round(3)}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_cases())
def test_batch_map_equals_reference(case):
    X, weights, n_rows, n_cols, kind, toroidal, sigmas, neighborhood, distance = case
    n_epochs, ref_w, ref_bmus, _ = ref_trajectory(*case)
    comp_w, comp_bmus = comp_train(X, weights, n_rows, n_cols, kind, toroidal, sigmas[:n_epochs],
                                   neighborhood, distance)
    message = f"{_message(case)}, {n_epochs} epochs compared"
    np.testing.assert_array_equal(comp_bmus, ref_bmus, err_msg=message)
    H = dense_H(n_rows, n_cols, kind, toroidal, neighborhood, sigmas[n_epochs - 1])
    tol = update_tolerance(X, ref_bmus, H, ref_w, neighborhood)
    assert np.all(np.abs(comp_w - ref_w) <= tol), (
        f"{message}: max |dw| - tol = {np.max(np.abs(comp_w - ref_w) - tol):.3g}")


def test_multi_epoch_comparisons_are_not_vacuous():
    # The near-tie cut-off above must leave most trajectories compared in
    # full. It does, except for bubble: h is 0 or 1, so every unit whose disc
    # holds the same winners gets the same mean, and exact twins are the rule
    # (measured: 3 of 22 bubble trajectories of 4 epochs reach the end).
    # Bubble is compared on whole runs by the float32 tests below, on fixed
    # data, and on every first epoch above.
    rng = np.random.default_rng(0)
    names = [name for name in NEIGHBORHOOD_NAMES if name != "bubble"]
    complete = 0
    n_cases = 40
    for _ in range(n_cases):
        kind, toroidal = TOPOLOGIES[rng.integers(len(TOPOLOGIES))]
        n_rows, n_cols = 2 * int(rng.integers(1, 4)), int(rng.integers(2, 7))
        n_features, n_samples = int(rng.integers(2, 7)), int(rng.integers(10, 31))
        X = rng.random((n_samples, n_features)) * 2 - 1
        weights = rng.random((n_rows * n_cols, n_features)) * 2 - 1
        sigmas = rng.uniform(0.3, 4.0, 4)
        neighborhood = names[rng.integers(len(names))]
        distance = DISTANCE_NAMES[rng.integers(len(DISTANCE_NAMES))]
        n_epochs = ref_trajectory(X, weights, n_rows, n_cols, kind, toroidal, sigmas, neighborhood, distance)[0]
        complete += n_epochs == len(sigmas)
    assert complete >= 0.8 * n_cases, f"only {complete} of {n_cases} trajectories compared in full"


@pytest.mark.parametrize("kind, toroidal", TOPOLOGIES)
@pytest.mark.parametrize("neighborhood", NEIGHBORHOOD_NAMES)
def test_float32_follows_the_float64_reference(kind, toroidal, neighborhood):
    # Fixed, well-separated data (fixed seeds: float32 rounds the products to
    # ~6e-8, so a near-tie at that level would legitimately flip a BMU), with
    # enough samples that every unit wins some: then no two units share a
    # mean, even under the bubble (see test_multi_epoch_comparisons_are_not_vacuous).
    # The sums and the smoothing are float64; only the BMU products and the
    # stored weights are float32: each epoch's weights are the reference's
    # rounded to float32, ~6e-8 relative. 1e-6 absolute for data in [0, 1),
    # and relative for the mexican hat, which pushes weights out to ~1e2.
    rng = np.random.default_rng(5)
    X = rng.random((200, 5))
    weights = rng.random((24, 5))
    sigmas = np.array([2.0, 1.2, 0.8])
    n_epochs, ref_w, ref_bmus, _ = ref_trajectory(X, weights, 4, 6, kind, toroidal, sigmas, neighborhood, "euclidean")
    assert n_epochs == 3
    comp_w, comp_bmus = comp_train(X.astype(np.float32), weights.astype(np.float32), 4, 6, kind, toroidal, sigmas,
                                   neighborhood)
    message = f"float32, {kind}, toroidal={toroidal}, {neighborhood}"
    assert comp_w.dtype == np.float32
    np.testing.assert_array_equal(comp_bmus, ref_bmus, err_msg=message)
    np.testing.assert_allclose(comp_w, ref_w, rtol=1e-6, atol=1e-6, err_msg=message)


@pytest.mark.parametrize("distance", DISTANCE_NAMES)
def test_float32_follows_the_float64_reference_for_every_distance(distance):
    rng = np.random.default_rng(6)
    X = rng.random((40, 5)) * 2 - 1
    weights = rng.random((24, 5)) * 2 - 1
    sigmas = np.array([2.0, 1.2, 0.8])
    n_epochs, ref_w, ref_bmus, _ = ref_trajectory(X, weights, 4, 6, "rectangular", False, sigmas, "gaussian",
                                                  distance)
    assert n_epochs == 3
    comp_w, comp_bmus = comp_train(X.astype(np.float32), weights.astype(np.float32), 4, 6, "rectangular", False,
                                   sigmas, "gaussian", distance)
    np.testing.assert_array_equal(comp_bmus, ref_bmus, err_msg=f"float32, {distance}")
    np.testing.assert_allclose(comp_w, ref_w, rtol=0, atol=1e-6, err_msg=f"float32, {distance}")


# ---------------------------------------------------------------- smoothing


SMOOTH_GRIDS = [(5, 7, kind, toroidal) for kind, toroidal in TOPOLOGIES if not (kind == "hexagonal" and toroidal)]
SMOOTH_GRIDS += [(6, 7, "hexagonal", True), (1, 5, "rectangular", False), (4, 1, "hexagonal", False),
                 (1, 1, "rectangular", True), (12, 11, "rectangular", False)]


@pytest.mark.parametrize("n_rows, n_cols, kind, toroidal", SMOOTH_GRIDS)
@pytest.mark.parametrize("neighborhood", NEIGHBORHOOD_NAMES)
@pytest.mark.parametrize("sigma", [0.4, 1.0, 1.7, 6.0])
def test_smoothing_equals_dense_neighborhood_matrix(n_rows, n_cols, kind, toroidal, neighborhood, sigma):
    # H @ stats in NumPy from the reference's distances and functions, against
    # the separable / truncated kernels. Both sum the same products in other
    # orders: |diff| <= c eps |H| @ |stats|; the mexican hat drops terms with
    # |h| < 1e-12 beyond 8 sigma (visible on the 12x11 map with sigma <= 1).
    rng = np.random.default_rng(n_rows * 100 + n_cols)
    n_units = n_rows * n_cols
    stats = rng.random((n_units, 4)) * 2 - 1
    stats[rng.random(n_units) < 0.3] = 0.0  # units that won nothing
    H = dense_H(n_rows, n_cols, kind, toroidal, neighborhood, sigma)
    coords, geometry = topology.make_grid(n_rows, n_cols, kind, toroidal)
    comp = smooth(stats, coords, geometry, lattice(coords, geometry), NEIGHBORHOODS[neighborhood], sigma,
                  np.empty_like(stats))
    tol = 1e-13 * (np.abs(H) @ np.abs(stats))
    if neighborhood == "mexican_hat":
        tol += 1e-12 * np.abs(stats).sum(axis=0)
    message = f"{n_rows}x{n_cols} {kind} toroidal={toroidal} {neighborhood} sigma={sigma}"
    assert np.all(np.abs(comp - H @ stats) <= tol), message


def test_mexican_hat_truncation_is_what_the_docs_say():
    assert support_radius2(NEIGHBORHOODS["mexican_hat"], 0.5) == 16.0
    beyond = ref_online.mexican_hat(16.0, 0.5)
    assert 0 < abs(beyond) < 1e-12
    for name in ("bubble", "gaussian_cutoff", "triangle"):
        assert support_radius2(NEIGHBORHOODS[name], 1.5) == 2.25
        assert ref_online.NEIGHBORHOODS[name](2.25 + 1e-9, 1.5) == 0.0


def test_divide_keeps_units_with_zero_weight_and_follows_the_sign_of_the_rest():
    weights = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    smoothed = np.array([[2.0, 4.0, 2.0], [7.0, 7.0, 0.0], [3.0, -6.0, -3.0]])
    new = np.empty_like(weights)
    kernels.divide(smoothed, weights, new)
    np.testing.assert_array_equal(new, [[1.0, 2.0], [3.0, 4.0], [-1.0, 2.0]])


def test_a_unit_out_of_reach_of_every_sample_keeps_its_vector():
    # Bubble of radius 0.5: only BMUs move; the reference agrees.
    rng = np.random.default_rng(0)
    X = rng.random((3, 2))
    weights = rng.random((9, 2))
    ref_w, ref_bmus = ref_batch.train_batch(X, weights, ref_grid.distance_function(3, 3), [0.5], "bubble")
    comp_w, comp_bmus = comp_train(X, weights, 3, 3, "rectangular", False, [0.5], "bubble")
    np.testing.assert_array_equal(comp_bmus, ref_bmus)
    losers = np.setdiff1d(np.arange(9), ref_bmus)
    np.testing.assert_array_equal(comp_w[losers], weights[losers])
    np.testing.assert_allclose(comp_w, ref_w, rtol=0, atol=1e-15)


def test_smoothing_a_100x100_map_allocates_no_n_units_squared_array():
    # numba allocates through its own runtime, which tracemalloc does not
    # see, so the peak resident memory (VmHWM) of a fresh process is measured
    # around the call too. (Not getrusage's ru_maxrss: Linux carries the
    # parent's peak across fork + exec into it.) An n_units x n_units
    # float64 matrix would be 800 MB; the smoothing needs
    # O(n_units * n_columns): here ~1 MB.
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux's /proc/self/status")
    script = textwrap.dedent("""
        import tracemalloc
        import numpy as np
        from fastsom import topology
        from fastsom.training.batch import lattice, smooth
        from fastsom.options import NEIGHBORHOODS
        coords, geometry = topology.make_grid(100, 100, "rectangular", True)
        cell_unit = lattice(coords, geometry)
        stats = np.random.default_rng(0).random((10_000, 9))
        out = np.empty_like(stats)
        for name in ("gaussian", "bubble"):  # compile (or load) both kernels first
            smooth(stats[:1], coords[:1], geometry, cell_unit[:1, :1], NEIGHBORHOODS[name], 1.0, out[:1])
        def peak_rss():
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
        before = peak_rss()
        tracemalloc.start()
        smooth(stats, coords, geometry, cell_unit, NEIGHBORHOODS["gaussian"], 50.0, out)
        smooth(stats, coords, geometry, cell_unit, NEIGHBORHOODS["bubble"], 6.0, out)
        traced = tracemalloc.get_traced_memory()[1]
        grown = peak_rss() - before
        print(traced, grown)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    traced, grown = map(int, done.stdout.split())
    limit = 0.1 * 10_000**2 * 8
    assert traced < limit, f"NumPy allocations peaked at {traced / 2**20:.1f} MiB"
    assert grown < limit, f"peak resident memory grew by {grown / 2**20:.1f} MiB"


# ------------------------------------------------------------ determinism


def _determinism_case(n_features=6, n_samples=300):
    rng = np.random.default_rng(11)
    X = rng.random((n_samples, n_features))
    weights = rng.random((35, n_features))
    return X, weights, np.array([3.0, 2.0, 1.2, 0.7])


@pytest.mark.parametrize("distance", ["euclidean", "manhattan"], ids=["gemm", "direct"])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble"], ids=["separable", "truncated"])
def test_same_map_on_one_and_two_threads(distance, neighborhood):
    X, weights, sigmas = _determinism_case()
    threads = numba.get_num_threads()
    errors = {}
    results = {}
    try:
        for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(n)
            errors[n] = []
            results[n] = comp_train(X, weights, 5, 7, "hexagonal", True, sigmas, neighborhood, distance,
                                    on_epoch=lambda *e, n=n: errors[n].append(e))
    finally:
        numba.set_num_threads(threads)
    (w1, b1), (w2, b2) = results.values()
    np.testing.assert_array_equal(w1, w2, err_msg="weights, 1 vs 2 threads")
    np.testing.assert_array_equal(b1, b2, err_msg="BMUs, 1 vs 2 threads")
    assert errors[1] == list(errors.values())[-1], "per-epoch errors, 1 vs 2 threads"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("distance", ["euclidean", "cosine", "chebyshev"])
def test_chunk_size_does_not_change_the_map(dtype, distance):
    # Samples are added to the sums in sample order whatever the chunking,
    # so the weights are bit for bit equal as long as the BMUs are; chunks of
    # 1 row may take BLAS's matrix-vector path, whose products can differ in
    # the last bit, which moves no BMU on this well-separated data.
    X, weights, sigmas = _determinism_case()
    X, weights = X.astype(dtype), weights.astype(dtype)
    maps = {size: comp_train(X, weights, 5, 7, "rectangular", False, sigmas, "gaussian", distance, chunk_size=size)
            for size in (1, 7, None)}
    for size in (1, 7):
        np.testing.assert_array_equal(maps[size][0], maps[None][0], err_msg=f"chunk_size={size}, {distance}")
        np.testing.assert_array_equal(maps[size][1], maps[None][1], err_msg=f"chunk_size={size}, {distance}")


def test_default_chunk_size_keeps_the_products_near_8_mib():
    assert default_chunk_size(1) == 2**20
    assert default_chunk_size(400) == 2560  # 8 MiB / (8 bytes x 400) = 2621, down to a multiple of 64
    assert default_chunk_size(400) * 400 * 8 <= 8 * 2**20
    assert default_chunk_size(40_000) == 26
    assert default_chunk_size(10**8) == 1


# ------------------------------------------------- epochs, errors, resuming


@pytest.mark.parametrize("kind", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("distance", DISTANCE_NAMES)
def test_each_epoch_reports_the_errors_of_the_map_it_started_from(kind, distance):
    rng = np.random.default_rng(3)
    X = rng.random((200, 4)) * 2 - 1
    weights = rng.random((30, 4)) * 2 - 1
    sigmas = np.array([3.0, 1.5, 0.8])
    coords, geometry = topology.make_grid(5, 6, kind)
    metric, max_d2 = DISTANCES[distance], max_d2_of(kind)
    trained = weights.copy()
    state = np.zeros(1, dtype=np.int64)
    reported = []
    for epoch in range(len(sigmas)):
        before = trained.copy()
        # Resume at state[0] and stop after one more epoch.
        run_batch(X, trained, coords, geometry, sigmas[:epoch + 1], NEIGHBORHOODS["gaussian"], metric, max_d2,
                  state=state, on_epoch=lambda *e: reported.append(e))
        assert state[0] == epoch + 1
        index, qe, te = reported[-1]
        assert index == epoch
        # GEMM distances: sqrt of ||x||^2 + ||w||^2 - 2 x.w, whose cancellation
        # costs ~1e-16 absolute on the square, hence ~1e-8 on a tiny distance.
        assert qe == pytest.approx(metrics.quantization_error(X, before, metric), rel=0, abs=1e-7), distance
        assert te == metrics.topographic_error(X, before, coords, geometry, max_d2, metric), distance
    # Epoch by epoch, resumed through state, is the same map as one call.
    one_call = weights.copy()
    run_batch(X, one_call, coords, geometry, sigmas, NEIGHBORHOODS["gaussian"], metric, max_d2,
              state=np.zeros(1, dtype=np.int64))
    np.testing.assert_array_equal(trained, one_call)


def test_a_finished_state_runs_nothing_and_one_unit_maps_report_nan_topographic_error():
    X = np.random.default_rng(0).random((10, 3))
    weights = np.zeros((1, 3))
    coords, geometry = topology.make_grid(1, 1)
    reported = []
    run_batch(X, weights, coords, geometry, np.array([1.0]), 0, 0, 2.0, state=np.zeros(1, dtype=np.int64),
              on_epoch=lambda *e: reported.append(e))
    np.testing.assert_allclose(weights[0], X.mean(axis=0), rtol=1e-15)
    assert np.isnan(reported[0][2])
    done = weights.copy()
    run_batch(X, weights, coords, geometry, np.array([1.0]), 0, 0, 2.0, state=np.ones(1, dtype=np.int64),
              on_epoch=lambda *e: reported.append(e))
    np.testing.assert_array_equal(weights, done)
    assert len(reported) == 1


def test_an_exception_in_on_epoch_leaves_whole_epochs_and_a_matching_state():
    X, weights, sigmas = _determinism_case(n_samples=50)
    coords, geometry = topology.make_grid(5, 7)
    state = np.zeros(1, dtype=np.int64)
    trained = weights.copy()

    def stop_after_two(epoch, qe, te):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(X, trained, coords, geometry, sigmas, 0, 0, 2.0, state=state, on_epoch=stop_after_two)
    assert state[0] == 2
    expected = weights.copy()
    run_batch(X, expected, coords, geometry, sigmas[:2], 0, 0, 2.0, state=np.zeros(1, dtype=np.int64))
    np.testing.assert_array_equal(trained, expected)
    run_batch(X, trained, coords, geometry, sigmas, 0, 0, 2.0, state=state)  # resume
    full = weights.copy()
    run_batch(X, full, coords, geometry, sigmas, 0, 0, 2.0, state=np.zeros(1, dtype=np.int64))
    np.testing.assert_array_equal(trained, full)
