"""Every BMU search follows the one rule of ``fastsom.kernels.bmu``, on exact and near ties.

The rule: units rank by (distance, unit index); the best is the smallest
pair, the second the smallest among the others. ``ref_top_two`` states it
with NumPy's ``lexsort``; each search must return exactly its answer:

* the sequential scan (``bmu.nearest_units``, in the direct query kernel)
  and the euclidean queries, which re-check a GEMM shortlist with it;
* the lane scan of the GEMM path (``bmu.best_two_lanes``), a second copy
  kept for speed;
* the online kernel, whose euclidean sweep without running errors is
  another copy written out for speed (``sweep._sweep_euclidean``), against
  its general loop (``bmu.keep``), its strict flavour and its parallel
  flavour, whose unit ranges are merged by ``bmu.offer``.

The data make ties on purpose: one feature, so a squared distance is one
rounded product, the same in NumPy and in every kernel whatever fastmath
does (nothing to reassociate); units on a grid of eighths, so samples
halfway between two of them are at exactly equal distances (exact ties),
duplicated units (exact ties), and units moved by one ulp either way (near
ties: one ulp of distance decides). Units are shuffled, so "lowest index"
is not "leftmost". Each test checks that its data hold enough ties of each
kind for a wrong rule to show.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastsom import topology
from fastsom._jit import fast_jit
from fastsom.analysis import metrics
from fastsom.kernels.bmu import LANES, best_two_lanes, best_two_units
from fastsom.kernels.sweep import OnlineState, online_fast, online_parallel, online_strict
from fastsom.options import DISTANCES, NEIGHBORHOODS

N_ROWS, N_COLS = 6, 9  # 54 units: three whole lanes of 16 and a tail of 6


def ref_top_two(distances):
    """(best, second) unit of one sample by the rule: lexicographic (distance, index)."""
    order = np.lexsort((np.arange(len(distances)), distances))
    return order[0], order[1]


def tied_units(dtype, seed=0):
    """(n_units, 1) units on eighths, with duplicates and one-ulp neighbours, shuffled."""
    rng = np.random.default_rng(seed)
    grid = (np.arange(1, 19) / 8).astype(dtype)  # no unit at 0 (see test_online_sweeps_follow_the_rule)
    picked = rng.choice(grid, size=14, replace=False)
    units = np.concatenate([
        grid,
        picked[:6],  # duplicates: exact ties
        np.nextafter(picked[6:10], dtype(np.inf)),  # one ulp above a unit
        np.nextafter(picked[10:14], dtype(-np.inf)),  # one ulp below a unit
        rng.choice(grid, size=N_ROWS * N_COLS - 32, replace=True),  # more duplicates
    ]).astype(dtype)
    return rng.permutation(units)[:, None]


def tied_samples(units, n_samples=300, seed=1):
    """Samples on and halfway between the units' eighths, (n_samples, 1) of their dtype."""
    rng = np.random.default_rng(seed)
    dtype = units.dtype.type
    sixteenths = (np.arange(1, 37) / 16).astype(dtype)
    return rng.choice(sixteenths, size=n_samples)[:, None]


def ref_answers(X, units):
    """Rule's (best, second) per sample, and the squared distances (one product: exact same rounding)."""
    d2 = (X - units[:, 0][None, :]) ** 2  # in the data's dtype, as the kernels compute it
    answers = np.array([ref_top_two(row) for row in d2])
    return answers[:, 0], answers[:, 1], d2


def count_ties(d2, best, second, dtype):
    """(exact ties, near ties) between each sample's two best units: equal distances, or at most 64 ulps apart."""
    rows = np.arange(len(best))
    a, b = d2[rows, best], d2[rows, second]
    gap = np.abs(b - a)
    exact = int(np.sum(gap == 0))
    near = int(np.sum((gap > 0) & (gap <= 64 * np.spacing(np.maximum(a, b).astype(dtype)))))
    return exact, near


@pytest.fixture(params=["float64", "float32"])
def tied(request):
    dtype = np.dtype(request.param).type
    units = tied_units(dtype)
    X = tied_samples(units)
    best, second, d2 = ref_answers(X, units)
    exact, near = count_ties(d2, best, second, dtype)
    # Not vacuous: both kinds of tie decide many samples' top two.
    assert exact >= 30 and near >= 10, f"{request.param}: {exact} exact and {near} near ties"
    return units, X, best, second, d2


def direct_scan(X, units):
    """The sequential scan over every unit (``bmu.nearest_units``), as its query kernel runs it."""
    out = (np.empty(len(X), np.int64), np.empty(len(X)), np.empty(len(X), np.int64), np.empty(len(X)))
    best_two_units(X, units, DISTANCES["euclidean"], *out)
    return out


@pytest.mark.parametrize("search", [direct_scan, metrics.best_two_units], ids=["direct-scan", "gemm-rechecked"])
def test_queries_follow_the_rule(tied, search):
    units, X, ref_best, ref_second, d2 = tied
    comp_best, comp_d2, comp_second, _ = search(X, units)
    assert_array_equal(comp_best, ref_best)
    assert_array_equal(comp_second, ref_second)
    assert_array_equal(comp_d2, d2[np.arange(len(X)), ref_best])


@fast_jit  # the kernels' flags and cache (keyed on the kernel sources, so an edit to bmu.py recompiles it)
def lane_top_two(G, unit_term, cosine, out):
    """Test wrapper: best and second of every row of G by the lane scan."""
    lane_s = np.empty(LANES)
    lane_u = np.empty(LANES, dtype=np.int64)
    for i in range(G.shape[0]):
        best_u, _, next_u = best_two_lanes(G, unit_term, cosine, i, lane_s, lane_u)
        out[i, 0] = best_u
        out[i, 1] = next_u


@pytest.mark.parametrize("cosine", [False, True], ids=["euclidean-score", "cosine-score"])
def test_lane_scan_follows_the_rule(tied, cosine):
    """Scores from GEMM-like products with the ties of the fixture's distances."""
    units, X, _, _, d2 = tied
    # Products whose scores tie as the distances do: G = -d2 / 2 with a zero
    # unit term gives score d2 (euclidean); unit term 1 gives -G (cosine's
    # form): both exact, so the scores keep every tie and every ulp.
    G = np.ascontiguousarray(-d2 / 2 if not cosine else -d2)
    unit_term = np.full(units.shape[0], 1.0 if cosine else 0.0)
    scores = -(G.astype(np.float64) * unit_term) if cosine else unit_term - 2.0 * G.astype(np.float64)
    ref = np.array([ref_top_two(row) for row in scores])
    comp = np.empty((len(X), 2), dtype=np.int64)
    lane_top_two(G, unit_term, cosine, comp)
    assert_array_equal(comp, ref)


def run_online(kernel, X, units, max_d2, *extra):
    """BMU of every iteration of a map that does not move (learning rate 1e-300: every update rounds away)."""
    n_iterations = X.shape[0]
    weights = units.copy()
    bmus = np.empty(n_iterations, dtype=np.int64)
    run = OnlineState(np.array([0, -1, -1], dtype=np.int64), np.zeros(4))
    kernel(X, weights, topology.make_grid(N_ROWS, N_COLS), np.arange(n_iterations, dtype=np.int64),
           np.full(n_iterations, 1e-300), np.full(n_iterations, 1.0), NEIGHBORHOODS["gaussian"],
           DISTANCES["euclidean"], max_d2, n_iterations, run, bmus, *extra)
    assert_array_equal(weights, units)  # the map stood still: every search saw the same units
    return bmus


@pytest.mark.parametrize("flavour", ["fast-euclidean-sweep", "fast-general-loop", "strict", "parallel-merge"])
def test_online_sweeps_follow_the_rule(tied, flavour):
    """Every flavour of the online kernel picks the rule's BMU at every iteration.

    Float64 maps run the update branch (it rounds to no change; no unit sits
    at 0, where it would not); float32 maps skip it (the factor is 0).
    """
    units, X, ref_best, _, _ = tied
    if flavour == "fast-euclidean-sweep":
        comp = run_online(online_fast, X, units, -1.0)  # no running errors: the written-out sweep
    elif flavour == "fast-general-loop":
        comp = run_online(online_fast, X, units, 2.0)  # running errors: the loop through bmu.keep
    elif flavour == "strict":
        comp = run_online(online_strict, X, units, -1.0)
    else:
        if units.dtype != np.float64:
            pytest.skip("the parallel flavour is compiled for float64 only here (its float32 code is the same)")
        comp = run_online(online_parallel, X, units, 2.0, 5)  # 5 unit ranges, merged by bmu.offer
    assert_array_equal(comp, ref_best, err_msg=flavour)
