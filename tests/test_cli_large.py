"""``fastsom train`` / ``predict`` on data bigger than memory, through Dask (issue 11, item 9).

The expected map is ``fastsom train`` of the same file without Dask: the
same scaling, the same batch settings; the chunked sums agree with the
in-memory ones to rounding (tests/test_chunked.py), so the maps agree to
1e-12 and the BMUs are equal on these data.
"""

import csv

import numpy as np
import pytest

from fastsom import cli, load

pytest.importorskip("distributed")

TRAIN = ["--rows", "5", "--cols", "4", "--algorithm", "batch", "--epochs", "3", "-q"]


@pytest.fixture(scope="module")
def big(tmp_path_factory, make_X):
    path = tmp_path_factory.mktemp("large") / "big.npy"
    np.save(path, make_X(n_samples=3000, n_features=4, seed=9).astype(np.float32))
    return path


def test_train_and_predict_on_a_local_cluster_match_the_in_memory_commands(tmp_path, big, capsys):
    assert cli.main(["train", str(big), *TRAIN, "-o", str(tmp_path / "plain.npz")]) == 0
    assert cli.main(["train", str(big), *TRAIN, "--dask", "--workers", "2", "-o", str(tmp_path / "dask.npz")]) == 0
    plain, chunked = load(tmp_path / "plain.npz"), load(tmp_path / "dask.npz")
    np.testing.assert_allclose(chunked.weights_, plain.weights_, rtol=1e-12, atol=1e-14)
    assert chunked.extra_["scaling"] == plain.extra_["scaling"]

    assert cli.main(["predict", str(tmp_path / "dask.npz"), str(big), "-o", str(tmp_path / "plain.csv")]) == 0
    for output in ("chunked.csv", "chunked.parquet"):
        assert cli.main(["predict", str(tmp_path / "dask.npz"), str(big), "--dask",
                         "-o", str(tmp_path / output)]) == 0
    with open(tmp_path / "plain.csv", newline="") as stream:
        expected = [(int(r), int(c), float(d)) for r, c, d in list(csv.reader(stream))[1:]]
    with open(tmp_path / "chunked.csv", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["row", "col", "distance"]
    assert [(int(r), int(c)) for r, c, _ in rows[1:]] == [(r, c) for r, c, _ in expected]
    np.testing.assert_allclose([float(d) for _, _, d in rows[1:]], [d for _, _, d in expected], rtol=1e-6)
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(tmp_path / "chunked.parquet")
    assert table.column_names == ["row", "col", "distance"] and table.num_rows == 3000
    assert table.column("row").to_pylist() == [r for r, _, _ in expected]


def test_a_scheduler_that_does_not_answer_ends_in_one_line_and_writes_nothing(tmp_path, big, capsys, monkeypatch):
    from fastsom.chunked import clusters

    monkeypatch.setattr(clusters, "CONNECT_TIMEOUT", 2)
    status = cli.main(["train", str(big), *TRAIN, "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("fastsom: no Dask scheduler answered at tcp://127.0.0.1:9 within 2 s") and "\n" not in err
    assert not (tmp_path / "m.npz").exists()


def test_online_training_on_dask_is_refused_before_reading(tmp_path, capsys):
    status = cli.main(["train", str(tmp_path / "absent.npy"), "--rows", "3", "--cols", "3", "--dask",
                       "-o", str(tmp_path / "m.npz")])
    assert status == 2
    assert "pass --algorithm batch" in capsys.readouterr().err


def test_a_checkpointed_train_resumes_from_its_file(tmp_path, big):
    args = ["train", str(big), *TRAIN, "-o", str(tmp_path / "m.npz"), "--checkpoint", str(tmp_path / "ck.npz")]
    assert cli.main(args) == 0
    first = load(tmp_path / "m.npz").weights_
    assert load(tmp_path / "ck.npz").n_iter_ == 3
    assert cli.main(args) == 0  # the finished checkpoint: its map, no training
    np.testing.assert_array_equal(load(tmp_path / "m.npz").weights_, first)
