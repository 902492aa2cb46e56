"""Checkpoint and resume of batch training (fastsom/io/checkpoint.py): issue 11, item 5.

The expected map is the uninterrupted fit of the same data and settings,
computed in this process; the interrupted one runs in a child process that
kills itself (SIGKILL, from a callback) in the middle of the fit, and a
second child resumes from the checkpoint it left.
"""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fastsom import SOM, load

da = pytest.importorskip("dask.array")

PARAMS = {"algorithm": "batch", "n_epochs": 6, "init": "pca", "random_state": 0}

SCRIPT = f'''
import os, signal, sys
import numpy as np, dask.array as da
from fastsom import SOM
data = np.random.default_rng(3).random((900, 5))
X = da.from_array(data, chunks=(128, 5)) if sys.argv[2] == "dask" else data

def die_after_epoch_3(info):
    if info["n_iter"] == 3:
        os.kill(os.getpid(), signal.SIGKILL)

callbacks = [die_after_epoch_3] if sys.argv[3] == "kill" else None
som = SOM(5, 6, callbacks=callbacks, **{PARAMS!r}).fit(X, checkpoint=sys.argv[1])
np.save(sys.argv[1] + ".weights.npy", som.weights_)
print(som.n_iter_, len(som.history_))
'''


@pytest.fixture(scope="module")
def data(make_X):
    return make_X(n_samples=900, n_features=5, seed=3)  # the script's data


def child(path, kind, mode):
    return subprocess.run([sys.executable, "-c", SCRIPT, str(path), kind, mode], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("kind", ["dask", "numpy"])
def test_a_killed_fit_resumes_to_the_same_bits(tmp_path, data, kind):
    path = tmp_path / "map.npz"
    killed = child(path, kind, "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert load(path).n_iter_ == 3, "the checkpoint holds the epochs done before the kill"
    resumed = child(path, kind, "run")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.split() == ["6", "3"], "three epochs left, three in this call's history"
    same_data = da.from_array(data, chunks=(128, 5)) if kind == "dask" else data
    expected = SOM(5, 6, **PARAMS).fit(same_data, scheduler="sync").weights_
    np.testing.assert_array_equal(np.load(str(path) + ".weights.npy"), expected)
    np.testing.assert_array_equal(load(path).weights_, expected)


@pytest.fixture
def finished(tmp_path, data):
    path = tmp_path / "done.npz"
    SOM(5, 6, **PARAMS).fit(da.from_array(data, chunks=(128, 5)), checkpoint=path, scheduler="sync")
    return path


def test_a_finished_checkpoint_gives_its_map_without_training(finished, data):
    calls = []
    som = SOM(5, 6, callbacks=[calls.append], **PARAMS).fit(da.from_array(data, chunks=(128, 5)),
                                                             checkpoint=finished, scheduler="sync")
    assert calls == [] and som.n_iter_ == 6
    np.testing.assert_array_equal(som.weights_, load(finished).weights_)


@pytest.mark.parametrize(("other", "message"), [
    (lambda data: da.from_array(data, chunks=(100, 5)), r"other data: row_chunks \[128, 128"),
    (lambda data: da.from_array(data[:800], chunks=(128, 5)), r"other data: row_chunks .*shape \[900, 5\]"),
    (lambda data: data, r"other data: row_chunks \[128, .*None now"),
])
def test_a_checkpoint_of_other_data_is_refused_saying_what_differs(finished, data, other, message):
    with pytest.raises(ValueError, match=message):
        SOM(5, 6, **PARAMS).fit(other(data), checkpoint=finished, scheduler="sync")


def test_a_checkpoint_of_other_settings_is_refused_saying_what_differs(finished, data):
    with pytest.raises(ValueError, match="other settings: n_epochs 6 in the checkpoint, 8 now"):
        SOM(5, 6, **{**PARAMS, "n_epochs": 8}).fit(da.from_array(data, chunks=(128, 5)), checkpoint=finished)
    # verbose and n_jobs change no bit: not a difference
    SOM(5, 6, verbose=False, n_jobs=1, **PARAMS).fit(da.from_array(data, chunks=(128, 5)), checkpoint=finished,
                                                     scheduler="sync")


def test_a_model_file_is_not_a_checkpoint(tmp_path, data):
    path = tmp_path / "model.npz"
    SOM(5, 6, **PARAMS).fit(data).save(path)
    with pytest.raises(ValueError, match="is a model file, not a checkpoint"):
        SOM(5, 6, **PARAMS).fit(data, checkpoint=path)


@pytest.mark.parametrize(("params", "message"), [
    ({"algorithm": "online", "n_iterations": 100}, "checkpoint is for algorithm='batch'"),
    ({"early_stopping": True}, "cannot resume early_stopping exactly"),
    ({"sigma_schedule": lambda step, n: 1.0}, r"cannot check parameters \['sigma_schedule'\]"),
])
def test_fits_that_cannot_resume_exactly_are_refused(tmp_path, data, params, message):
    path = tmp_path / "never.npz"
    with pytest.raises(ValueError, match=message):
        SOM(5, 6, **{**PARAMS, **params}).fit(data, checkpoint=path)
    assert not os.path.exists(path)


def test_a_dask_worker_lost_mid_epoch_changes_nothing_and_one_that_always_dies_is_reported(tmp_path):
    """A worker dies computing a chunk in epoch 2 once: Dask reruns it elsewhere, the same map.

    Then a chunk whose worker dies at every try from epoch 2 on: Dask gives up
    (KilledWorker, which says so) and the checkpoint keeps epoch 1.
    """
    pytest.importorskip("distributed")
    script = textwrap.dedent('''
        import os, sys
        import numpy as np, dask.array as da
        from distributed import Client, LocalCluster
        from fastsom import SOM, load

        MARK = sys.argv[1]

        def read(block, always):
            # Chunk 3 is read once by the check pass and once per epoch; its
            # third read is in epoch 2.
            if block[0, 0] == 0.25:
                count = len(os.listdir(MARK))
                open(os.path.join(MARK, str(count)), "w").close()
                if count == 2 or (always and count >= 2):
                    os._exit(1)
            return block

        if __name__ == "__main__":
            data = np.random.default_rng(3).random((900, 5))
            data[384, 0] = 0.25  # first row of chunk 3
            chunks = da.from_array(data, chunks=(128, 5))
            expected = SOM(5, 6, algorithm="batch", n_epochs=4, random_state=0).fit(chunks, scheduler="sync")
            with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, \\
                    Client(cluster):
                som = SOM(5, 6, algorithm="batch", n_epochs=4, random_state=0)
                som.fit(chunks.map_blocks(read, False, dtype=data.dtype))
                print(len(os.listdir(MARK)), np.array_equal(som.weights_, expected.weights_))
                for name in os.listdir(MARK):
                    os.remove(os.path.join(MARK, name))
                try:
                    som.fit(chunks.map_blocks(read, True, dtype=data.dtype), checkpoint="ckpt.npz")
                except Exception as error:
                    print(type(error).__name__, load("ckpt.npz").n_iter_, "died" in str(error))
    ''')
    mark = tmp_path / "marks"
    mark.mkdir()
    (tmp_path / "lost.py").write_text(script)
    done = subprocess.run([sys.executable, str(tmp_path / "lost.py"), str(mark)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split("\n")
    reads, same = lines[0].split()
    # The check pass and 4 epochs read chunk 3 five times; the read its worker died in makes six.
    assert int(reads) == 6, "the chunk was read again after its worker died"
    assert same == "True"
    assert lines[1].split() == ["KilledWorker", "1", "True"], done.stdout
