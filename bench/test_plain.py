"""Checks of the plain-script runs (:mod:`bench.plain`): they run as users run the peers, and their figures add up.

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_plain.py

No timing is asserted: these tests check what each fresh interpreter had
imported and which ``MALLOC_`` variables it saw (the two things that make
a plain script plain), that a plain script trains the same codebook as the
bench worker's adapter, and the arithmetic of scaled rows and tables. A
peer that is not installed is skipped with the reason.
"""

import dataclasses
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from bench import plain, suite, workloads
from bench.contenders import registry

ROOT = Path(__file__).resolve().parent.parent

#: A variable of glibc's malloc that no plain default run may see.
STRAY = {"MALLOC_ARENA_MAX": "2", **plain.MALLOC_TUNING}


def small_workload(**changes):
    """A 6x5 map on 300 x 5 MNIST-like rows, 2 epochs or 40 iterations: milliseconds for every peer."""
    return dataclasses.replace(workloads.WORKLOADS["curve"], n_samples=300, n_features=5, n_rows=6, n_cols=5,
                               n_epochs=2, n_iterations=40, **changes)


def libraries(out):
    """Top-level modules a plain script had imported from outside the standard library's folder.

    Modules without a file (numpy's Cython runtime) and ``_sysconfigdata``
    live in or with the interpreter; whatever else was imported comes from
    a folder of its own: site-packages, or a checkout.
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    return {name for name, file in out["modules"].items() if file and not Path(file).resolve().is_relative_to(stdlib)}


@pytest.fixture(scope="module")
def baseline_modules():
    """Libraries of a plain script that imports numpy alone (with what ``site`` loads at start-up)."""
    out = plain.run(plain.script("numpy", [("nothing", "pass")]))
    assert "error" not in out, out
    assert "numpy" in libraries(out)
    return libraries(out)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    wl = small_workload()
    folder = tmp_path_factory.mktemp("plain-data")
    X = workloads.mnist_like(wl.n_samples, wl.n_features)
    x_path, init_path = folder / "X.npy", folder / "init.npy"
    np.save(x_path, X)
    np.save(init_path, workloads.pca_init(X, wl.n_rows, wl.n_cols))
    return wl, x_path, init_path


def available(name):
    reason = registry()[name].unavailable()
    if reason:
        pytest.skip(reason)
    return registry()[name]


@pytest.mark.parametrize("name", sorted(plain.NUMPY_PEERS))
def test_peer_script_imports_numpy_and_the_peer_only_and_trains_the_workers_map(files, baseline_modules, name,
                                                                                  tmp_path, monkeypatch):
    """The worker's adapter in a fresh interpreter: nothing but numpy and the peer, no malloc tuning."""
    contender = available(name)
    wl, x_path, init_path = files
    for key, value in STRAY.items():  # the parent's malloc settings must not reach the child
        monkeypatch.setenv(key, value)
    steps = wl.n_iterations if contender.family == "online" else wl.n_samples
    out = plain.run(plain.peer_script(name, x_path, init_path, wl, steps, codebook_path=tmp_path / "w.npy"))
    assert "error" not in out, out
    peer_module = contender.module.partition(".")[0]
    assert libraries(out) - baseline_modules == {peer_module}, f"{name}: imports beyond numpy and the peer"
    assert not {"fastsom", "bench", "numba", "pytest"} & set(out["modules"]), name
    assert out["malloc_variables"] == {}, f"{name}: the default environment has no MALLOC_ variable"
    # Like with like: the same adapter, in process, trains the same codebook.
    part = dataclasses.replace(wl, n_epochs=1) if contender.family == "batch" else wl
    ref = np.asarray(contender.train(np.load(x_path), np.load(init_path), part))
    assert_array_equal(np.load(tmp_path / "w.npy"), ref, err_msg=f"{name}: plain script vs worker adapter")
    assert np.abs(ref - np.load(init_path)).max() > 1e-3, f"{name}: training moved the map"


@pytest.mark.parametrize("free_first", [False, True])
def test_users_minisom_script_imports_numpy_and_minisom_only(baseline_modules, free_first, monkeypatch):
    available("minisom-online")
    for key, value in STRAY.items():
        monkeypatch.setenv(key, value)
    out = plain.run(plain.minisom_user_script(500, 8, 20, free_first=free_first))
    assert "error" not in out, out
    assert libraries(out) - baseline_modules == {"minisom"}
    assert out["malloc_variables"] == {}
    assert len(out["seconds"]) == len(out["minor_faults"]) == 1


@pytest.mark.parametrize("malloc, expected", [("default", {}), ("tuned", plain.MALLOC_TUNING)])
def test_the_child_sees_exactly_the_malloc_setting_asked_for(malloc, expected, monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")
    monkeypatch.setenv("FASTSOM_PLAIN_TEST", "kept")  # the rest of the environment stays
    out = plain.run(plain.script("numpy", [("env", "seen = os.environ.get('FASTSOM_PLAIN_TEST')")],
                                 after="assert seen == 'kept' and 'GLIBC_TUNABLES' not in os.environ\n"), malloc)
    assert "error" not in out, out
    assert out["malloc_variables"] == expected


def test_environment_refuses_an_unknown_setting():
    with pytest.raises(ValueError, match="malloc='fast' must be 'default' or 'tuned'"):
        plain.environment("fast")


def test_fastsom_user_script_runs_this_checkout_in_a_plain_interpreter(baseline_modules):
    """fastsom's plain script imports this checkout's fastsom, nothing of the bench, and times each fit."""
    out = plain.run(plain.fastsom_user_script(200, 4, (20, 40), "float64", None))
    assert "error" not in out, out
    assert Path(out["modules"]["fastsom"]).resolve().is_relative_to(ROOT), out["modules"]["fastsom"]
    assert not {"bench", "minisom", "xpysom", "pytest"} & set(out["modules"])
    assert out["malloc_variables"] == {}
    assert len(out["seconds"]) == 3  # the first fit, then the two lengths


def test_plain_part_aims_at_a_short_run_within_the_run():
    wl = dataclasses.replace(workloads.WORKLOADS["mnist-online"], n_iterations=10_000)
    # 5.76 s for 10,000 iterations: 0.3 s is 521 iterations (ceil of 520.8).
    assert plain.plain_part("online", wl, 5.76) == (521, None)
    assert plain.plain_part("online", wl, 60.0) == (plain.LEAST_STEPS["online"], None)
    assert plain.plain_part("online", wl, 0.01) == (10_000, None)  # never more than the run
    assert plain.plain_part("online", wl, None) == (plain.LEAST_STEPS["online"], None)
    assert plain.plain_part("online", wl, 5.76, whole_epochs=True) == (521, None)  # online: no epochs
    batch = dataclasses.replace(workloads.WORKLOADS["mnist-batch"], n_samples=70_000, n_epochs=5)
    # 219 s for 5 epochs of 70,000 rows: 0.3 s is 480 rows (ceil of 479.5), one epoch; at most one epoch.
    assert plain.plain_part("batch", batch, 219.0) == (480, 1)
    assert plain.plain_part("batch", batch, 1.0) == (70_000, 1)
    # Whole epochs: 4.24 s for 5 epochs, 0.3 s is 0.35 epoch: one; 0.6 s for 5: 2.5 epochs, so 3.
    assert plain.plain_part("batch", batch, 4.24, whole_epochs=True) == (70_000, 1)
    assert plain.plain_part("batch", batch, 0.6, whole_epochs=True) == (70_000, 3)
    assert plain.plain_part("batch", batch, 0.002, whole_epochs=True) == (70_000, 5)  # never more than the run


def test_alternating_order_reverses_every_other_round():
    assert plain.alternating(("a", "b", "c"), 3) == ["a", "b", "c", "c", "b", "a", "a", "b", "c"]


def _worker_row(**changes):
    row = dict(workload="mnist-online", contender="minisom-online", label="MiniSom train", algorithm="online",
               family="online", dtype="float64", floor=False, fastsom=False, status="ok", times=[6.0, 5.0, 7.0],
               n_samples=70_000, n_features=784, n_units=400, n_epochs=None, n_iterations=10_000,
               minor_faults=20_000.0, settings="train(...)", distribution="MiniSom", version="2.3.6")
    return {**row, **changes}


def test_peer_rows_scale_each_process_to_the_whole_run(monkeypatch):
    wl = dataclasses.replace(workloads.WORKLOADS["mnist-online"], n_iterations=10_000)
    seen = []

    def fake_run(source, malloc, env=None):
        seen.append(malloc)
        seconds = {"default": 2.5, "tuned": 0.3}[malloc] + 0.1 * len(seen)
        return dict(seconds=[seconds], minor_faults=[600_000 if malloc == "default" else 1_000],
                    modules={"numpy": None, "minisom": None}, malloc_variables={}, blas=None)

    monkeypatch.setattr(plain, "run", fake_run)
    rows = plain.peer_rows(wl, _worker_row(), "X.npy", "init.npy", "full")
    assert seen == ["default", "tuned", "tuned", "default", "default", "tuned"]
    # 6.0 s median for 10,000 iterations: 0.3 s is 500 iterations; scale 20.
    default, tuned = rows
    assert default["steps"] == tuned["steps"] == 500 and default["scale"] == 20
    assert default["times"] == pytest.approx([(2.5 + 0.1) * 20, (2.5 + 0.4) * 20, (2.5 + 0.5) * 20])
    assert tuned["times"] == pytest.approx([(0.3 + 0.2) * 20, (0.3 + 0.3) * 20, (0.3 + 0.6) * 20])
    assert default["faults_per_step"] == 1_200 and tuned["faults_per_step"] == 2
    assert default["status"] == "partial" and default["contender"] == "minisom-online@plain-default"
    assert tuned["label"] == "MiniSom train, plain script, tuned malloc"
    assert default["reason"] == "500 iterations in each fresh process, time scaled x20"


def test_suite_table_shows_worker_plain_and_tuned_rows_and_the_online_target():
    wl = dataclasses.replace(workloads.WORKLOADS["mnist-online"], n_iterations=10_000)
    fast = dict(_worker_row(), contender="fastsom-online", label="fastsom online, 1 thread", fastsom=True,
                dtype="float32", times=[0.035, 0.034, 0.036], minor_faults=0.0)
    base = {k: v for k, v in _worker_row().items() if k not in ("times", "minor_faults")}
    plain_default = dict(base, contender="minisom-online@plain-default", label="MiniSom train, plain script",
                         plain="default", status="partial", times=[52.0, 50.0, 60.0], faults_per_step=1_200.0,
                         reason="500 iterations in each fresh process, time scaled x20")
    plain_tuned = dict(base, contender="minisom-online@plain-tuned", label="MiniSom train, plain script, tuned malloc",
                       plain="tuned", status="partial", times=[6.8, 7.0, 7.2], faults_per_step=2.0,
                       reason="500 iterations in each fresh process, time scaled x20")
    rows = [fast, _worker_row(), plain_default, plain_tuned]
    text = suite.table(wl, rows)
    assert "| MiniSom train, bench worker | online | float64 | 6.00 [5.00-7.00] | 3 |" in text
    assert "| MiniSom train, plain script | online | float64 | ~52.00 [50.00-60.00] (scaled) | 3 processes |" in text
    assert "| 1,486x |" in text  # 52 / 0.035, fastsom faster by
    assert "- MiniSom train, plain script: 500 iterations in each fresh process, time scaled x20." in text
    assert ("minor page faults per iteration: bench worker 2.0; plain script 1,200.0; "
            "plain script, tuned malloc 2.0") in text
    lines = suite.online_targets("mnist-online", rows)
    assert lines == ["- mnist-online: fastsom online, 1 thread (float32) faster than MiniSom train by 1,486x as "
                     "users run it (plain script), 200x tuned malloc, 171x bench worker; target >= 100x, "
                     "as users run it: met, against tuned malloc: met"]


def test_users_report_counts_fastsom_per_iteration_from_two_fits():
    sizes = plain.USERS_SIZES["full"]
    out = dict(seconds=[3.0, 0.5, 2.3], minor_faults=[10, 900, 900])
    per_it, faults = plain.per_iteration("fastsom-float32", out, sizes)
    assert per_it == pytest.approx((2.3 - 0.5) / (20_000 - 1_000)) and faults == 0
    per_it, faults = plain.per_iteration("minisom", dict(seconds=[2.5], minor_faults=[600_000]), sizes)
    assert per_it == pytest.approx(2.5 / 500) and faults == 1_200
