"""fastsom profile and fastsom.profile: phases timed by the training code, the report, bad input; verify --data.

No timing decides a test here except the share of a fit's wall time that
its phases account for (issue 12, item 2), checked with a generous bound on
fits long enough that a scheduler hiccup cannot cross it.
"""

import json
import math
import time

import numpy as np
import pytest

import fastsom
from fastsom import SOM, cli
from fastsom.profiling import ProfileReport, ProfileTooLong, machine, measure
from fastsom.training import batch as batch_module
from fastsom.training import online as online_module
from fastsom.training import phases as phases_module
from fastsom.training.phases import NO_PHASES, PhaseTimer

# ----------------------------------------------------------------- phase timers


class FakeClock:
    """perf_counter stand-in: each call advances by the next step."""

    def __init__(self, steps):
        self.steps = list(steps)
        self.now = 0.0

    def __call__(self):
        self.now += self.steps.pop(0)
        return self.now


def test_nested_phases_are_exclusive(monkeypatch):
    # Clock reads: enter a (t=1), enter b (t=3: a gets 2), exit b (t=7: b gets 4),
    # exit a (t=8: a gets 1 more), enter a again (t=18), exit (t=19).
    monkeypatch.setattr(phases_module.time, "perf_counter", FakeClock([1, 2, 4, 1, 10, 1]))
    timer = PhaseTimer()
    with timer("a"):
        with timer("b"):
            pass
    with timer("a"):
        pass
    assert timer.seconds == {"a": 2 + 1 + 1, "b": 4}
    assert timer.calls == {"a": 2, "b": 1}
    assert timer.total() == 8  # of 18 elapsed: the 10 between the two "a" blocks belong to no phase


def test_a_phase_is_closed_when_its_block_raises(monkeypatch):
    monkeypatch.setattr(phases_module.time, "perf_counter", FakeClock([1, 2, 5, 1, 3, 1]))
    timer = PhaseTimer()
    with pytest.raises(KeyError), timer("outer"), timer("inner"):
        raise KeyError
    with timer("outer"):  # the stack is empty again: nothing pauses or resumes wrongly
        pass
    assert timer.seconds == {"outer": 2 + 1 + 1, "inner": 5}


def fit_with(timer, X, **params):
    som = SOM(5, 4, random_state=0, **params)
    som._phases = timer
    return som.fit(X)


@pytest.mark.parametrize("algorithm, steps", [("online", {"n_iterations": 3000}), ("batch", {"n_epochs": 3})])
def test_timing_the_phases_does_not_change_the_map(make_X, algorithm, steps):
    X = make_X(300, 4)
    plain = fit_with(NO_PHASES, X, algorithm=algorithm, **steps)
    timed = fit_with(PhaseTimer(), X, algorithm=algorithm, **steps)
    np.testing.assert_array_equal(plain.weights_, timed.weights_, err_msg=algorithm)


#: Fits of about 0.1-0.2 s on 2 cores: the code outside the timed blocks
#: (settings, monitor, buffers) takes well under 1 ms of them.
SUM_CASES = {
    "batch": (dict(algorithm="batch", n_epochs=12), (20_000, 64)),
    "online": (dict(algorithm="online", n_iterations=60_000), (2_000, 64)),
}

#: The phases a fit must report, by algorithm.
EXPECTED_PHASES = {"batch": {"validate", "init", "bmu", "update", "smooth", "python"},
                   "online": {"validate", "init", "sweep", "python"}}


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", SUM_CASES)
def test_phases_sum_to_the_wall_time_of_the_fit(algorithm):
    params, shape = SUM_CASES[algorithm]
    X = np.random.default_rng(0).random(shape)
    SOM(10, 10, random_state=0, **params).fit(X[:500])  # compile or load the kernels outside the timing
    shares = []
    for _ in range(3):
        timer = PhaseTimer()
        som = SOM(10, 10, random_state=0, **params)
        som._phases = timer
        start = time.perf_counter()
        som.fit(X)
        total = time.perf_counter() - start
        assert set(timer.seconds) == EXPECTED_PHASES[algorithm]
        # Exclusive phases inside the fit cannot add up to more than its wall time: no timing noise here.
        assert timer.total() <= total
        shares.append(timer.total() / total)
    # Issue 12: the phases equal the total within a few percent. The best of
    # three fits, so that one preemption landing outside the timed blocks
    # cannot fail the test; a block left untimed shows in all three.
    assert max(shares) >= 0.95, f"{algorithm}: phases cover {[f'{s:.3f}' for s in shares]} of the fits"


@pytest.mark.parametrize("algorithm", ["online", "batch"])
def test_each_block_of_the_run_is_timed_once(make_X, algorithm):
    X = make_X(3000, 4)
    timer = PhaseTimer()
    if algorithm == "batch":
        fit_with(timer, X, algorithm="batch", n_epochs=4)
        chunks = math.ceil(3000 / batch_module.default_chunk_size(20))
        assert timer.calls["smooth"] == 4
        assert timer.calls["bmu"] >= 4 * chunks  # one GEMM block per chunk (plus the epoch's norms)
        assert timer.calls["update"] == 4 * (chunks + 2)  # the sums per chunk, then the new map and its commit
    else:
        X = make_X(500, 64)  # blocks of 26,214 iterations on a 5x4 map
        n_iterations = 5 * online_module.default_block_size(20, 64) + 7
        fit_with(timer, X, n_iterations=n_iterations)
        assert timer.calls["sweep"] == 6
        assert timer.calls["python"] == 2 * 6  # the block's set-up, and the report after it
    assert timer.calls["validate"] == timer.calls["init"] == 1


# ----------------------------------------------------------------- fastsom.profile

#: Small, quick profiles: about a second each.
QUICK = dict(n_rows=4, n_cols=5, budget=1.0, repeat=2)


@pytest.fixture(scope="module")
def batch_report():
    X = np.random.default_rng(1).random((3000, 6))
    return fastsom.profile(X, algorithm="batch", n_epochs=7, **QUICK)


def test_profile_reports_each_fit_and_the_floor_beside_it(batch_report):
    r = batch_report
    assert len(r.fit_seconds) == len(r.phases) == len(r.unit_seconds) == len(r.floor_unit_seconds) == 2
    assert 1 <= r.steps_per_fit <= 7 and r.full_steps == 7 and r.unit == "epoch"
    assert all(t > 0 for t in r.floor_unit_seconds)
    # The figures follow from the recorded fits: per epoch = (fit - checks - init) / epochs.
    expected = [(total - p["validate"] - p["init"]) / r.steps_per_fit
                for total, p in zip(r.fit_seconds, r.phases, strict=True)]
    np.testing.assert_allclose(r.unit_seconds, expected, rtol=1e-12)
    np.testing.assert_allclose(r.floor_ratio, np.median(np.divide(expected, r.floor_unit_seconds)), rtol=1e-12)
    per_fit = np.median([p["validate"] + p["init"] for p in r.phases])
    np.testing.assert_allclose(r.projected_seconds, per_fit + 7 * np.median(expected), rtol=1e-12)
    assert set(r.phases[0]) == EXPECTED_PHASES["batch"]


def test_profile_report_reads_as_a_table_and_as_json(batch_report):
    text = str(batch_report)
    for line in ("per epoch, median [min-max]", "machine floor, same shapes", "x the floor", "BMU search",
                 "neighbourhood smoothing", "threads", "peak memory above the data", "full run (7 epochs), projected"):
        assert line in text
    plain = json.loads(json.dumps(batch_report.to_dict()))
    (m,) = plain["measurements"]
    assert m["floor_ratio"] == pytest.approx(batch_report.floor_ratio)
    assert m["params"]["algorithm"] == "batch" and plain["data"]["n_samples"] == 3000
    assert plain["machine"]["numba_threading"]["threads"] >= 1


def test_profile_compares_the_values_of_one_option(make_X):
    report = fastsom.profile(make_X(2000, 5), compare={"dtype": ["float32", "float64"]}, n_iterations=4000,
                             **QUICK)
    assert [m.label for m in report.measurements] == ["dtype=float32", "dtype=float64"]
    assert [m.params["dtype"] for m in report.measurements] == ["float32", "float64"]
    assert report.measurements[0].unit == "1,000 iterations"
    assert "dtype=float32" in str(report) and "dtype=float64" in str(report)
    with pytest.raises(AttributeError, match="report.measurements"):
        report.floor_ratio  # noqa: B018  (two settings: no single figure)


def test_a_setting_already_loaded_reports_no_new_kernels(make_X):
    X = make_X(500, 3)
    fastsom.profile(X, algorithm="batch", n_epochs=2, **QUICK)
    again = fastsom.profile(X, algorithm="batch", n_epochs=2, **QUICK)
    assert again.kernels_new == 0 and "kernels already loaded" in str(again)


def test_profile_with_the_reference_checks_agreement(make_X):
    report = fastsom.profile(make_X(200, 3), n_iterations=2000, reference=True, **QUICK)
    check = report.reference
    assert check.agree and check.same_bmus and check.max_abs_diff <= 1e-12
    assert (check.n_rows, check.n_cols, check.n_features) == (4, 5, 3) and 10 <= check.n_iterations <= 2000
    assert "OK: fastsom equals the reference" in str(report)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_rowz=3), r"unknown SOM parameter\(s\) n_rowz; valid: n_rows"),
    (dict(compare={"colour": [1, 2]}), "compare: unknown option 'colour'"),
    (dict(compare={"dtype": ["float32", "float16"]}), "dtype=float16: dtype=.float16. is not one of"),
    (dict(n_rows=0), "n_rows=0 must be >= 1"),
    (dict(budget=0), "budget=0 must be a number of seconds > 0"),
    (dict(repeat=0), "repeat=0 must be an integer >= 1"),
])
def test_profile_refuses_bad_settings_naming_them(make_X, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fastsom.profile(make_X(50, 3), **kwargs)


@pytest.mark.parametrize("kind", ["list", "dataframe", "float32 array"])
def test_profile_takes_what_fit_takes(make_X, kind):
    X = make_X(400, 3)
    if kind == "dataframe":
        X = pytest.importorskip("pandas").DataFrame(X, columns=["a", "b", "c"])
    given = X.tolist() if kind == "list" else X.astype(np.float32) if kind == "float32 array" else X
    report = fastsom.profile(given, algorithm="batch", n_epochs=2, **QUICK)
    assert report.data["n_samples"] == 400 and report.data["n_features"] == 3
    assert report.data["dtype"] == ("float32" if kind == "float32 array" else "float64")
    assert len(report.unit_seconds) == 2


def test_profile_refuses_bad_data_as_fit_does():
    with pytest.raises(ValueError, match="X contains NaN"):
        fastsom.profile(np.array([[0.0, np.nan], [1.0, 2.0]]))


def test_a_profile_over_its_budget_says_how_to_shorten_it(make_X):
    with pytest.raises(ProfileTooLong, match=r"over the budget of 1e-06 s: profile fewer samples.*repeat=1.*budget="):
        fastsom.profile(make_X(500, 3), algorithm="batch", budget=1e-6)


def test_the_phases_shown_are_those_of_the_median_fit():
    m = measure.Measurement("", {}, False, 5, 1, 1.0, 0.5, 1, 1, fit_seconds=[3.0, 1.0, 2.0, 4.0],
                            phases=[{"bmu": 2.5}, {"bmu": 0.5}, {"bmu": 1.5, "smooth": 0.25}, {"bmu": 3.0}])
    assert m.median_fit == 2  # 2.0 s: the lower of the two middle fits
    assert m.fit_phases() == {"bmu": 1.5, "smooth": 0.25, "unaccounted": 0.25}
    assert m.coverage == 0.875


@pytest.mark.parametrize("phases, floor, expected", [
    ({"validate": 0.1, "bmu": 1.0}, 1.1, ["BMU search takes 91%: at 1.10x the machine's floor", "(float32, fewer"]),
    ({"validate": 0.1, "bmu": 1.0}, 2.0, ["at 2.00x the floor: check the threads line"]),
    ({"bmu": 0.2, "smooth": 0.8}, 1.0, ["neighbourhood smoothing takes 80%: its cost grows with the map"]),
    ({"python": 0.6, "bmu": 0.4}, 1.0, ["Python between blocks takes 60%: each kernel call has little work"]),
    ({"validate": 0.4, "bmu": 0.6}, 1.0, ["BMU search takes 60%", "input checks and conversion take 40%"]),
])
def test_the_advice_names_the_largest_phase(phases, floor, expected):
    total = sum(phases.values())
    m = measure.Measurement("", {"dtype": "float64"}, False, 5, 1, 1.0, 0.5, 1, 1, fit_seconds=[total],
                            phases=[phases], unit_seconds=[floor], floor_unit_seconds=[1.0])
    advice = "\n".join(ProfileReport({}, {}, [m])._advice()).replace(" of a measured fit", "")
    for text in expected:
        assert text in advice


def test_plan_lengths_stays_within_the_budget_and_the_run():
    calibration = measure.Calibration(1.0, 0.1, 3, 3, per_step=0.01, floor_per_step=0.01, per_fit=0.05)
    n_steps, estimate, fits = measure.plan_lengths(calibration, 20, online=False, repeat=3, seconds=3.0)
    assert fits and n_steps == 20 and estimate == pytest.approx(3 * (0.05 + 20 * 0.02))
    n_steps, estimate, fits = measure.plan_lengths(calibration, 1000, online=False, repeat=3, seconds=3.0)
    assert fits and n_steps == 47  # (1 s per fit - 0.05 s) / 0.02 s per epoch and floor
    assert not measure.plan_lengths(calibration, 1000, online=False, repeat=3, seconds=0.1)[2]


def test_blas_threads_without_threadpoolctl_match_threadpoolctl(monkeypatch):
    pytest.importorskip("threadpoolctl")
    expected = machine.blas()
    if not expected["library"].startswith("openblas"):
        pytest.skip(f"NumPy's BLAS here is {expected['library']}; the fallback reads OpenBLAS only")
    monkeypatch.setattr(machine, "_blas_from_threadpoolctl", lambda: None)
    found = machine.blas()
    assert found["source"] == "numpy build configuration" and "openblas" in found["library"]
    assert found["threads"] == expected["threads"]


# ----------------------------------------------------------------- the command line


def write_csv(path, X):
    np.savetxt(path, X, delimiter=",", header=",".join(f"f{i}" for i in range(X.shape[1])), comments="")
    return str(path)


def test_cli_profile_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "profile.json"
    status = cli.main(["profile", "--samples", "1500", "--features", "6", "--rows", "3", "--cols", "4",
                       "--algorithm", "batch", "--epochs", "5", "--budget", "1", "--repeat", "2",
                       "--compare", "jobs=1,-1", "--json", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "jobs=1" in captured.out and "jobs=-1" in captured.out and "x the floor" in captured.out
    assert "making 1,500 x 6 synthetic" in captured.err
    saved = json.loads(out.read_text())
    assert saved["compared"] == "jobs" and [m["params"]["n_jobs"] for m in saved["measurements"]] == [1, -1]
    assert saved["data"]["n_samples"] == 1500 and "make_mnist_like" in saved["data"]["source"]


def test_cli_profile_reads_a_data_file_as_train_does(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", np.random.default_rng(0).random((400, 3)) * 50)
    status = cli.main(["profile", path, "--rows", "3", "--cols", "3", "--iterations", "900", "--budget", "1",
                       "--repeat", "1", "-q"])
    captured = capsys.readouterr()
    assert status == 0 and captured.err == ""
    assert "data: 400 x 3 float64 (d.csv, scaling minmax)" in captured.out


@pytest.mark.parametrize("argv, message", [
    (["--compare", "colour=1,2"], "argument --compare: unknown option 'colour'; valid: rows, cols"),
    (["--compare", "dtype=float16"], "argument --compare: dtype=float16: not one of float32, float64"),
    (["--compare", "jobs=0"], "argument --compare: jobs=0: must be -1"),
    (["--compare", "dtype"], "argument --compare: expected dtype=VALUE,VALUE"),
    (["--budget", "-1"], "argument --budget: must be > 0 seconds"),
])
def test_cli_profile_refuses_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["profile", "--samples", "10", "--features", "2", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--rows", "3", "--cols", "3"], "profile needs data: a DATA file, or --samples N --features D"),
    (["data.csv", "--samples", "5", "--features", "2"], "give a DATA file or --samples N --features D"),
    (["--samples", "9", "--features", "2", "--topology", "hexagonal", "--toroidal", "--rows", "3"],
     "must be even for a hexagonal torus"),
    (["--samples", "9", "--features", "2", "--algorithm", "batch", "--iterations", "5"],
     "--iterations counts online steps"),
    (["--samples", "900", "--features", "2", "--budget", "0.000001", "-q"], "--budget"),
])
def test_cli_profile_refuses_what_it_cannot_run_in_one_line(argv, message, capsys):
    assert cli.main(["profile", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("fastsom: ") and err.count("\n") == 1


def test_cli_profile_refuses_a_bad_file_as_train_does(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,n/a\n")
    assert cli.main(["profile", str(path)]) == 2
    assert cli.main(["train", str(path), "--rows", "2", "--cols", "2", "-o", str(tmp_path / "m.npz")]) == 2
    profile_err, train_err = capsys.readouterr().err.splitlines()
    assert profile_err == train_err and "non-numeric value 'n/a'" in profile_err


def test_verify_on_a_data_file(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", np.random.default_rng(3).random((60, 4)) * 10)
    assert cli.main(["verify", "--data", path, "--rows", "3", "--cols", "4", "--iterations", "200",
                     "--samples", "50"]) == 0
    out = capsys.readouterr().out
    assert "the first 50 rows of" in out and "4 features, 50 samples" in out and "OK" in out


def test_verify_on_a_data_file_with_options_the_reference_supports(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", np.random.default_rng(4).random((40, 3)))
    assert cli.main(["verify", "--data", path, "--rows", "4", "--cols", "3", "--iterations", "150",
                     "--topology", "hexagonal", "--neighborhood", "bubble", "--distance", "manhattan"]) == 0
    out = capsys.readouterr().out
    assert "neighborhood=bubble, topology=hexagonal, distance=manhattan" in out and "BMU sequences match" in out


def test_verify_fails_when_the_general_reference_differs(tmp_path, monkeypatch, capsys):
    import reference.online

    real = reference.online.train_online

    def skewed(*args, **kwargs):
        weights, bmus = real(*args, **kwargs)
        weights[0, 0] += 1e-9
        return weights, bmus

    monkeypatch.setattr(reference.online, "train_online", skewed)
    path = write_csv(tmp_path / "d.csv", np.random.default_rng(5).random((30, 2)))
    assert cli.main(["verify", "--data", path, "--iterations", "50", "--neighborhood", "gaussian"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_verify_refuses_features_with_a_data_file(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", np.ones((5, 2)))
    assert cli.main(["verify", "--data", path, "--features", "3"]) == 2
    assert "--features is for synthetic data" in capsys.readouterr().err
