"""fastsom's threading policy (fastsom/_threads.py): fork, concurrent threads, n_jobs.

Issue 10, items 3 and 4: after a parallel kernel had run, a forked child
entering one was killed by GNU OpenMP and a ``multiprocessing`` pool (or
joblib's multiprocessing backend under ``GridSearchCV``) waited forever;
under numba's ``workqueue`` layer two threads calling ``predict`` aborted
the process. Each case runs in a fresh interpreter in its own process
group, killed with its children at the timeout, so a regression fails the
test instead of hanging the run. The expected maps and BMUs are those of
the same calls made serially in the parent, before any fork or thread.
"""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from fastsom import _threads

#: Generous: a child may compile the serial twins once (seconds); a hang is forever.
TIMEOUT = 300

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork exists on POSIX only")

COMMON = '''
import numpy as np, numba
from fastsom import SOM
X = np.random.default_rng(0).random((400, 5))
online = SOM(6, 5, n_iterations=800, random_state=0).fit(X)
batch = SOM(6, 5, algorithm="batch", n_epochs=4, distance="manhattan", random_state=0).fit(X)
expected_bmus = online.predict(X)
expected_batch = batch.weights_.copy()
'''


def run(body, common=COMMON, **env):
    """Run ``common`` + ``body`` in a fresh interpreter; returns its stdout. Fails on a crash or at the timeout."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "NUMBA_NUM_THREADS")}
    environment.update(env)
    process = subprocess.Popen([sys.executable, "-c", common + textwrap.dedent(body)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment, start_new_session=True)
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the pool's children too
        out, err = process.communicate()
        pytest.fail(f"hung for {TIMEOUT} s; stderr:\n{err[-2000:]}")
    assert process.returncode == 0, f"exit {process.returncode}; stderr:\n{err[-2000:]}"
    return out


def test_forked_pool_after_parallel_kernels_predicts_and_trains():
    out = run('''
        import multiprocessing
        print("layer", numba.threading_layer())   # the parent has started numba's threads

        def refit(seed):
            return SOM(6, 5, algorithm="batch", n_epochs=4, distance="manhattan", random_state=seed).fit(X).weights_

        with multiprocessing.get_context("fork").Pool(2) as pool:
            bmus = pool.map(online.predict, [X[:200], X[200:]])
            maps = pool.map(refit, [0, 0])
        assert np.array_equal(np.concatenate(bmus), expected_bmus), "BMUs in the children"
        assert all(np.array_equal(m, expected_batch) for m in maps), "batch maps in the children"
        print("done")
    ''')
    assert "layer" in out and out.rstrip().endswith("done")


def test_grid_search_on_joblibs_multiprocessing_backend():
    pytest.importorskip("sklearn")
    out = run('''
        import joblib
        from sklearn.model_selection import GridSearchCV
        search = GridSearchCV(SOM(4, 4, algorithm="batch", n_epochs=3, random_state=0),
                              {"n_rows": [3, 4], "n_epochs": [2, 3]}, cv=2, n_jobs=2)
        with joblib.parallel_backend("multiprocessing"):
            search.fit(X)
        print("best", search.best_params_)
    ''')
    assert "best" in out


@pytest.mark.parametrize("layer", ["workqueue", "default"])
def test_threads_call_predict_and_fit_at_once(layer):
    env = {"NUMBA_THREADING_LAYER": layer} if layer != "default" else {}
    out = run('''
        import threading
        wrong = []

        def queries():
            for _ in range(30):
                if not np.array_equal(online.predict(X), expected_bmus):
                    wrong.append("predict")

        def training():
            for _ in range(3):
                model = SOM(6, 5, algorithm="batch", n_epochs=4, distance="manhattan", random_state=0).fit(X)
                if not np.array_equal(model.weights_, expected_batch):
                    wrong.append("batch fit")

        threads = [threading.Thread(target=queries) for _ in range(3)] + [threading.Thread(target=training)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print("layer", numba.threading_layer(), "wrong", wrong)
    ''', **env)
    assert "wrong []" in out, out
    if layer != "default":
        assert f"layer {layer}" in out


def test_n_jobs_1_never_starts_numbas_threads():
    # Training of every kind and the queries, each on a map of this process's
    # own; numba's layer must still be unstarted at the end.
    out = run('''
        import numpy as np, numba
        from fastsom import SOM
        X = np.random.default_rng(0).random((400, 5))
        for model in (SOM(6, 5, n_iterations=300, n_jobs=1, random_state=0),
                      SOM(6, 5, algorithm="batch", n_epochs=2, distance="manhattan", n_jobs=1, random_state=0),
                      SOM(6, 5, algorithm="batch", n_epochs=2, init="pca", n_jobs=1, random_state=0)):
            model.fit(X).predict(X)
            model.partial_fit(X)
            model.transform(X), model.quantization_error(X), model.topographic_error(X), model.umatrix()
            model.distortion(X), model.topographic_product()
        try:
            print("started", numba.threading_layer())
        except ValueError:
            print("not started")
    ''', common="")
    assert out.strip() == "not started"


def test_policy_routes_to_the_serial_twin(monkeypatch):
    calls = []
    kernel = _threads.ThreadedKernel.__new__(_threads.ThreadedKernel)
    kernel.parallel = lambda *args: calls.append("parallel")
    kernel.serial = lambda *args: calls.append("serial")
    monkeypatch.setattr(_threads, "available_threads", lambda: 4)
    monkeypatch.setattr(_threads, "_numba_threads", lambda n: _threads.contextlib.nullcontext())

    monkeypatch.setattr(_threads, "layer", lambda: "omp")
    kernel()
    with _threads.limit(1):
        kernel()
    with _threads.limit(2), _threads.limit(None):
        kernel()
    assert calls == ["parallel", "serial", "parallel"]

    calls.clear()
    for started in ("workqueue", None):  # not thread-safe, or not known yet
        monkeypatch.setattr(_threads, "layer", lambda started=started: started)
        kernel()
        with _threads._ONE_REGION:  # another thread is in a parallel region
            kernel()
    assert calls == ["parallel", "serial", "parallel", "serial"]


def test_caps_nest_and_ignore_what_the_estimator_refuses(monkeypatch):
    monkeypatch.setattr(_threads, "available_threads", lambda: 8)
    with _threads.limit(4):
        assert _threads.allowed_threads() == 4
        with _threads.limit(6):
            assert _threads.allowed_threads() == 4
        with _threads.limit(2):
            assert _threads.allowed_threads() == 2
            assert _threads.allowed_threads(3) == 2
        assert _threads.allowed_threads(3) == 3
    for refused in (0, -2, True, 1.5, None, -1):
        with _threads.limit(refused):
            assert _threads.allowed_threads() == 8


@pytest.mark.parametrize(("started", "serial"), [("omp", True), ("workqueue", True), ("tbb", False), (None, False)])
def test_a_forked_child_goes_serial_only_after_an_unsafe_layer_started(monkeypatch, started, serial):
    monkeypatch.setattr(_threads, "_serial_after_fork", False)
    monkeypatch.setattr(_threads, "layer", lambda: started)
    _threads._after_fork()
    assert _threads._serial_after_fork is serial
    if serial:
        assert _threads.available_threads() == 1
