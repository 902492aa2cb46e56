"""Save and load: round trips, continued training, atomic writes, damaged and foreign files."""

import json
import os
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import fastsom
from fastsom import SOM, NotFittedError
from fastsom.io import model as io


@pytest.fixture
def X():
    return np.random.default_rng(0).random((60, 4))


@pytest.mark.parametrize(
    "params",
    [
        dict(n_iterations=500),
        dict(n_iterations=500, dtype="float32", topology="hexagonal", toroidal=True, distance="cosine"),
        dict(algorithm="batch", n_epochs=3, init="pca", neighborhood="bubble", sigma=2.0),
    ],
    ids=["default", "float32-hex-torus-cosine", "batch"],
)
def test_a_loaded_map_predicts_exactly_as_the_saved_one(tmp_path, X, params):
    som = SOM(4, 6, random_state=1, **params).fit(X)
    path = som.save(tmp_path / "model.npz")
    loaded = fastsom.load(path)
    assert loaded.get_params() == {**som.get_params(), "callbacks": None}
    assert_array_equal(loaded.weights_, som.weights_)
    assert loaded.weights_.dtype == som.weights_.dtype
    assert_array_equal(loaded.predict(X), som.predict(X))
    assert_array_equal(loaded.transform(X), som.transform(X))
    assert loaded.topographic_error(X) == som.topographic_error(X)
    assert loaded.n_iter_ == som.n_iter_ and loaded.n_features_in_ == 4


def test_a_loaded_map_continues_training_as_if_never_saved(tmp_path, X):
    kept = SOM(3, 3, n_iterations=600, random_state=2).partial_fit(X)
    kept.save(tmp_path / "m.npz")
    loaded = fastsom.load(tmp_path / "m.npz")
    assert_array_equal(kept.partial_fit(X).weights_, loaded.partial_fit(X).weights_)
    assert loaded.n_iter_ == kept.n_iter_ == 120


def test_feature_names_and_unsaved_parameters(tmp_path):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(np.random.default_rng(3).random((30, 2)), columns=["a", "b"])
    init = np.full((2, 2, 2), 0.5)
    som = SOM(2, 2, n_iterations=50, init=init, random_state=0).fit(frame)
    loaded = fastsom.load(som.save(tmp_path / "m.npz"))
    assert list(loaded.feature_names_in_) == ["a", "b"]
    assert loaded.unsaved_params_ == ["init"]  # an array is not a setting JSON can hold
    assert_array_equal(loaded.predict(frame), som.predict(frame))


def test_parameters_that_are_none_stay_none(tmp_path):
    som = fastsom.tutorial_som(3, 3, n_iterations=50, random_state=0).fit(np.random.default_rng(1).random((20, 3)))
    assert som.learning_rate_end is None and som.sigma is None
    loaded = fastsom.load(som.save(tmp_path / "m.npz"))
    assert loaded.get_params() == {**som.get_params(), "callbacks": None}
    assert loaded.unsaved_params_ == []


def test_extra_settings_travel_with_the_model(tmp_path, X):
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    extra = {"scaling": {"kind": "minmax", "offset": [0.5, 1.0], "scale": [2.0, 3.0]}}
    assert fastsom.load(io.save(som, tmp_path / "m.npz", extra=extra)).extra_ == extra
    assert fastsom.load(som.save(tmp_path / "plain.npz")).extra_ == {}
    with pytest.raises(TypeError, match="JSON"):
        io.save(som, tmp_path / "bad.npz", extra={"array": np.zeros(2)})
    assert not (tmp_path / "bad.npz").exists()


def test_saving_an_unfitted_map_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        SOM().save(tmp_path / "m.npz")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, X, monkeypatch):
    path = tmp_path / "m.npz"
    SOM(2, 2, n_iterations=20, random_state=0).fit(X).save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(io.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        SOM(3, 3, n_iterations=20, random_state=1).fit(X).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no fastsom model file at"):
        fastsom.load(tmp_path / "nothing.npz")


def test_truncated_file(tmp_path, X):
    path = tmp_path / "m.npz"
    SOM(3, 3, n_iterations=20, random_state=0).fit(X).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable fastsom model file"):
        fastsom.load(path)


def test_random_bytes(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(os.urandom(300))
    with pytest.raises(ValueError, match="not a readable fastsom model file"):
        fastsom.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.arange(3))
    with pytest.raises(ValueError, match=r"not a fastsom model file: it holds \['a'\]"):
        fastsom.load(path)


def test_pickled_content_is_never_loaded(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, weights=np.zeros((1, 1, 1)), header=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"member 'header.npy' must be a C-ordered 1-D array of \|u1; got \|O"):
        fastsom.load(path)


def _rewrite_header(path, change):
    with np.load(path) as archive:
        weights = archive["weights"]
        header = json.loads(archive["header"].tobytes())
    change(header)
    np.savez(path, weights=weights, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


def test_a_newer_format_version_is_refused(tmp_path, X):
    path = tmp_path / "m.npz"
    SOM(3, 3, n_iterations=20, random_state=0).fit(X).save(path)
    _rewrite_header(path, lambda h: h.update(format_version=io.FORMAT_VERSION + 1))
    with pytest.raises(ValueError, match="format version 2; this fastsom reads version 1"):
        fastsom.load(path)


def test_a_header_that_contradicts_the_weights_is_refused(tmp_path, X):
    path = tmp_path / "m.npz"
    SOM(3, 3, n_iterations=20, random_state=0).fit(X).save(path)
    _rewrite_header(path, lambda h: h["params"].update(n_rows=4))
    with pytest.raises(ValueError, match="is inconsistent"):
        fastsom.load(path)


def test_the_file_is_a_plain_npz_without_pickles(tmp_path, X):
    path = tmp_path / "m.npz"
    SOM(3, 3, n_iterations=20, random_state=0).fit(X).save(path)
    assert zipfile.is_zipfile(path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["header", "weights"]
        header = json.loads(archive["header"].tobytes())
    assert header["format"] == "fastsom.SOM" and header["format_version"] == 1
    assert header["fastsom_version"] == fastsom.__version__


def test_model_files_get_the_usual_permissions(tmp_path, X):
    som = SOM(2, 2, n_iterations=50, random_state=0).fit(X)
    mask = os.umask(0o022)
    try:
        som.save(tmp_path / "m.npz")
    finally:
        os.umask(mask)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o644  # not mkstemp's owner-only 0o600
