"""What a hostile user found (issue 10): nothing crashes, nothing is lost, nothing is silently wrong.

Each test is one repro from the issue; each failed before its fix.
"""

import os
import pickle
import stat
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fastsom
import fastsom.training.monitor
import fastsom.training.online
from fastsom import SOM, TrainingDiverged, export_cod, import_cod
from fastsom.cli import main
from fastsom.io.files import atomic_write


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((100, 3))


# ------------------------------------------------------------ lost or overwritten data


def test_numpy_scalars_are_saved_as_numbers(tmp_path, X):
    """GridSearchCV hands NumPy scalars; they were saved as None (load failed, or fell back to defaults)."""
    som = SOM(np.int64(3), np.int64(4), n_iterations=np.int64(200), learning_rate=np.float32(0.3),
              random_state=np.int64(2)).fit(X)
    loaded = fastsom.load(som.save(tmp_path / "m.npz"))
    assert (loaded.n_rows, loaded.n_cols, loaded.n_iterations, loaded.random_state) == (3, 4, 200, 2)
    assert loaded.learning_rate == float(np.float32(0.3))
    assert loaded.unsaved_params_ == []


def test_a_pickled_copy_saves_its_own_weights(tmp_path, X):
    """After pickle, weights_ was a stale copy: partial_fit moved the map, save wrote the old one."""
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    copy = pickle.loads(pickle.dumps(som))
    copy.partial_fit(X)
    assert not np.array_equal(copy.weights_, som.weights_)
    assert_array_equal(fastsom.load(copy.save(tmp_path / "m.npz")).weights_, copy.weights_)


def test_a_refused_fit_leaves_the_fitted_map_as_it_was(X):
    pandas = pytest.importorskip("pandas")
    good = pandas.DataFrame(X, columns=["a", "b", "c"])
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(good)
    before = som.weights_.copy()
    bad = pandas.DataFrame(X, columns=["x", "y", "z"])
    bad.iloc[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        som.fit(bad)
    assert list(som.feature_names_in_) == ["a", "b", "c"]
    assert_array_equal(som.predict(good), SOM(3, 3, n_iterations=200, random_state=0).fit(good).predict(good))
    assert_array_equal(som.weights_, before)
    with pytest.raises(ValueError, match="init has shape"):  # refused after X was accepted
        som.set_params(init=np.zeros((2, 2, 2))).fit(bad.fillna(0))
    assert list(som.feature_names_in_) == ["a", "b", "c"]


def test_saving_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path, X):
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    target = tmp_path / "real.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    som.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert_array_equal(fastsom.load(target).weights_, som.weights_)


def test_writing_to_a_pipe_writes_into_it(tmp_path):
    """-o /dev/stdout or a FIFO was replaced by a regular file (as root, device nodes too)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen([sys.executable, "-c", f"print(open({str(fifo)!r}).read(), end='')"],
                              stdout=subprocess.PIPE, text=True)
    with atomic_write(fifo, "w") as stream:
        stream.write("through the pipe")
    assert reader.communicate(timeout=30)[0] == "through the pipe"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO is still a FIFO"
    assert os.listdir(tmp_path) == ["pipe"]


def test_predict_to_standard_output_by_name_prints(tmp_path, X):
    """``-o /dev/stdout``, through a link of our own: a regression must not replace the machine's /dev/stdout."""
    model = SOM(2, 2, n_iterations=50, random_state=0).fit(X).save(tmp_path / "m.npz")
    np.save(tmp_path / "d.npy", X[:3])
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")  # what /dev/stdout is on Linux
    done = subprocess.run([sys.executable, "-m", "fastsom", "predict", str(model), str(tmp_path / "d.npy"),
                           "-o", str(stdout)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "row,col,distance" and len(done.stdout.splitlines()) == 4
    assert stdout.is_symlink()


def test_an_empty_output_path_is_refused(tmp_path, X):
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    with pytest.raises(ValueError, match="output path is empty"):
        som.save("")
    assert os.listdir(tmp_path) == []


def test_a_temporary_left_by_a_killed_save_is_named_after_its_target(tmp_path, X, monkeypatch):
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    monkeypatch.setattr(os, "unlink", lambda path: None)  # as if the process died before cleaning up
    monkeypatch.setattr(np, "savez", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        som.save(tmp_path / "model.npz")
    assert [name.startswith(".model.npz.fastsom-tmp-") for name in os.listdir(tmp_path)] == [True]


# ------------------------------------------------------------ silently wrong maps


def test_a_diverging_mexican_hat_stops_with_an_error_and_keeps_the_last_finite_map(monkeypatch):
    """Online mexican hat left 126 of 300 weights non-finite, all samples on unit 0, TE 0.0, and no error."""
    monkeypatch.setattr(fastsom.training.monitor.FiniteGuard, "CHECK_ELEMENTS", 1)  # check every block
    monkeypatch.setattr(fastsom.training.online, "default_block_size", lambda n_units, n_features: 500)
    X = np.random.default_rng(0).random((500, 3))
    som = SOM(10, 10, neighborhood="mexican_hat", random_state=0)
    with pytest.raises(TrainingDiverged, match="mexican_hat.*lower learning_rate") as raised:
        som.fit(X)
    assert np.isfinite(som.weights_).all()
    assert 0 < som.n_iter_ == raised.value.n_iter < som.settings_.n_steps
    assert all(info["n_iter"] <= som.n_iter_ for info in som.history_)
    som.predict(X)  # the kept map is usable


@pytest.mark.parametrize("params, message", [
    (dict(learning_rate=1e300), "learning_rate=1e\\+300 must be < 2"),
    (dict(learning_rate=2.0), "learning_rate=2.0 must be < 2"),
    (dict(learning_rate_end=5.0), "learning_rate_end=5.0 must be < 2"),
    (dict(sigma_end=1e-200), "sigma_end=1e-200 must be between"),
    (dict(sigma=1e300), "sigma=1e\\+300 must be between"),
    (dict(learning_rate_schedule=lambda step, n: 3.0), "learning_rate_schedule gives 3 at step 0"),
    (dict(learning_rate_schedule=lambda step, n: [0.5, 0.1]), "learning_rate_schedule must return one number"),
    (dict(random_state=True), "random_state=True must be None"),
])
def test_settings_that_would_break_the_map_are_refused_before_training(X, params, message):
    som = SOM(3, 3, n_iterations=100, **params)
    with pytest.raises((ValueError, TypeError), match=message):
        som.fit(X)
    assert "settings_" not in vars(som)


def test_a_fraction_learning_rate_trains(X):
    som = SOM(3, 3, n_iterations=100, learning_rate=Fraction(1, 2), random_state=0).fit(X)
    assert np.isfinite(som.weights_).all()


# ------------------------------------------------------------ resources and unclear errors


def test_a_sompak_header_claiming_more_than_the_file_holds_allocates_nothing(tmp_path):
    path = tmp_path / "big.cod"
    path.write_text("3 rect 1000 1000 gaussian\n0 0 0\n")
    with pytest.raises(ValueError, match="has only .* bytes"):
        import_cod(path)


@pytest.mark.parametrize("content", [b"not a model at all\n1,2,3\n", np.lib.format.MAGIC_PREFIX + b"\x01\x00junk"])
def test_a_data_file_given_as_the_model_is_one_line(tmp_path, content, capsys):
    path = tmp_path / "data.npy"
    path.write_bytes(content)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a readable fastsom model file" in err and "pickle" not in err and err.count("\n") == 1


def test_duplicate_column_names_predict_by_the_stored_indices(tmp_path, capsys):
    path = tmp_path / "d.csv"
    rows = np.random.default_rng(0).random((30, 3))
    path.write_text("a,a,b\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "--rows", "2", "--cols", "2", "--iterations", "50", "-q", "-o", str(model)]) == 0
    assert main(["predict", str(model), str(path)]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.count("\n") >= 31


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0 and capsys.readouterr().out.strip() == f"fastsom {fastsom.__version__}"


def test_a_one_unit_demo_reports_and_exits_0(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "colours", "--rows", "1", "--cols", "1", "--iterations", "20",
                 "-o", str(tmp_path / "c.png")]) == 0
    assert "quantization error" in capsys.readouterr().out


def test_labels_map_with_unsortable_labels_says_why(X):
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    with pytest.raises(TypeError, match="y must hold labels of one sortable kind"):
        som.labels_map(X, [None, "a"] * 50)


def test_plots_check_their_names_and_columns(X):
    pytest.importorskip("matplotlib")
    from fastsom.analysis import plot

    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    with pytest.raises(ValueError, match="feature_names has 1 names; the map has 3 features"):
        plot.plot_components(som, feature_names=["a"])
    with pytest.raises(ValueError, match="n_cols=0 must be an integer >= 1"):
        plot.plot_components(som, n_cols=0)
    with pytest.raises(ValueError, match="label_names has 1 names for 2 distinct labels"):
        plot.plot_samples(som, X, [0, 1] * 50, label_names=["zero"])


def test_export_of_a_reloaded_map(tmp_path, X):
    som = SOM(2, 3, n_iterations=50, random_state=0).fit(X)
    again = import_cod(export_cod(som, tmp_path / "m.cod"))
    assert_array_equal(again.weights_, som.weights_)


def test_a_compressed_member_that_expands_beyond_its_file_is_refused_unread(tmp_path, X):
    """An 8 MB compressed .npz of 2 GB of zeros expanded in full before the header check."""
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    good = som.save(tmp_path / "good.npz")
    with np.load(good) as archive:
        header = archive["header"]
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, weights=np.zeros((2, 2, 3_000_000)), header=header)  # 96 MB as ~100 kB
    assert os.path.getsize(path) < 2**20
    with pytest.raises(ValueError, match="claims .* bytes, more than the file holds"):
        fastsom.load(path)


def test_a_column_whose_range_overflows_is_named(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n1e308,0\n-1e308,1\n0,2\n")
    assert main(["train", str(path), "--rows", "2", "--cols", "2", "--iterations", "10", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert "column 'a'" in err and "overflows" in err and "NaN" not in err


@pytest.mark.parametrize("text, line", [('a,b\n1,2\n3,"4\n5,6\n', 3), ('a,b\n1,"2\n3,4\n5,6\n7,8\n', 2)])
def test_an_unclosed_quote_is_an_error_at_the_line_it_opens(tmp_path, text, line):
    from fastsom.io.tables import DataFileError, read_table

    path = tmp_path / "q.csv"
    path.write_text(text)
    with pytest.raises(DataFileError, match=f"line {line}: a quoted field opened on this line is not closed"):
        read_table(path)


def test_parquet_integers_float64_cannot_hold_name_the_column(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from fastsom.io.tables import DataFileError, read_table

    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"ok": [1.0, 2.0], "huge": pa.array([2**63 + 1, 5], type=pa.uint64())}), path)
    with pytest.raises(DataFileError, match="column 'huge'.*uint64 values that float64 cannot hold"):
        read_table(path)


def test_ctrl_c_while_the_command_line_loads_is_one_line():
    """Ctrl-C during start-up (numba loading) printed a traceback."""
    script = """
import sys
class Interrupt:  # Ctrl-C landing while numba loads
    def find_spec(self, name, path=None, target=None):
        if name == "numba":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
from fastsom.cli import main
sys.exit(main(["info", "m.npz"]))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (130, "fastsom: interrupted\n")


def test_the_array_metrics_refuse_what_would_crash_a_kernel():
    """metrics.quantization_error(10 x 3, 4 x 20,000,000) segfaulted; a 3-D map gave a numba TypingError."""
    from fastsom.analysis import metrics

    # The crash case in a child: a regression must fail this test, not kill the run.
    crash = ("import numpy as np\nfrom fastsom.analysis import metrics\n"
             "metrics.quantization_error(np.random.random((10, 3)), np.random.random((4, 20_000_000)))")
    done = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "ValueError: X (float64, 3 features) must match weights" in done.stderr
    X = np.random.default_rng(0).random((10, 3))
    with pytest.raises(ValueError, match="weights must be a 2-D float32 or float64 ndarray"):
        metrics.quantization_error(X, np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="must match weights"):
        metrics.quantization_error(X.astype(np.float32), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="C-contiguous"):
        metrics.best_two_units(np.asfortranarray(X), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="coords must be"):
        metrics.topographic_error(X, np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(4), 2.0)
    with pytest.raises(ValueError, match="metric=7"):
        metrics.distances(X, np.zeros((4, 3)), 7)
    with pytest.raises(ValueError, match="bmu and labels must be 1-D"):
        metrics.bmu_purity([], [])


def test_transform_holds_one_table(X):
    import tracemalloc

    som = SOM(10, 10, n_iterations=100, random_state=0).fit(X)
    big = np.random.default_rng(1).random((20_000, 3))
    som.transform(big[:10])  # compiled before measuring
    tracemalloc.start()
    try:
        table = som.transform(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.25 * table.nbytes, f"peak {peak / table.nbytes:.2f} x the result"


def test_transform_returns_the_maps_dtype_unless_asked(X):
    """transform always returned float64: a float32 map's table was twice the size it needs (item 11)."""
    som32 = SOM(4, 5, n_iterations=200, dtype="float32", random_state=0).fit(X)
    from fastsom.settings import resolve

    som64 = SOM._from_fitted(resolve({**som32.get_params(), "dtype": "float64"}), som32.weights_.astype(np.float64))
    table = som32.transform(X)
    assert table.dtype == np.float32
    # The same distances as a float64 map holding the same (float32) weights, to float32's rounding.
    exact = som64.transform(X.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(table, exact, rtol=2 * np.finfo(np.float32).eps, atol=0)
    assert som32.transform(X, dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="dtype='int8' is not one of 'float32', 'float64'"):
        som32.transform(X, dtype="int8")


def test_pca_start_on_few_samples_and_many_features_stays_small():
    """init='pca' on 50 x 6,000 took 40 s and 1.6 GB (a full covariance and eigh for two components)."""
    import tracemalloc

    X = np.random.default_rng(0).random((50, 6000))
    tracemalloc.start()
    try:
        som = SOM(4, 4, algorithm="batch", n_epochs=1, init="pca").fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.isfinite(som.weights_).all()
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB"  # a 6,000^2 covariance alone is 275 MiB


@pytest.mark.slow
def test_a_damaged_kernel_cache_is_repaired_not_fatal(tmp_path):
    """A truncated numba cache file made every later run fail with an UnpicklingError."""
    script = ("import numpy as np\nfrom fastsom import SOM\n"
              "print(SOM(2, 2, n_iterations=20, random_state=0).fit(np.random.default_rng(0).random((9, 2))).n_iter_)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": os.getcwd()}
    env.pop("NUMBA_CACHE_DIR", None)

    def run():
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)

    assert run().stdout.strip() == "20"
    damaged = [path for path in tmp_path.rglob("*") if path.suffix in (".nbi", ".nbc")]
    assert damaged, "nothing was cached: the test proves nothing"
    for path in damaged:
        path.write_bytes(path.read_bytes()[:20])
    for _ in range(2):  # recompiles past the damage, then loads the repaired cache
        done = run()
        assert (done.returncode, done.stdout.strip()) == (0, "20"), done.stderr[-2000:]


@pytest.mark.parametrize("offset, dtype", [(1e5, "float32"), (1e8, "float64")])
def test_batch_training_far_from_the_origin_keeps_its_map_and_reports_true_errors(offset, dtype):
    """float32 data at 1e4 (float64 at 1e7) lost their map, and history_ reported a QE of 0.0000."""
    X = np.random.default_rng(0).random((2000, 3))
    near = SOM(6, 6, algorithm="batch", n_epochs=5, init="pca", dtype=dtype, random_state=0,
               callbacks=[lambda info: None]).fit(X.astype(dtype))
    far = SOM(6, 6, algorithm="batch", n_epochs=5, init="pca", dtype=dtype, random_state=0,
              callbacks=[lambda info: None]).fit((X + offset).astype(dtype))
    Y = (X + offset).astype(dtype)
    assert far.quantization_error(Y) == pytest.approx(near.quantization_error(X.astype(dtype)), rel=0.05)
    reported = [info["quantization_error"] for info in far.history_]
    expected = [info["quantization_error"] for info in near.history_]
    np.testing.assert_allclose(reported, expected, rtol=0.05, err_msg="history_ reports the real errors")
