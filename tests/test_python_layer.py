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

import pytest

import fastsom
from fastsom import SOM


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
