"""A model file is untrusted input: every malformed header field is one ValueError naming the file and the field.

Each case rewrites one field of a valid file the way a damaged or hostile
file would have it; ``fastsom.load`` must refuse it with a ``ValueError``
that names the file and the field, and ``fastsom info`` must print one line
and exit 2, never a traceback.
"""

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import fastsom
from fastsom import SOM, cli


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X = np.random.default_rng(0).random((40, 3))
    path = tmp_path_factory.mktemp("model") / "good.npz"
    SOM(3, 4, n_iterations=200, random_state=0).fit(X).save(path)
    with np.load(path) as archive:
        return archive["weights"], json.loads(archive["header"].tobytes())


def write(path, weights, header):
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    np.savez(path, weights=weights, header=np.frombuffer(raw, dtype=np.uint8))
    return path


def without(header, name):
    return {k: v for k, v in header.items() if k != name}


def with_params(header, **params):
    return {**header, "params": {**header["params"], **params}}


HOSTILE = {
    "no rng_state": (lambda h: without(h, "rng_state"), "rng_state"),
    "rng_state names numpy.random.seed": (lambda h: {**h, "rng_state": {"bit_generator": "seed"}}, "rng_state"),
    "rng_state names a bit generator we never write": (
        lambda h: {**h, "rng_state": {**h["rng_state"], "bit_generator": "RandomState"}}, "rng_state"),
    "rng_state with a broken state": (
        lambda h: {**h, "rng_state": {**h["rng_state"], "state": {"state": "x", "inc": 1}}}, "rng_state"),
    "rng_state not an object": (lambda h: {**h, "rng_state": [1, 2]}, "rng_state"),
    "params a list": (lambda h: {**h, "params": [1, 2]}, "params"),
    "params without a field": (lambda h: {**h, "params": without(h["params"], "n_rows")}, None),
    "n_rows a string": (lambda h: with_params(h, n_rows="x"), "params"),
    "n_rows disagrees with the weights": (lambda h: with_params(h, n_rows=5), "inconsistent"),
    "unknown parameter": (lambda h: with_params(h, evil=1), "params"),
    "unknown topology": (lambda h: with_params(h, topology="klein bottle"), "params"),
    "unsaved_params not a list": (lambda h: {**h, "unsaved_params": "init"}, "unsaved_params"),
    "n_iter a string": (lambda h: {**h, "n_iter": "many"}, "n_iter"),
    "n_iter negative": (lambda h: {**h, "n_iter": -1}, "n_iter"),
    "n_features_in missing": (lambda h: without(h, "n_features_in"), "n_features_in"),
    "n_features_in a bool": (lambda h: {**h, "n_features_in": True}, "n_features_in"),
    "feature names of the wrong length": (lambda h: {**h, "feature_names_in": ["a"]}, "feature_names_in"),
    "feature names not strings": (lambda h: {**h, "feature_names_in": [1, 2, 3]}, "feature_names_in"),
    "extra not an object": (lambda h: {**h, "extra": [1]}, "extra"),
    "format_version a string": (lambda h: {**h, "format_version": "1"}, "format_version"),
    "format_version true": (lambda h: {**h, "format_version": True}, "format_version"),
    "header a list": (lambda h: [h], "header"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_malformed_header_field_is_one_value_error_naming_file_and_field(tmp_path, saved, case):
    weights, header = saved
    change, field = HOSTILE[case]
    path = write(tmp_path / "bad.npz", weights, change(header))
    with pytest.raises(ValueError) as raised:
        fastsom.load(path)
    assert str(path) in str(raised.value)
    if field is not None:
        assert field in str(raised.value), str(raised.value)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_fastsom_info_prints_one_line_for_a_malformed_file(tmp_path, saved, case, capsys):
    weights, header = saved
    path = write(tmp_path / "bad.npz", weights, HOSTILE[case][0](header))
    assert cli.main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fastsom: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_a_file_never_calls_what_it_names(tmp_path, saved):
    """A header naming ``seed`` once made load call numpy.random.seed(), resetting NumPy's global state."""
    weights, header = saved
    path = write(tmp_path / "seed.npz", weights, {**header, "rng_state": {"bit_generator": "seed"}})
    np.random.seed(12345)
    expected = np.random.random(3)
    np.random.seed(12345)
    with pytest.raises(ValueError):
        fastsom.load(path)
    assert np.array_equal(np.random.random(3), expected), "loading the file touched NumPy's global random state"


def test_header_that_is_not_json(tmp_path, saved):
    path = write(tmp_path / "bad.npz", saved[0], b"\xff{not json")
    with pytest.raises(ValueError, match="header is not UTF-8 JSON"):
        fastsom.load(path)


def _npy_claiming(shape, dtype="<f8", payload=b"\0" * 64):
    """A .npy member whose header claims ``shape`` but which holds only ``payload``."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": dtype, "fortran_order": False, "shape": shape})
    return stream.getvalue() + payload


def test_a_member_claiming_a_huge_array_is_refused_before_any_allocation(tmp_path, saved):
    path = tmp_path / "huge.npz"
    header = np.frombuffer(json.dumps(saved[1]).encode(), dtype=np.uint8)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.npy", _npy_claiming((100_000, 100_000, 100)))
        stream = io.BytesIO()
        np.save(stream, header)
        archive.writestr("header.npy", stream.getvalue())
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="claims shape"):
            fastsom.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"reading a 1 kB file allocated {peak} bytes"


@pytest.mark.parametrize("dtype, shape", [("|O", (1, 1, 1)), ("<i8", (3, 4, 3)), ("<f8", (12, 3)), ("<c16", (3, 4, 3))])
def test_weights_of_another_kind_are_refused(tmp_path, saved, dtype, shape):
    path = tmp_path / "odd.npz"
    header = np.frombuffer(json.dumps(saved[1]).encode(), dtype=np.uint8)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.npy", _npy_claiming(shape, dtype, b"\0" * 1024))
        stream = io.BytesIO()
        np.save(stream, header)
        archive.writestr("header.npy", stream.getvalue())
    with pytest.raises(ValueError, match="weights.npy"):
        fastsom.load(path)


@pytest.mark.parametrize("extra", [
    {"scaling": "minmax"},
    {"scaling": {"kind": "log"}},
    {"scaling": {"kind": "minmax", "offset": [0, 0], "scale": [1, 1, 1]}},
    {"scaling": {"kind": "minmax", "offset": [0, 0, 0], "scale": [1, 0, 1]}},
    {"scaling": {"kind": "standard", "offset": [0, "a", 0], "scale": [1, 1, 1]}},
    {"data": "x"},
    {"data": {"columns": ["a"], "column_indices": None, "file": "f.csv", "label_column": None}},
    {"data": {"columns": None, "column_indices": ["0", 1, 2], "file": "f.csv", "label_column": None}},
])
def test_commands_refuse_a_malformed_extra_in_one_line(tmp_path, saved, extra, capsys):
    weights, header = saved
    path = write(tmp_path / "bad.npz", weights, {**header, "extra": extra})
    data = tmp_path / "data.npy"
    np.save(data, np.random.default_rng(1).random((5, 3)))
    for argv in (["info", str(path)], ["predict", str(path), str(data)]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith(f"fastsom: {path}: extra field") and err.count("\n") == 1, err
