"""Every reader against damaged and hostile files: a correct result or one clear error naming the file.

The corpus is made here from valid files (a model, a SOM_PAK codebook, a
CSV): truncated at many lengths, bytes overwritten, headers swapped for
another format's. Hypothesis then mutates the same files at random. The
only acceptable outcomes of ``fastsom.load``, ``fastsom.import_cod`` and
``read_table`` are a result or a ``ValueError`` / ``DataFileError`` whose
message names the file: never another exception, a crash or a hang.
"""

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastsom
from fastsom import SOM
from fastsom.io.tables import DataFileError, read_table

READERS = {
    "model": (fastsom.load, ".npz"),
    "sompak": (fastsom.import_cod, ".cod"),
    "csv": (read_table, ".csv"),
}


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """The valid file of each format, as bytes."""
    folder = tmp_path_factory.mktemp("valid")
    X = np.random.default_rng(0).random((30, 3))
    som = SOM(2, 3, n_iterations=100, random_state=0).fit(X)
    som.save(folder / "m.npz")
    fastsom.export_cod(som, folder / "m.cod")
    (folder / "d.csv").write_text("a,b,c\n" + "".join(",".join(f"{v:.6f}" for v in row) + "\n" for row in X))
    return {kind: (folder / f"{'d' if kind == 'csv' else 'm'}{suffix}").read_bytes()
            for kind, (_, suffix) in READERS.items()}


def outcome(kind, path):
    """Run the reader; 'ok' or 'refused'. Anything else fails the test."""
    reader = READERS[kind][0]
    try:
        reader(path)
    except (ValueError, DataFileError) as error:
        assert str(path) in str(error), f"{kind}: the error does not name the file: {error}"
        assert "Traceback" not in str(error)
        return "refused"
    return "ok"


def mutations(data):
    """Deterministic damage: truncations, overwritten stretches, foreign content."""
    yield "empty", b""
    for cut in sorted({1, 2, 7, 16, 64, len(data) // 3, len(data) // 2, len(data) - 1}):
        if 0 < cut < len(data):
            yield f"truncated to {cut}", data[:cut]
    for start in range(0, len(data), max(1, len(data) // 12)):
        yield f"0xff at {start}", data[:start] + b"\xff" * 8 + data[start + 8:]
        yield f"zeros at {start}", data[:start] + b"\0" * 8 + data[start + 8:]
    yield "doubled", data + data
    yield "text", b"hello, world\n1,2,3\n"
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("weights.npy", b"\x93NUMPY")
    yield "zip of a broken npy", stream.getvalue()


@pytest.mark.parametrize("kind", sorted(READERS))
def test_every_reader_survives_the_corpus(tmp_path, valid, kind):
    seen = {}
    for name, data in mutations(valid[kind]):
        path = tmp_path / f"case{READERS[kind][1]}"
        path.write_bytes(data)
        seen[name] = outcome(kind, path)
    assert "refused" in seen.values(), "the corpus damaged nothing: the test proves nothing"
    assert outcome(kind, write(tmp_path, kind, valid[kind])) == "ok"


def write(tmp_path, kind, data):
    path = tmp_path / f"fuzz{READERS[kind][1]}"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", sorted(READERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_mutations_give_a_result_or_one_clear_error(tmp_path, valid, kind, data):
    original = valid[kind]
    start = data.draw(st.integers(0, len(original)), label="start")
    length = data.draw(st.integers(0, 16), label="length")
    patch = data.draw(st.binary(max_size=16), label="patch")
    outcome(kind, write(tmp_path, kind, original[:start] + patch + original[start + length:]))
