"""The command line: train/predict/info on users' files, demo picture, verify's verdict, exit statuses."""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fastsom
from fastsom import cli
from fastsom.cli import commands


def test_verify_reports_agreement_and_exits_0(capsys):
    status = cli.main(["verify", "--rows", "4", "--cols", "3", "--iterations", "300", "--seed", "5"])
    out = capsys.readouterr().out
    assert status == 0
    assert "BMU sequences match" in out
    assert "OK: fastsom equals the reference" in out
    max_diff = float(out.split("max |w_fast - w_reference| = ")[1].split()[0])
    assert max_diff <= commands.VERIFY_ATOL


def test_verify_exits_1_when_the_two_disagree(monkeypatch, capsys):
    import reference.tutorial

    real_train = reference.tutorial.train

    def skewed_train(*args, **kwargs):
        net, bmus = real_train(*args, **kwargs)
        net[0, 0, 0] += 1e-9  # a difference far above the tolerance
        return net, bmus

    monkeypatch.setattr(reference.tutorial, "train", skewed_train)
    status = cli.main(["verify", "--iterations", "50"])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL" in out


def test_verify_with_other_features_uses_uniform_data(capsys):
    assert cli.main(["verify", "--features", "6", "--samples", "30", "--iterations", "200"]) == 0
    assert "6 features" in capsys.readouterr().out


def test_demo_colours_writes_the_picture(tmp_path, capsys):
    plt = pytest.importorskip("matplotlib.pyplot")
    output = tmp_path / "map.png"
    status = cli.main(["demo", "colours", "--rows", "6", "--cols", "8", "--iterations", "500", "-o", str(output)])
    assert status == 0
    assert f"wrote {output}" in capsys.readouterr().out
    image = plt.imread(output)
    assert image.ndim == 3 and image.shape[0] > 50
    # A trained colour map is not one flat colour: the drawn cells differ.
    assert np.ptp(image[..., :3]) > 0.3


def test_demo_reports_an_unwritable_path(tmp_path, capsys):
    pytest.importorskip("matplotlib.pyplot")
    status = cli.main(["demo", "colours", "--iterations", "10", "-o", str(tmp_path / "missing" / "map.png")])
    assert status == 2
    assert "fastsom:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["verify", "--rows", "0"],
    ["demo", "colours", "--iterations", "-3"],
    ["nope"],
    ["train", "data.csv", "--rows", "2", "--cols", "2", "-o", "m.npz", "--scale", "bogus"],
    ["train", "data.csv", "--cols", "2", "-o", "m.npz"],
    ["train", "data.csv", "--rows", "2", "--cols", "2", "-o", "m.npz", "--jobs", "0"],
    ["predict", "m.npz"],
])
def test_bad_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_console_script_is_installed():
    # The script lives beside the interpreter in a virtual environment.
    beside = Path(sys.executable).with_name("fastsom")
    executable = str(beside) if beside.exists() else shutil.which("fastsom")
    if executable is None:
        pytest.skip("fastsom is not installed as a console script in this environment")
    result = subprocess.run([executable, "verify", "--iterations", "100"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "BMU sequences match" in result.stdout


# ------------------------------------------------- train, predict, info on users' files

#: The model has feature names (from the CSV header); predicting plain arrays
#: with it warns, as scikit-learn does. The CLI itself never passes arrays.
ignore_names = pytest.mark.filterwarnings("ignore:X does not have valid feature names")

TRAIN = ["--rows", "3", "--cols", "3", "-q"]


def ref_scaled(X, kind, fitted_on=None):
    """The scaling written out with numpy, independently of fastsom.cli.commands."""
    fitted_on = X if fitted_on is None else fitted_on
    if kind == "minmax":
        return (X - fitted_on.min(axis=0)) / (fitted_on.max(axis=0) - fitted_on.min(axis=0))
    if kind == "standard":
        return (X - fitted_on.mean(axis=0)) / fitted_on.std(axis=0)
    return X


def write_csv(path, X, labels=None, names=("length", "width", "depth"), label_name="species"):
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        if names is not None:
            writer.writerow([*names, label_name] if labels is not None else names)
        for i, row in enumerate(X.tolist()):  # floats in repr: read back exactly
            writer.writerow(row if labels is None else [*row, labels[i]])
    return path


def read_predictions(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def flowers():
    """40 samples of 3 features on very different scales, and text labels (one with a comma)."""
    rng = np.random.default_rng(7)
    X = np.column_stack([rng.uniform(0, 10, 40), rng.uniform(100, 300, 40), rng.normal(0, 1, 40)])
    labels = [["setosa", "versi, color", "virginica"][i % 3] for i in range(40)]
    return X, labels


@pytest.fixture
def flowers_csv(tmp_path, flowers):
    X, labels = flowers
    return write_csv(tmp_path / "flowers.csv", X, labels)


def one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.startswith("fastsom: ") and err.endswith("\n"), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@ignore_names
def test_train_info_predict_round_trip(tmp_path, capsys, flowers, flowers_csv):
    X, labels = flowers
    model = tmp_path / "flowers.npz"
    status = cli.main(["train", str(flowers_csv), *TRAIN, "--iterations", "300", "--label-column", "species",
                       "-o", str(model)])
    out = capsys.readouterr().out
    assert status == 0
    som = fastsom.load(model)
    scaled = ref_scaled(X, "minmax")
    assert som.n_iter_ == 300 and som.weights_.shape == (3, 3, 3)
    assert som.verbose is False  # the command's progress bar is not saved into the model
    assert list(som.feature_names_in_) == ["length", "width", "depth"]
    assert f"read 40 samples x 3 features from {flowers_csv}" in out
    assert f"quantization error {som.quantization_error(scaled):.4f}, " \
           f"topographic error {som.topographic_error(scaled):.4f}" in out
    assert f"wrote {model}" in out

    assert cli.main(["info", str(model)]) == 0
    info = capsys.readouterr().out
    for expected in ["3 x 3 units, rectangular, planar", "3: length, width, depth", "float64",
                     "online: 300 of 300 iterations trained", f"fastsom {fastsom.__version__}", "minmax",
                     f"({os.path.getsize(model) / 1024:.1f} KiB)", "label column 'species'", "euclidean"]:
        assert expected in info, expected

    assert cli.main(["predict", str(model), str(flowers_csv), "--label-column", "species"]) == 0
    head, rows = read_predictions(capsys.readouterr().out)
    assert head == ["row", "col", "distance", "species"]
    ref_bmu = som.predict(scaled)
    comp_bmu = np.array([int(row) * 3 + int(col) for row, col, _, _ in rows])
    assert_array_equal(comp_bmu, ref_bmu)
    ref_distance = np.linalg.norm(scaled - som.weights_.reshape(9, 3)[ref_bmu], axis=1)
    assert_allclose([float(d) for _, _, d, _ in rows], ref_distance, rtol=0, atol=1e-12)
    assert [label for *_, label in rows] == labels


@ignore_names
@pytest.mark.parametrize("kind", ["minmax", "standard", "none"])
def test_scaling_is_learnt_on_training_data_and_reused_by_predict(tmp_path, capsys, flowers, kind):
    X, _ = flowers
    train_csv = write_csv(tmp_path / "train.csv", X[:30])
    new_csv = write_csv(tmp_path / "new.csv", X[30:])
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(train_csv), *TRAIN, "--iterations", "200", "--scale", kind, "-o", str(model)]) == 0
    som = fastsom.load(model)
    scaling = som.extra_["scaling"]
    assert scaling["kind"] == kind
    if kind == "minmax":
        assert_allclose(scaling["offset"], X[:30].min(axis=0), rtol=1e-15, atol=0)
        assert_allclose(scaling["scale"], np.ptp(X[:30], axis=0), rtol=1e-15, atol=0)
    elif kind == "standard":
        assert_allclose(scaling["offset"], X[:30].mean(axis=0), rtol=1e-15, atol=0)
        assert_allclose(scaling["scale"], X[:30].std(axis=0), rtol=1e-15, atol=0)
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(new_csv)]) == 0
    _, rows = read_predictions(capsys.readouterr().out)
    comp_bmu = [int(row) * 3 + int(col) for row, col, _ in rows]
    # New data goes through the training data's scaling, not its own.
    assert_array_equal(comp_bmu, som.predict(ref_scaled(X[30:], kind, fitted_on=X[:30])), err_msg=f"scale={kind}")


def test_a_constant_feature_is_scaled_to_zero(tmp_path, capsys):
    X = np.column_stack([np.linspace(0, 1, 10), np.full(10, 5.0)])
    np.save(tmp_path / "flat.npy", X)
    model = tmp_path / "m.npz"
    status = cli.main(["train", str(tmp_path / "flat.npy"), *TRAIN, "--iterations", "50", "-o", str(model)])
    assert status == 0
    scaling = fastsom.load(model).extra_["scaling"]
    assert scaling["offset"] == [0.0, 5.0] and scaling["scale"] == [1.0, 1.0]


@ignore_names
def test_predict_reuses_the_training_columns_by_name(tmp_path, capsys, flowers):
    X, labels = flowers
    train_csv = write_csv(tmp_path / "train.csv", X, labels)
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(train_csv), *TRAIN, "--iterations", "200", "--columns", "depth,length",
                     "-o", str(model)]) == 0
    # Same columns, another order, an extra one, and the label in front.
    shuffled = write_csv(tmp_path / "shuffled.csv", X[:, [1, 2, 0]], None, names=("width", "depth", "length"))
    out = tmp_path / "out.csv"
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(shuffled), "-o", str(out)]) == 0
    assert f"wrote 40 predictions to {out}" in capsys.readouterr().err
    _, rows = read_predictions(out.read_text())
    som = fastsom.load(model)
    expected = som.predict(ref_scaled(X[:, [2, 0]], "minmax"))
    assert_array_equal([int(row) * 3 + int(col) for row, col, _ in rows], expected)


def test_npy_and_batch_training(tmp_path, capsys, flowers):
    X, _ = flowers
    np.save(tmp_path / "data.npy", X)
    model = tmp_path / "batch.npz"
    assert cli.main(["train", str(tmp_path / "data.npy"), *TRAIN, "--algorithm", "batch", "--epochs", "5",
                     "--topology", "hexagonal", "--init", "pca", "--scale", "standard", "-o", str(model)]) == 0
    som = fastsom.load(model)
    assert (som.algorithm, som.n_iter_, som.topology, som.init) == ("batch", 5, "hexagonal", "pca")
    assert not hasattr(som, "feature_names_in_")
    capsys.readouterr()
    assert cli.main(["info", str(model)]) == 0
    info = capsys.readouterr().out
    assert "batch: 5 of 5 epochs trained" in info and "hexagonal" in info and "learning rate" not in info
    assert re.search(r"^features +3$", info, flags=re.MULTILINE), info
    assert cli.main(["predict", str(model), str(tmp_path / "data.npy")]) == 0
    _, rows = read_predictions(capsys.readouterr().out)
    assert_array_equal([int(row) * 3 + int(col) for row, col, _ in rows], som.predict(ref_scaled(X, "standard")))


def test_parquet_training(tmp_path, capsys, flowers):
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X, labels = flowers
    path = tmp_path / "flowers.parquet"
    pq.write_table(pa.table({"length": X[:, 0], "width": X[:, 1], "depth": X[:, 2], "species": labels}), path)
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(path), *TRAIN, "--iterations", "200", "--label-column", "species",
                     "-o", str(model)]) == 0
    som = fastsom.load(model)
    assert list(som.feature_names_in_) == ["length", "width", "depth"]
    assert_allclose(som.extra_["scaling"]["offset"], X.min(axis=0), rtol=1e-15, atol=0)


def test_predict_says_when_the_features_do_not_match(tmp_path, capsys, flowers):
    X, _ = flowers
    np.save(tmp_path / "three.npy", X)
    np.save(tmp_path / "two.npy", X[:, :2])
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(tmp_path / "three.npy"), *TRAIN, "--iterations", "50", "-o", str(model)]) == 0
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(tmp_path / "two.npy"), "--columns", "0,1"]) == 2
    err = one_line_error(capsys)
    assert "two.npy: 2 feature column(s) but the model" in err and "was trained on 3" in err


def test_iterations_are_refused_for_batch_training(tmp_path, capsys, flowers_csv):
    status = cli.main(["train", str(flowers_csv), *TRAIN, "--algorithm", "batch", "--iterations", "10",
                       "-o", str(tmp_path / "m.npz")])
    assert status == 2
    assert "--iterations counts online steps; batch training runs --epochs" in one_line_error(capsys)


#: (file name, content, extra options, what stderr must name after the file)
BAD_DATA = {
    "missing": ("absent.csv", None, [], ": no such file"),
    "empty": ("empty.csv", "", [], ": the file is empty"),
    "header only": ("head.csv", "a,b\n", [], ": has a header line (line 1) but no data rows"),
    "ragged": ("ragged.csv", "a,b\n1,2\n3,4,5\n", [], ": line 3 has 3 field(s), expected 2"),
    "non-numeric": ("text.csv", "a,b\n1,2\n3,x7\n", [], ": line 3, column 'b' (index 1): non-numeric value 'x7'"),
    "empty cell": ("hole.csv", "a,b\n1,2\n3,\n", [], ": line 3, column 'b' (index 1): empty cell"),
    "NaN": ("nan.csv", "a,b\n1,2\nnan,4\n", [], ": line 3, column 'a' (index 0): NaN"),
    "infinity": ("inf.csv", "a,b\n1,inf\n", [], ": line 2, column 'b' (index 1): 'inf' is infinite"),
    "unknown column": ("cols.csv", "a,b\n1,2\n", ["--columns", "a,c"], ": no column named 'c'"),
    "column out of range": ("idx.csv", "1,2\n3,4\n", ["--columns", "0,5"], ": column index 5 is out of range"),
    "npy 1-D": ("flat.npy", np.arange(4.0), [], ": is 1-D with shape (4,)"),
    "unsupported": ("data.json", "[]", [], ": unsupported file type '.json'"),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_files_exit_2_with_one_line(tmp_path, capsys, case):
    name, content, options, message = BAD_DATA[case]
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content)
    elif content is not None:
        path.write_text(content)
    model = tmp_path / "m.npz"
    status = cli.main(["train", str(path), *TRAIN, *options, "-o", str(model)])
    assert status == 2
    assert f"fastsom: {path}{message}" in one_line_error(capsys)
    assert not model.exists()


@pytest.mark.parametrize("command", ["info", "predict"])
@pytest.mark.parametrize("model, message", [
    ("absent.npz", "no fastsom model file at"),
    ("damaged.npz", "is not a readable fastsom model file"),
    ("flowers.csv", "is not a readable fastsom model file"),
])
def test_unusable_model_files_exit_2_with_one_line(tmp_path, capsys, flowers_csv, command, model, message):
    (tmp_path / "damaged.npz").write_bytes(b"PK\x03\x04 not really a zip archive")
    argv = [command, str(tmp_path / model)] + ([str(flowers_csv)] if command == "predict" else [])
    assert cli.main(argv) == 2
    err = one_line_error(capsys)
    assert message in err and model in err


def test_bad_data_for_predict_exits_2_with_one_line(tmp_path, capsys, flowers_csv):
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(flowers_csv), *TRAIN, "--iterations", "50", "--label-column", "species",
                     "-o", str(model)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("length,width,depth\n1,2,3\n4,,6\n")
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(bad)]) == 2
    assert f"fastsom: {bad}: line 3, column 'width' (index 1): empty cell" in one_line_error(capsys)


def test_python_m_fastsom_exits_2_on_a_bad_file(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n3,oops\n")
    result = subprocess.run([sys.executable, "-m", "fastsom", "train", str(data), "--rows", "2", "--cols", "2",
                             "-o", str(tmp_path / "m.npz")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr == f"fastsom: {data}: line 3, column 'b' (index 1): non-numeric value 'oops'\n"
    assert result.stdout == ""


# ------------------------------------------------------------------ plot, demos


@pytest.mark.filterwarnings("error")  # the command line hands plain arrays to a named model: no warning
def test_plot_writes_each_picture_of_the_model(tmp_path, capsys, flowers, flowers_csv):
    plt = pytest.importorskip("matplotlib.pyplot")
    X, labels = flowers
    model = tmp_path / "flowers.npz"
    assert cli.main(["train", str(flowers_csv), *TRAIN, "--iterations", "300", "--label-column", "species",
                     "-o", str(model)]) == 0
    capsys.readouterr()
    assert cli.main(["plot", str(model)]) == 0  # no data: the U-matrix alone
    assert capsys.readouterr().out == f"wrote {tmp_path / 'flowers'}-umatrix.png\n"
    status = cli.main(["plot", str(model), "--umatrix", "--hits", "--components", "--samples", "--data",
                       str(flowers_csv), "--label-column", "species", "-o", str(tmp_path / "pics")])
    assert status == 0
    for kind in ("umatrix", "hits", "components", "samples"):
        image = plt.imread(tmp_path / f"pics-{kind}.png")
        assert image.ndim == 3 and np.ptp(image[..., :3]) > 0.3, kind
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


@pytest.mark.parametrize("extra, message", [
    (["--hits"], "--hits needs the data: add --data DATA"),
    (["--samples", "--data", "DATA"], "--samples colours each sample by its label: add --label-column COL"),
])
def test_plot_says_what_is_missing(tmp_path, capsys, flowers_csv, extra, message):
    pytest.importorskip("matplotlib.pyplot")
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(flowers_csv), *TRAIN, "--iterations", "50", "--label-column", "species",
                     "-o", str(model)]) == 0
    capsys.readouterr()
    argv = ["plot", str(model)] + [str(flowers_csv) if arg == "DATA" else arg for arg in extra]
    assert cli.main(argv) == 2
    assert message in one_line_error(capsys)


def test_demo_iris_prints_its_measures(tmp_path, capsys):
    plt = pytest.importorskip("matplotlib.pyplot")
    output = tmp_path / "iris.png"
    assert cli.main(["demo", "iris", "--iterations", "5000", "-o", str(output)]) == 0
    out = capsys.readouterr().out
    purity = float(out.split("BMU purity ")[1].split()[0])
    assert "quantization error" in out and "topographic error" in out and purity > 0.9
    assert plt.imread(output).ndim == 3


def test_demo_digits_reports_missing_mnist_files(tmp_path, capsys):
    pytest.importorskip("matplotlib.pyplot")
    assert cli.main(["demo", "digits", "--data", str(tmp_path / "nowhere"), "-o", str(tmp_path / "d.png")]) == 2
    assert "no MNIST data at" in one_line_error(capsys)
