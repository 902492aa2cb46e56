"""Like-with-like checks of the Dask benchmarks (:mod:`bench.dask_epochs`, :mod:`bench.out_of_core`).

Run explicitly (``bench/`` is not in the test suite's ``testpaths``)::

    pytest bench/test_dask.py

The timings themselves are the benchmarks' (``python -m bench.dask_epochs``);
these tests check that what they compare is comparable: every contender
trains on the same rows, and simpsom-dask, driven as the bench drives it,
computes the same batch map as fastsom from the same start (so a difference
of QE in the table comes from the two random starts, not the algorithm).
The simpsom-dask test runs where it is installed with its Dask extra
(``FASTSOM_BENCH_PEER_PYTHON``'s venv, see :mod:`bench.dask_epochs`) and is
skipped elsewhere.
"""

import contextlib
import io
from dataclasses import replace

import numpy as np
import pytest

from bench import dask_epochs, out_of_core
from fastsom import SOM

TINY = replace(dask_epochs.SMOKE, n_samples=6_000, n_rows=6, n_cols=7, n_epochs=2, chunk_rows=2_000,
               peer_chunk_rows=500)


def test_every_chunking_holds_the_same_rows():
    """The peer's smaller chunks slice the workload's: the same rows, in the same order, as the in-memory array."""
    ref_X = dask_epochs.make_data(TINY)
    comp_X = dask_epochs.dask_data(TINY, TINY.peer_chunk_rows).compute(scheduler="sync")
    assert comp_X.dtype == np.float32
    assert dask_epochs.dask_data(TINY, TINY.peer_chunk_rows).chunks[0] == (500,) * 12
    np.testing.assert_array_equal(ref_X, comp_X)
    assert len(np.unique(ref_X[::1000], axis=0)) == 6  # not vacuous: chunks differ


def test_zarr_store_holds_the_same_rows(tmp_path):
    zarr = pytest.importorskip("zarr")
    out_of_core.write_store(tmp_path / "x.zarr", 2_500, 1_000)
    ref_X = dask_epochs.make_data(replace(TINY, n_samples=2_500, chunk_rows=1_000))
    np.testing.assert_array_equal(ref_X, zarr.open_array(str(tmp_path / "x.zarr"), mode="r")[:])


def _simpsom(n_rows, n_cols, sigma):
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a warning when dask-ml is missing
        simpsom = pytest.importorskip("simpsom_dask.simpsom", reason="simpsom-dask with its Dask extra and xarray")
    if not simpsom.default_da:
        pytest.skip("simpsom-dask without dask-ml trains without Dask")
    # Simpsom(x, y) numbers its nodes row * x + column: x is the number of columns.
    return simpsom.Simpsom(n_cols, n_rows, sigma=sigma, topology="rectangular", PBC=False, inner_dist_type="cartesian",
                           init="random", neighborhood_function="gaussian", decay_function="exponential")


def test_simpsom_dask_trains_the_same_map():
    """Driven as the bench drives it and started from fastsom's codebook, simpsom-dask ends on fastsom's map."""
    import dask.array as da

    X = dask_epochs.make_data(TINY)
    initial = np.random.default_rng(3).random((TINY.n_rows * TINY.n_cols, TINY.n_features)).astype(np.float32)
    peer = _simpsom(TINY.n_rows, TINY.n_cols, sigma=2.5)  # its default is min(x, y) / 2, fastsom's max / 2

    def same_start(data):  # its train() draws an unseeded start; replace it with ours
        peer.weights, peer._input_len = initial.copy(), TINY.n_features

    peer._init_weights = same_start
    with contextlib.redirect_stdout(io.StringIO()):
        peer.train(da.from_array(X, chunks=(TINY.peer_chunk_rows, -1)), TINY.n_epochs)
    comp = SOM(TINY.n_rows, TINY.n_cols, algorithm="batch", n_epochs=TINY.n_epochs, sigma=2.5, dtype="float32",
               init=initial.reshape(TINY.n_rows, TINY.n_cols, -1)).fit(X).weights_
    # simpsom-dask sums in float32 (~1e-6 relative on 6,000 rows); fastsom in float64.
    np.testing.assert_allclose(comp.reshape(-1, TINY.n_features), peer.weights, rtol=0, atol=1e-4)
    assert np.abs(comp.reshape(-1, TINY.n_features) - initial).max() > 0.1  # not vacuous: the map moved


def test_targets_compare_equal_cores():
    rows = {name: dict(epoch_s=epoch, fit_s=3 * epoch, qe=qe) for name, epoch, qe in [
        ("memory-1t", 10.0, 0.5), ("memory-2t", 6.0, 0.5), ("threads", 6.6, 0.5), ("cluster-1x1", 12.0, 0.5),
        ("cluster-2x1", 7.5, 0.5), ("simpsom-dask-2x1", 30.0, 0.504)]}
    got = {label: (round(value, 6), met) for label, value, _, _, met in dask_epochs.targets(rows)}
    assert got == {
        "threads / memory-2t epoch": (1.1, True),
        "cluster-1x1 / memory-1t epoch": (1.2, True),
        "cluster-1x1 / cluster-2x1 epoch (speed-up)": (1.6, False),
        "simpsom-dask fit / cluster-2x1 fit": (4.0, False),
        "|QE simpsom-dask - QE fastsom| / QE fastsom": (0.008, True),
    }
