"""Batch training and queries on dask data (fastsom/chunked): issue 11.

Expected maps are the in-memory fit of the same data (``fit(X.compute())``),
whose batch path has its own tests against the reference; across schedulers
the chunk sums are added in one fixed tree, so the maps must be equal bit for
bit. The distributed cases share one module-scoped LocalCluster (2 worker
processes x 1 thread, dashboards on free ports: 8787 may be taken).
"""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from fastsom import SOM, _threads

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

RTOL = 1e-12


@pytest.fixture(scope="module")
def data(make_X):
    return make_X(n_samples=900, n_features=5, seed=3)


@pytest.fixture(scope="module")
def chunked(data):
    return da.from_array(data, chunks=(128, 5))  # 8 chunks, the last one short


def batch_som(**params):
    return SOM(5, 6, **{"algorithm": "batch", "n_epochs": 4, "random_state": 0, **params})


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    # Dask's nanny writes its pre-spawn environment (OMP_NUM_THREADS=1, ...)
    # into this process's os.environ and leaves it: put it back after.
    saved = dict(os.environ)
    yield from _cluster(distributed)
    os.environ.clear()
    os.environ.update(saved)


def _cluster(distributed):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  worker_dashboard_address=":0") as local, distributed.Client(local) as client:
        yield client


# ---------------------------------------------------------------- training

@pytest.mark.parametrize("init", ["random", "sample", "pca"])
@pytest.mark.parametrize("distance", ["euclidean", "manhattan"])
def test_dask_fit_equals_the_in_memory_fit(data, chunked, init, distance):
    expected = batch_som(init=init, distance=distance).fit(data)
    som = batch_som(init=init, distance=distance).fit(chunked, scheduler="sync")
    np.testing.assert_allclose(som.weights_, expected.weights_, rtol=RTOL, atol=0)
    assert som.n_iter_ == expected.n_iter_ == 4
    history = [(e["quantization_error"], e["topographic_error"]) for e in som.history_]
    expected_history = [(e["quantization_error"], e["topographic_error"]) for e in expected.history_]
    np.testing.assert_allclose(history, expected_history, rtol=RTOL)


def test_the_same_bits_on_every_local_scheduler(chunked):
    maps = {scheduler: batch_som(init="pca").fit(chunked, scheduler=scheduler).weights_
            for scheduler in ("sync", "threads")}
    np.testing.assert_array_equal(maps["threads"], maps["sync"])


def test_the_same_bits_on_a_distributed_cluster(chunked, cluster):
    expected = batch_som(init="sample").fit(chunked, scheduler="sync").weights_
    # The active Client is the default scheduler; an explicit one works too.
    np.testing.assert_array_equal(batch_som(init="sample").fit(chunked).weights_, expected)
    np.testing.assert_array_equal(batch_som(init="sample").fit(chunked, scheduler=cluster).weights_, expected)


def test_chunks_split_along_features_are_joined(data, chunked):
    split = da.from_array(data, chunks=(128, 2))
    np.testing.assert_array_equal(batch_som().fit(split, scheduler="sync").weights_,
                                  batch_som().fit(chunked, scheduler="sync").weights_)


def test_partial_fit_on_dask_data_runs_one_epoch(data, chunked):
    expected = batch_som().partial_fit(data).partial_fit(data)
    som = batch_som().partial_fit(chunked, scheduler="sync").partial_fit(chunked, scheduler="sync")
    assert som.n_iter_ == expected.n_iter_ == 2
    np.testing.assert_allclose(som.weights_, expected.weights_, rtol=RTOL, atol=0)


def test_a_dask_dataframe_keeps_its_column_names(data):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(data, columns=list("abcde"))
    som = batch_som().fit(dd.from_pandas(frame, npartitions=3), scheduler="sync")
    assert list(som.feature_names_in_) == list("abcde")
    np.testing.assert_allclose(som.weights_, batch_som().fit(frame).weights_, rtol=RTOL, atol=0)


def test_tasks_never_enter_numbas_threading_layer(chunked, monkeypatch):
    # A parallel kernel called from a task would run in a worker thread:
    # under the workqueue layer two of them abort the process.
    entered = []
    call = _threads.ThreadedKernel.__call__

    def spy(kernel, *args):
        if threading.current_thread() is not threading.main_thread() and _threads.allowed_threads() > 1:
            entered.append(kernel.__name__)  # a task's thread would run the parallel entry
        return call(kernel, *args)

    monkeypatch.setattr(_threads.ThreadedKernel, "__call__", spy)
    for distance in ("euclidean", "manhattan", "cosine"):
        som = batch_som(distance=distance).fit(chunked, scheduler="threads")
        som.predict(chunked).compute(scheduler="threads")
    assert entered == []


def test_workqueue_layer_and_threaded_tasks(tmp_path):
    script = textwrap.dedent('''
        import numpy as np, dask.array as da, numba
        from fastsom import SOM
        X = da.from_array(np.random.default_rng(0).random((4000, 6)), chunks=(250, 6))
        for distance in ("euclidean", "manhattan"):
            som = SOM(6, 6, algorithm="batch", n_epochs=3, distance=distance, random_state=0)
            som.fit(X, scheduler="threads")
            som.predict(X).compute(scheduler="threads")
        print("ok", numba.threading_layer())
    ''')
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok workqueue"


def test_import_fastsom_does_not_import_dask():
    script = ("import sys, numpy as np\nfrom fastsom import SOM\n"
              "SOM(2, 2, n_iterations=10).fit(np.random.random((20, 2))).predict(np.random.random((3, 2)))\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- bad input

def test_online_training_on_dask_data_is_refused_saying_why(chunked):
    with pytest.raises(ValueError, match="algorithm='online' cannot train on a dask collection.*algorithm='batch'"):
        SOM(3, 3, n_iterations=50).fit(chunked)


def test_nan_in_a_later_chunk_is_found_before_training_and_the_old_map_kept(data, chunked):
    som = batch_som().fit(chunked, scheduler="sync")
    before = som.weights_.copy()
    bad = data.copy()
    bad[700, 2] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN in chunk 5 \(rows 640-767\) at row 700, column 2"):
        som.fit(da.from_array(bad, chunks=(128, 5)), scheduler="sync")
    np.testing.assert_array_equal(som.weights_, before)
    assert som.n_iter_ == 4
    fresh = batch_som()
    with pytest.raises(ValueError, match="infinity"):
        bad[700, 2] = np.inf
        fresh.fit(da.from_array(bad, chunks=(128, 5)), scheduler="sync")
    assert not hasattr(fresh, "weights_")


@pytest.mark.parametrize(("array", "message"), [
    (lambda: da.from_array(np.array([["a", "b"]] * 4), chunks=2), "must be numeric"),
    (lambda: da.ones((4, 3, 2)), "must be 2-D"),
    (lambda: da.ones((0, 3)), "0 sample"),
    (lambda: da.ones((10, 3))[da.ones(10) > 0], "unknown length"),
])
def test_bad_dask_arrays_are_refused_naming_the_rule(array, message):
    with pytest.raises((TypeError, ValueError), match=message):
        batch_som().fit(array())


def test_a_fitted_map_refuses_dask_data_of_other_width(chunked):
    som = batch_som().fit(chunked, scheduler="sync")
    with pytest.raises(ValueError, match="X has 3 features, but SOM is expecting 5"):
        som.predict(da.ones((10, 3)))
    with pytest.raises(ValueError, match="X has 3 features, but SOM is expecting 5"):
        som.partial_fit(da.ones((10, 3)))


# ---------------------------------------------------------------- queries

@pytest.fixture(scope="module")
def fitted(data):
    return batch_som(topology="hexagonal").fit(data)


def test_predict_and_transform_stay_lazy_and_chunked(fitted, data, chunked):
    bmu, distance = fitted.predict(chunked, return_distance=True)
    table = fitted.transform(chunked)
    assert isinstance(bmu, da.Array) and isinstance(table, da.Array)
    assert table.chunks == (chunked.chunks[0], (30,))
    expected_bmu, expected_distance = fitted.predict(data, return_distance=True)
    np.testing.assert_array_equal(bmu.compute(), expected_bmu)
    np.testing.assert_array_equal(distance.compute(), expected_distance)
    np.testing.assert_array_equal(table.compute(), fitted.transform(data))


def test_measures_and_counts_are_one_pass_reductions(fitted, data, chunked):
    assert fitted.quantization_error(chunked) == pytest.approx(fitted.quantization_error(data), rel=RTOL)
    assert fitted.topographic_error(chunked) == pytest.approx(fitted.topographic_error(data), rel=RTOL)
    assert fitted.distortion(chunked) == pytest.approx(fitted.distortion(data), rel=RTOL)
    np.testing.assert_array_equal(fitted.hit_counts(chunked), fitted.hit_counts(data))
    labels = np.where(data[:, 0] > 0.5, "high", "low")
    counts, expected = fitted.labels_map(chunked, labels), fitted.labels_map(data, labels)
    np.testing.assert_array_equal(counts.classes, expected.classes)
    np.testing.assert_array_equal(counts.counts, expected.counts)


def test_a_nan_in_a_query_is_named_when_computed(fitted, data):
    bad = data.copy()
    bad[300, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN at row 300, column 1"):
        fitted.predict(da.from_array(bad, chunks=(128, 5))).compute(scheduler="sync")
    with pytest.raises(ValueError, match="X contains NaN at row 300, column 1"):
        fitted.quantization_error(da.from_array(bad, chunks=(128, 5)))


def test_win_map_on_dask_data_says_what_to_do_instead(fitted, chunked):
    with pytest.raises(TypeError, match="win_map.*predict"):
        fitted.win_map(chunked)


# ---------------------------------------------------------------- files and clusters for the command line

def test_large_sources_open_as_row_chunks(tmp_path, data):
    from fastsom.chunked.sources import is_large_source, open_rows

    np.save(tmp_path / "big.npy", data.astype(np.float32))
    array, names = open_rows(tmp_path / "big.npy")
    assert isinstance(array, da.Array) and names is None and array.chunks[1] == (5,)
    np.testing.assert_array_equal(array.compute(), data.astype(np.float32))

    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    folder = tmp_path / "parts"
    folder.mkdir()
    frame = pd.DataFrame(data, columns=list("abcde")).assign(label="x")
    for part in range(3):
        frame.iloc[part * 300:(part + 1) * 300].to_parquet(folder / f"part{part}.parquet")
    for source in (folder, str(folder / "*.parquet")):
        assert is_large_source(source)
        array, names = open_rows(source)
        assert names == list("abcde"), "numeric columns only"
        np.testing.assert_array_equal(array.compute(), data)
    assert open_rows(folder, columns=["b", "d"])[0].shape == (900, 2)

    zarr = pytest.importorskip("zarr")
    store = zarr.create_array(str(tmp_path / "big.zarr"), shape=data.shape, chunks=(200, 5), dtype="f8")
    store[:] = data
    array, _ = open_rows(tmp_path / "big.zarr")
    assert array.chunks[0][0] == 200
    np.testing.assert_array_equal(array.compute(), data)


def test_a_npy_file_travels_to_workers_as_its_name_not_its_rows(tmp_path, monkeypatch):
    # A memory map pickles as its whole contents: a graph built on one would
    # ship the file to the scheduler and every worker.
    import pickle

    from fastsom.chunked import sources

    monkeypatch.setattr(sources, "CHUNK_BYTES", 64_000)
    rows = np.arange(40_000.0).reshape(8_000, 5)
    np.save(tmp_path / "big.npy", rows)
    array, _ = sources.open_rows(tmp_path / "big.npy")
    assert array.chunks == ((1600,) * 5, (5,))
    assert len(pickle.dumps(array)) < rows.nbytes / 20
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(array)).compute(scheduler="processes"), rows)


def test_sources_that_are_no_table_are_refused_naming_the_file(tmp_path):
    from fastsom.chunked.sources import open_rows

    np.save(tmp_path / "flat.npy", np.arange(10.0))
    with pytest.raises(ValueError, match=r"flat.npy holds float64 values of shape \(10,\); training needs a 2-D"):
        open_rows(tmp_path / "flat.npy")
    np.save(tmp_path / "objects.npy", np.array([[object()]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="objects.npy: not a readable .npy file"):
        open_rows(tmp_path / "objects.npy")
    (tmp_path / "junk.npy").write_bytes(b"\x93NUMPY junk")
    with pytest.raises(ValueError, match="junk.npy: not a readable .npy file"):
        open_rows(tmp_path / "junk.npy")


def test_a_cluster_fastsom_starts_gives_numba_one_thread_per_worker():
    pytest.importorskip("distributed")
    from fastsom.chunked.clusters import local_cluster

    before = os.environ.get("NUMBA_NUM_THREADS")
    with local_cluster(2) as client:
        threads = client.run(lambda: __import__("numba").config.NUMBA_NUM_THREADS)
        saturation = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.WORKER_SATURATION)
    assert sorted(threads.values()) == [1, 1]
    # Queues root tasks on the scheduler rather than on workers that already
    # hold their chunks: the out-of-core bench's peak memory (bench/out_of_core.py).
    assert saturation == 1.0
    # ... and not in this process: numba would refuse its next compile here.
    assert os.environ.get("NUMBA_NUM_THREADS") == before


def test_a_scheduler_that_does_not_answer_is_named():
    pytest.importorskip("distributed")
    from fastsom.chunked.clusters import joined_cluster

    with pytest.raises(ValueError, match=r"no Dask scheduler answered at tcp://127.0.0.1:9 within 2 s"):
        with joined_cluster("tcp://127.0.0.1:9", timeout=2):
            pass


# ---------------------------------------------------------------- BLAS inside tasks

def _blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return max((pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"),
               default=1)


def test_tasks_run_blas_on_one_thread_and_leave_it_as_it_was(monkeypatch, chunked):
    # Dask's threads already fill the cores: a GEMM on BLAS's threads in
    # each task spins against them (bench/dask_epochs.py measured 6x slower).
    from fastsom.chunked import rows

    before = _blas_threads()
    if before < 2:
        pytest.skip("BLAS runs on one thread here: nothing to limit")
    seen = []
    add = rows.ChunkPass.add

    def watched(self, *args):
        seen.append(_blas_threads())
        return add(self, *args)

    monkeypatch.setattr(rows.ChunkPass, "add", watched)
    batch_som(n_epochs=1).fit(chunked, scheduler="threads")
    assert len(seen) == 8 and set(seen) == {1}
    assert _blas_threads() == before

