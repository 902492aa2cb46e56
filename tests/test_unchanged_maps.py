"""Maps without missing values or feature weights are fastsom's maps from before those existed, bit for bit.

Issue 13 put a masked, weighted distance into the kernels. Its promise:
with no NaN in X and no feature weights (or all ones), nothing changes,
not one bit. Two tests hold it to that:

* :func:`test_maps_are_those_recorded_before_masks` compares maps, BMUs,
  running errors and queries with digests that **fastsom at commit
  b68618e** (before any of issue 13's code) computed, recorded in
  :data:`RECORDED` by running this file as a script against that checkout::

      git worktree add /tmp/before b68618e
      PYTHONPATH=/tmp/before python tests/test_unchanged_maps.py

  (the cases use only what that version had). Three cases came later
  (online chebyshev, online on parallel unit ranges, batch float64
  euclidean): their digests were recorded the same way by ``main`` at
  6d14140, whose issue-13-free code reproduced b68618e's seven digests
  exactly. Fastmath vectorisation and
  BLAS's blocking round differently on other CPUs and library versions, so
  on a platform other than :data:`RECORDED_ON` the test is skipped, saying
  so; run the script there against b68618e to record that platform's
  digests. It was recorded first and seen to pass on the new code: a
  recorded digest is the old code's output, never the new code's.
* :func:`test_missing_ignore_and_unit_weights_change_nothing` runs on any
  platform: ``missing="ignore"`` on complete data and ``feature_weights``
  of all ones give the default estimator's bits.
"""

import hashlib
import json
import platform
import sys

import numpy as np
import pytest

from fastsom import SOM, tutorial_som

#: Where RECORDED was computed: a mismatch skips the comparison.
RECORDED_ON = {"machine": "x86_64", "cpu": "znver4", "numba": "0.68.1", "numpy": "2.4.6",
               "blas": "openblas 0.3.31.188.0 SkylakeX"}

#: Digests of each case's arrays, computed by fastsom at b68618e (see the module docstring).
RECORDED = {
    "batch_cosine": "8e623954f7439880a69e33a304e3e6a437f7aad45b7b25361d8110ffb9b3eb30",
    "batch_float32_pca": "435a0be2a2d918ebcea6fa5a3beec44e1de2c997e9beb549c93fbb2b9c060a67",
    "batch_float64_euclidean": "2d6130d33ed16f7414bf38f4d2b6c79b77564ec0981c7d709ecd8f0c582ae217",
    "batch_manhattan_hex_torus": "3bbe099a10c9a4a9f680cc9dab9b7be3f79e8836c03a051f717319585fb65f87",
    "online_chebyshev": "d1b582b8ac9b94c404dab8c2f80073fce39f077be37375f3d421e21921f26558",
    "online_cosine": "594dc6af8949eec05a0842e236eea80ebe648b672d1a74e3d508fe5847e99522",
    "online_fast": "cbf35a95b16ffdaa582b171f33ba98f98e501058649dd271f8310e7ccb592853",
    "online_float32_hex_torus": "759fd6caacbd1ec31653192ec9f4c78c0c77ec4b157941d53c03bdd8a9293c4b",
    "online_parallel_manhattan": "024b6815da660168895a9315cfa714b3414dba7fb654b12c6a7e7f3948f4bfb0",
    "online_strict_tutorial": "86780b432b6efd298d5aa1698f9d788b59800ef958db24e1a2affae084750734",
}


def _data(n_samples, n_features, seed):
    return np.random.default_rng(seed).random((n_samples, n_features))


def _history(som):
    return np.array([[h["quantization_error"], h["topographic_error"]] for h in som.history_])


def _queries(som, X):
    bmu, distance = som.predict(X, return_distance=True)
    return [som.weights_, bmu, distance, som.transform(X), np.array([som.quantization_error(X),
            som.topographic_error(X), som.distortion(X), som.topographic_product()]), som.umatrix()]


def _fit(X, **params):
    """A fit with BLAS on one thread (batch BMUs come from a GEMM, whose bits follow its thread count)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        som = SOM(**params).fit(X)
        return som, _queries(som, X) + [_history(som)]


def _case_online_fast():
    X = _data(200, 3, 0)
    return _fit(X, n_rows=5, n_cols=6, n_iterations=3000, random_state=1, callbacks=[lambda info: None])[1]


def _case_online_float32_hex_torus():
    X = _data(150, 5, 1)
    return _fit(X, n_rows=6, n_cols=4, n_iterations=2000, dtype="float32", topology="hexagonal", toroidal=True,
                neighborhood="bubble", random_state=2)[1]


def _case_online_cosine():
    X = _data(120, 4, 2) - 0.5
    return _fit(X, n_rows=4, n_cols=4, n_iterations=1500, distance="cosine", random_state=3,
                callbacks=[lambda info: None])[1]


def _case_online_strict_tutorial():
    X = _data(100, 3, 3)
    som = tutorial_som(5, 5, n_iterations=2000, random_state=0).fit(X)
    return [som.weights_, som.predict(X)]


def _case_online_chebyshev():
    X = _data(120, 4, 8)
    return _fit(X, n_rows=4, n_cols=5, n_iterations=1500, distance="chebyshev", random_state=5,
                callbacks=[lambda info: None])[1]


def _case_online_parallel_manhattan():
    # 64 units x 256 features: the unit ranges run in parallel (training.online.choose_kernel) on 2+ threads.
    # The map, its BMUs and running errors only: at 256 features the last bits of the fastmath manhattan
    # queries on all threads differ between processes on main too (6d14140, no masks: 1 run in 6 gave
    # n_jobs=1's bits), so they cannot be recorded.
    X = _data(60, 256, 9)
    som, arrays = _fit(X, n_rows=8, n_cols=8, n_iterations=300, distance="manhattan", n_jobs=-1, random_state=6)
    return [arrays[0], arrays[1], arrays[-1]]


def _case_batch_float64_euclidean():
    X = _data(300, 6, 10)
    return _fit(X, n_rows=6, n_cols=7, algorithm="batch", n_epochs=5, random_state=7,
                callbacks=[lambda info: None])[1]


def _case_batch_float32_pca():
    X = _data(300, 6, 4)
    return _fit(X, n_rows=6, n_cols=7, algorithm="batch", n_epochs=5, dtype="float32", init="pca",
                random_state=0, callbacks=[lambda info: None])[1]


def _case_batch_manhattan_hex_torus():
    X = _data(250, 4, 5)
    return _fit(X, n_rows=6, n_cols=5, algorithm="batch", n_epochs=4, distance="manhattan", topology="hexagonal",
                toroidal=True, neighborhood="bubble", random_state=0, callbacks=[lambda info: None])[1]


def _case_batch_cosine():
    X = _data(200, 5, 6) - 0.3
    return _fit(X, n_rows=5, n_cols=5, algorithm="batch", n_epochs=4, distance="cosine", init="sample",
                random_state=4, callbacks=[lambda info: None])[1]


CASES = {name[len("_case_"):]: case for name, case in sorted(globals().items()) if name.startswith("_case_")}


def digest(arrays):
    """sha256 of the arrays' dtypes, shapes and bytes, in order."""
    h = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        h.update(f"{array.dtype.str}{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def platform_key():
    """What decides the bits beside fastsom's code: CPU, numba, NumPy and BLAS."""
    import llvmlite.binding
    import numba
    from threadpoolctl import threadpool_info

    blas = [f"{pool['internal_api']} {pool['version']} {pool.get('architecture')}" for pool in threadpool_info()
            if pool["user_api"] == "blas" and "numpy" in pool["filepath"]]  # (not scipy's, if loaded)
    return {"machine": platform.machine(), "cpu": llvmlite.binding.get_host_cpu_name(), "numba": numba.__version__,
            "numpy": np.__version__, "blas": blas[0] if blas else None}


@pytest.mark.parametrize("case", sorted(CASES))
def test_maps_are_those_recorded_before_masks(case):
    pytest.importorskip("threadpoolctl")
    here = platform_key()
    if here != RECORDED_ON:
        pytest.skip(f"digests recorded on {RECORDED_ON}, this is {here}: record this platform's (module docstring)")
    assert digest(CASES[case]()) == RECORDED[case], f"{case}: not the map fastsom made before issue 13"


@pytest.mark.parametrize("algorithm, distance, dtype", [("online", "euclidean", "float64"),
                                                        ("online", "cosine", "float64"),
                                                        ("batch", "euclidean", "float32"),
                                                        ("batch", "manhattan", "float64")])
def test_missing_ignore_and_unit_weights_change_nothing(algorithm, distance, dtype):
    pytest.importorskip("threadpoolctl")
    X = _data(150, 4, 7)
    params = {"n_rows": 4, "n_cols": 5, "algorithm": algorithm, "n_iterations": 1500, "n_epochs": 4,
              "distance": distance, "dtype": dtype, "random_state": 0, "callbacks": [lambda info: None]}
    plain = _fit(X, **params)[1]
    masked = _fit(X, missing="ignore", feature_weights=np.ones(4), **params)[1]
    for name, a, b in zip(["weights", "bmu", "distance", "transform", "measures", "umatrix", "history"], plain,
                          masked, strict=True):
        np.testing.assert_array_equal(b, a, err_msg=f"{name}: {algorithm}, {distance}, {dtype}")


if __name__ == "__main__":  # record: see the module docstring
    json.dump({"platform": platform_key(), "digests": {case: digest(CASES[case]()) for case in sorted(CASES)}},
              sys.stdout, indent=1)
    print()
