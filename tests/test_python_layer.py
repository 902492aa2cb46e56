"""What the Python layer around the kernels costs (issue 9, item 5), and that its shortcuts change no answer.

* ``import fastsom`` does not import scikit-learn, yet scikit-learn's
  ``NotFittedError`` still catches fastsom's;
* the initial maps (``init="pca"``, ``"sample"``) stay within their memory
  bounds (tracemalloc) and the chunked covariance equals ``np.cov``;
* BMU queries by GEMM with an exact re-check answer exactly what the direct
  scan answers, on exact and near ties.

Timings live in ``bench/python_layer.py``, never here.
"""

import pickle
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fastsom
from fastsom import SOM, make_plan
from fastsom.analysis import metrics
from fastsom.kernels import bmu as bmu_kernels
from fastsom.kernels.distances import EUCLIDEAN
from fastsom.training import init as init_module
from fastsom.training.init import initial_weights


def run_python(code):
    """Run ``code`` in a fresh interpreter (this checkout's fastsom first on the path); return its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=str(__import__("pathlib").Path(fastsom.__file__).parent.parent))
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---------------------------------------------------------------------------
# import time: no scikit-learn
# ---------------------------------------------------------------------------

def test_import_fastsom_does_not_import_scikit_learn():
    out = run_python("""
        import sys
        import fastsom
        print(sorted(name for name in sys.modules if name.split(".")[0] == "sklearn"))
    """)
    assert out.strip() == "[]", f"import fastsom imported {out.strip()}"


def test_without_scikit_learn_the_error_is_fastsoms_own_class():
    out = run_python("""
        import sys
        from fastsom import SOM, NotFittedError
        try:
            SOM(2, 2).predict([[0.0]])
        except NotFittedError as error:
            print(type(error) is NotFittedError, isinstance(error, ValueError), isinstance(error, AttributeError))
        print("sklearn" in sys.modules)
    """)
    assert out.split() == ["True", "True", "True", "False"]


def test_scikit_learn_imported_after_fastsom_catches_its_error():
    out = run_python("""
        from fastsom import SOM
        import sklearn.exceptions
        try:
            SOM(2, 2).predict([[0.0]])
        except sklearn.exceptions.NotFittedError as error:
            print("caught:", error)
    """)
    assert out.strip() == "caught: This SOM is not fitted yet; call fit(X) first"


def test_the_scikit_learn_flavour_is_still_fastsoms_error_and_pickles():
    sklearn_exceptions = pytest.importorskip("sklearn.exceptions")
    with pytest.raises(sklearn_exceptions.NotFittedError) as info:
        SOM(2, 2).predict([[0.0]])
    error = info.value
    assert isinstance(error, fastsom.NotFittedError)
    assert isinstance(error, ValueError) and isinstance(error, AttributeError)
    again = pickle.loads(pickle.dumps(error))  # as joblib returns errors from workers
    assert type(again) is type(error) and again.args == error.args
    out = run_python(f"""
        import pickle
        error = pickle.loads(bytes.fromhex("{pickle.dumps(error).hex()}"))  # a process that never raised one
        import fastsom
        print(isinstance(error, fastsom.NotFittedError), error)
    """)
    assert out.strip() == "True This SOM is not fitted yet; call fit(X) first"


# ---------------------------------------------------------------------------
# initial maps: bounded memory, exact covariance
# ---------------------------------------------------------------------------

def peak_bytes(function, *args):
    """(result, peak bytes traced while ``function(*args)`` ran); NumPy reports its buffers to tracemalloc."""
    tracemalloc.start()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def low_rank_data(n_samples, n_features, dtype, offset=0.0, seed=0):
    """Three directions of decreasing spread plus small noise, around ``offset``: a clear top two."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(3, n_features))
    scores = rng.normal(size=(n_samples, 3)) * [5.0, 3.0, 1.0]
    X = offset + scores @ directions + 0.01 * rng.normal(size=(n_samples, n_features))
    return np.ascontiguousarray(X, dtype=dtype)


def test_sample_init_converts_only_the_chosen_rows():
    X = np.random.default_rng(0).random((20_000, 50), dtype=np.float32)
    plan = make_plan(10, 10, 50, len(X), 0, random_state=0)
    weights, peak = peak_bytes(initial_weights, "sample", plan, X, 10, 10)
    assert_array_equal(weights, X[plan.init_indices].astype(np.float64))
    assert peak <= 2 * weights.nbytes, f"{peak} bytes traced for a {weights.nbytes}-byte map (X: {X.nbytes})"


@pytest.mark.parametrize("n_features", [40, 100], ids=["whole-covariance", "truncated"])
def test_pca_init_needs_one_covariance_and_one_chunk_of_memory(n_features):
    """Issue 9's bound: beyond the map itself (and one temporary of its size), one n_features^2 float64 matrix
    plus one chunk of rows (counted as 1,024 rows of float64); the old init copied X to float64 twice."""
    X = low_rank_data(20_000, n_features, np.float32)
    plan = make_plan(10, 10, n_features, len(X), 0, random_state=0)
    initial_weights("pca", plan, X[:100], 10, 10)  # compile (or load) the kernel outside the trace
    weights, peak = peak_bytes(initial_weights, "pca", plan, X, 10, 10)
    bound = 2 * weights.nbytes + 8 * n_features**2 + 8 * 1024 * n_features
    assert peak <= bound, f"{peak} bytes traced; bound {bound} (X: {X.nbytes} bytes)"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_covariance_equals_numpy_cov_on_data_far_from_zero(dtype):
    """Shifting by a row keeps every digit that np.cov's two-pass centring keeps; raw moments would lose 8."""
    X = low_rank_data(500, 6, dtype, offset=1e4 if dtype == np.float64 else 1e2)
    comp_cov, comp_mean = init_module.covariance_times(X, np.eye(6))
    ref_cov = np.cov(X.astype(np.float64), rowvar=False)
    assert_allclose(comp_cov, ref_cov, rtol=0, atol=1e-12 * np.abs(ref_cov).max())
    assert_allclose(comp_mean, X.astype(np.float64).mean(axis=0), rtol=1e-15, atol=0)


def test_truncated_principal_axes_equal_the_whole_covariances():
    """Many features: block Krylov, compared with the eigenvectors of np.cov."""
    X = low_rank_data(3000, 200, np.float64, offset=3.0)
    assert X.shape[1] > init_module.WHOLE_COVARIANCE_FEATURES  # the truncated method runs
    variances, vectors, mean = init_module.principal_axes(X)
    ref_variances, ref_vectors = np.linalg.eigh(np.cov(X, rowvar=False))
    assert_allclose(variances, ref_variances[::-1][:2], rtol=1e-10)
    alignment = np.abs(np.sum(vectors * ref_vectors[:, ::-1][:, :2], axis=0))  # |cos| of each pair
    assert_allclose(alignment, 1.0, rtol=0, atol=1e-10)
    assert_allclose(mean, X.mean(axis=0), rtol=1e-14)


# ---------------------------------------------------------------------------
# BMU queries: GEMM shortlist, re-checked exactly
# ---------------------------------------------------------------------------

def ref_direct_scan(X, weights):
    """Every distance term by term: the direct kernel the queries used before (bmu, d2, second, d2)."""
    n_samples = X.shape[0]
    out = (np.empty(n_samples, np.int64), np.empty(n_samples), np.empty(n_samples, np.int64), np.empty(n_samples))
    bmu_kernels.best_two_units(X, weights, EUCLIDEAN, *out)
    return out


def tied_map_and_samples(dtype, n_features=24, seed=0):
    """A 56-unit map with duplicated units and units one ulp apart, and samples that sit on, between and near them."""
    rng = np.random.default_rng(seed)
    base = rng.random((30, n_features)).astype(dtype)
    up = base[:8].copy()
    up[:, 0] = np.nextafter(up[:, 0], dtype(2))  # one ulp from a unit: near ties
    down = base[8:14].copy()
    down[:, 1] = np.nextafter(down[:, 1], dtype(-1))
    weights = np.concatenate([base, base[:6], base[20:26], up, down])  # duplicates: exact ties
    weights = np.ascontiguousarray(weights[rng.permutation(len(weights))])
    pairs = rng.integers(0, len(weights), size=(200, 2))
    X = np.concatenate([
        (weights[pairs[:, 0]].astype(np.float64) + weights[pairs[:, 1]]) / 2,  # halfway between two units
        weights[rng.integers(0, len(weights), 100)],  # on a unit (and on its twins)
        base[:14] + rng.normal(scale=1e-3, size=(14, n_features)),  # near an ulp pair
        rng.random((100, n_features)),
    ]).astype(dtype)
    return weights, np.ascontiguousarray(X)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gemm_queries_equal_the_direct_scan_on_exact_and_near_ties(dtype):
    weights, X = tied_map_and_samples(dtype)
    ref_bmu, ref_d2, ref_second, ref_second_d2 = ref_direct_scan(X, weights)
    comp_bmu, comp_d2, comp_second, comp_second_d2 = metrics.best_two_units(X, weights)
    assert_array_equal(comp_bmu, ref_bmu)
    assert_array_equal(comp_second, ref_second)
    assert_array_equal(comp_d2, ref_d2)
    assert_array_equal(comp_second_d2, ref_second_d2)
    # Not vacuous: ranking by the GEMM alone (||w||^2 - 2 x.w, argmin) disagrees with the direct scan on some
    # samples, and many samples' two best are exact ties; the re-check must get all of them right.
    X64, W64 = X.astype(np.float64), weights.astype(np.float64)
    gemm_only = np.argmin(np.einsum("ij,ij->i", W64, W64)[None, :] - 2.0 * (X @ weights.T), axis=1)
    assert np.sum(gemm_only != ref_bmu) >= 5, "the GEMM alone got every sample right: no near tie tested"
    assert np.sum(ref_d2 == ref_second_d2) >= 50, "too few exact ties"
    assert np.allclose(((X64 - W64[ref_bmu]) ** 2).sum(axis=1), ref_d2, rtol=1e-4)  # the reference is a scan


def test_gemm_queries_handle_one_unit_maps_and_chunks():
    weights, X = tied_map_and_samples(np.float64, seed=1)
    ref = ref_direct_scan(X, weights[:1])
    for comp, want in zip(metrics.best_two_units(X, weights[:1]), ref, strict=True):
        assert_array_equal(comp, want)
    # many chunks: the chunk size does not change any answer
    assert len(X) > 64 * 2  # chunks of 64 rows, the smallest: several chunks and a partial one
    comp = metrics.best_two_units(X, weights)
    for comp_part, want in zip(comp, ref_direct_scan(X, weights), strict=True):
        assert_array_equal(comp_part, want)
