"""Every contender of the peer benchmarks by name: fastsom, the machine's floors and the peers.

A contender trains a workload's data from the shared initial codebook and
returns its codebook (the floors return None: they train nothing). fastsom
is driven through its public estimator, :class:`fastsom.SOM`, exactly as a
user would call it, with its defaults except the initial codebook and the
dtype (see :mod:`bench.peers` for the settings every contender shares, and
where each peer differs). The registry is :func:`registry`.
"""

import numpy as np

from bench.contender import Contender
from bench.peers import PEERS
from fastsom.kernels.floors import floor_epoch, online_floor

# ---------------------------------------------------------------- fastsom


def fastsom_trainer(algorithm, **options):
    """``SOM(...).fit(X).weights_``: fastsom's defaults but ``options``, the shared start, the workload's dtype."""

    def train(X, initial, wl):
        from fastsom import SOM

        som = SOM(wl.n_rows, wl.n_cols, algorithm=algorithm, n_iterations=wl.n_iterations,
                  n_epochs=wl.n_epochs or 1, sigma=wl.sigma, init=initial, dtype=wl.dtype, random_state=0,
                  **options)
        return som.fit(X).weights_

    return train


def _fastsom_online_settings(threads):
    return lambda wl: (f"SOM(algorithm='online', n_iterations={wl.n_iterations:,}, sigma={wl.sigma:g}, "
                       f"init=<shared>, dtype={wl.dtype!r}{threads}).fit(X); other options default")


FASTSOM = {
    "fastsom-batch": Contender(
        "fastsom-batch", "fastsom batch", "batch", "fastsom", "fastsom", fastsom_trainer("batch"),
        lambda wl: (f"SOM(algorithm='batch', n_epochs={wl.n_epochs}, sigma={wl.sigma:g}, init=<shared>, "
                    f"dtype={wl.dtype!r}).fit(X); other options default"),
        dtype=lambda wl: wl.dtype),
    # The radius schedule TorchSOM and MiniSom can run (their *inverse_decay_to_one*),
    # so that a comparison of quality with them compares algorithms, not schedules.
    "fastsom-batch-inverse": Contender(
        "fastsom-batch-inverse", "fastsom batch, sigma as TorchSOM", "batch", "fastsom", "fastsom",
        fastsom_trainer("batch", sigma_schedule="asymptotic"),
        lambda wl: (f"SOM(algorithm='batch', n_epochs={wl.n_epochs}, sigma={wl.sigma:g}, "
                    f"sigma_schedule='asymptotic', init=<shared>, dtype={wl.dtype!r}).fit(X): the radius falls "
                    "as TorchSOM's sig_inverse_decay_to_one and MiniSom's inverse_decay_to_one"),
        dtype=lambda wl: wl.dtype),
    "fastsom-online": Contender(
        "fastsom-online", "fastsom online, 1 thread", "online", "fastsom", "fastsom", fastsom_trainer("online"),
        _fastsom_online_settings(""), dtype=lambda wl: wl.dtype),
    "fastsom-online-threads": Contender(
        "fastsom-online-threads", "fastsom online, all threads", "online", "fastsom", "fastsom",
        fastsom_trainer("online", n_jobs=-1), _fastsom_online_settings(", n_jobs=-1"), dtype=lambda wl: wl.dtype),
}


# ----------------------------------------------------------------- floors


def train_floor_batch(X, initial, wl):
    from fastsom.training.batch import default_chunk_size

    weights = np.ascontiguousarray(initial.reshape(wl.n_units, -1), dtype=X.dtype)
    chunk = min(X.shape[0], default_chunk_size(wl.n_units))
    for _ in range(wl.n_epochs):
        floor_epoch(X, weights, chunk)
    return None


def train_floor_online(X, initial, wl):
    weights = np.ascontiguousarray(initial.reshape(wl.n_units, -1), dtype=X.dtype)
    samples = np.random.default_rng(0).integers(0, X.shape[0], wl.n_iterations)
    online_floor(X, weights, samples, np.empty(wl.n_iterations, dtype=np.int64))
    return None


FLOORS = {
    "floor-batch": Contender(
        "floor-batch", "machine floor: GEMM + argmin", "floor (batch)", "numpy", "numpy", train_floor_batch,
        lambda wl: f"{wl.n_epochs} x (chunked X @ W.T, then argmin per row); no update "
                   "(fastsom.kernels.floors)",
        dtype=lambda wl: wl.dtype),
    "floor-online": Contender(
        "floor-online", "machine floor: distance sweep", "floor (online)", "numba", "numba", train_floor_online,
        lambda wl: f"{wl.n_iterations:,} x (one sweep of distances to every unit, argmin); no update "
                   "(fastsom.kernels.floors)",
        dtype=lambda wl: wl.dtype),
}


def registry():
    """Every contender by name: fastsom's, the floors and the peers of :mod:`bench.peers`."""
    return {**FASTSOM, **FLOORS, **PEERS}
