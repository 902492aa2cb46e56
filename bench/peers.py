"""fastsom's peers, each driven through its own public API with settings matched to fastsom's.

Every adapter takes the workload's data ``X``, the shared initial codebook
``initial`` (n_rows, n_cols, n_features) and the :class:`bench.workloads.Workload`,
trains, and returns the peer's codebook as an (n_rows, n_cols, n_features)
array, which :mod:`bench.scores` scores with fastsom's own metrics (one
definition of QE, TE and purity for everybody).

Installing the peers
--------------------
``pip install -e .[bench]`` brings MiniSom and XPySom. Two peers stay out
of the extra on purpose:

* TorchSOM needs torch, and pip resolves a bare ``torch`` to the CUDA build
  (several GB). Install the CPU wheel first, then TorchSOM::

      pip install torch --index-url https://download.pytorch.org/whl/cpu
      pip install torchsom

  (this repository's machine: ``pip install torch==2.13.0`` picks the CPU
  build already available to it, then ``pip install torchsom``).
* somoclu ships only a source distribution whose ``setup.py`` imports numpy
  before pip's isolated build environment has it, so a plain ``pip install
  somoclu`` fails. Build it against the installed numpy::

      pip install --no-build-isolation somoclu

  It needs a C++ compiler with OpenMP. If an ``nvcc`` is on ``PATH``
  without cuBLAS (as here: ``/usr/local/bin/nvcc``), somoclu's build tries
  CUDA, fails, and silently installs the Python part only; hide it:
  ``PATH=/usr/bin:/bin pip install --no-build-isolation --no-cache-dir somoclu``.
  The bench reports somoclu as unavailable ("binary library cannot be
  imported") in that case.

A peer that cannot be imported is skipped, and the report prints why.

Settings shared by every contender
----------------------------------
Same data, same initial codebook (fastsom's ``init="pca"`` of the data,
:func:`bench.workloads.pca_init`), rectangular planar map, euclidean BMU
(ties to the lowest unit where the peer decides ties), gaussian
neighbourhood ``exp(-d^2 / (2 sigma^2))`` over the whole map (no cut-off),
initial radius ``sigma0 = max(n_rows, n_cols) / 2`` and final radius 1.

fastsom runs its defaults otherwise: the radius decays exponentially from
sigma0 to 1 (``sigma_schedule="exponential"``, ``sigma_end=1``); online,
the learning rate decays exponentially from 0.5 to 0.01; batch training has
no learning rate. dtype: the workload's (float32 on the synthetic data,
float64 on iris and digits). Online: one thread (``n_jobs=None``, the
default) and all threads (``n_jobs=-1``); batch: numba's and BLAS's
threads, all cores. Every peer uses all cores its library uses by default.

Where each peer cannot match (read from the installed sources)
--------------------------------------------------------------
**MiniSom 2.3.6, online** (``MiniSom.train(X, n_iterations, random_order=True)``):

* radius schedule: MiniSom's ``sigma_decay_function`` takes a name only,
  and none is exponential; ``"inverse_decay_to_one"``,
  ``sigma0 / (1 + (sigma0 - 1) t / T)`` (fastsom's
  ``asymptotic(sigma0, 1)``), has the same end points but falls faster
  early (at T/2, sigma0 = 10: 1.8 against fastsom's 3.2).
* learning rate: matched exactly, by a callable ``decay_function`` that
  evaluates fastsom's exponential schedule.
* dtype: float64 whatever the data (its weights are float64).
* sample order: MiniSom's own generator (``random_seed=0``); same
  distribution as fastsom's plan, not the same order.
* initial codebook: set through the private ``_weights`` (no public setter).

**MiniSom 2.3.6, batch** (``MiniSom.train_batch_offline(X, n_epochs)``):

* ``learning_rate=1`` with a constant ``decay_function``: its update
  ``(1 - lr) w + lr (sum h x / sum h)`` is then Kohonen's batch map, as
  fastsom's (units with a zero denominator keep their vector in both).
* radius schedule: ``"inverse_decay_to_one"``, as online.
* float64; a Python loop over samples (its implementation, measured as is).
* initial codebook through ``_weights``.

**XPySom 1.0.7, CPU** (``XPySom(..., xp=numpy).train(X, n_epochs)``):

* radius: ``decay_function="exponential"``, ``sigmaN=1``:
  ``sigma0 exp(-t ln(sigma0) / T)``, fastsom's schedule exactly.
* ``std_coeff=1``: its gaussian is ``exp(-d^2 / (2 std_coeff^2 sigma^2))``;
  the default 0.5 would halve the radius.
* learning rate: multiplies numerator and denominator, so it cancels.
* float32 sums (fastsom sums in float64); the neighbourhood of every
  *sample* (an n_parallel x n_units array per chunk, then a second GEMM)
  where fastsom sums samples per unit and smooths once per epoch; chunks
  of its default ``n_parallel`` (500 x CPU count).
* initial codebook through ``_weights``; its CuPy warning at import is
  silenced.

**TorchSOM 1.3.1, CPU** (``torchsom.SOM(..., device="cpu").fit(X)``):

* algorithm: mini-batch online SOM, ``w += lr / B * sum_b h_b (x_b - w)``
  per batch of B shuffled samples; it has no batch-map mode. Compared at
  equal epochs, as its own benchmark does.
* ``batch_size=16``, the example of its training guide (default 5; its
  published benchmark does not state one).
* learning rate 0.5 with its default ``"asymptotic_decay"`` (to 0.5/3):
  none of its schedules is fastsom's exponential, and fastsom's batch map
  has no learning rate to match.
* radius: ``"sig_inverse_decay_to_one"``, as MiniSom (no exponential).
  On the TorchSOM grid fastsom also runs that schedule
  (``fastsom-batch-inverse`` in :mod:`bench.contenders`), and the grid's
  targets compare that run, so the QE compares algorithms, not schedules.
* float32; it computes the QE and TE of every mini-batch during ``fit``
  (cannot be turned off); shuffles with torch's generator
  (``random_seed=0``); BMU search by ``torch.cdist`` (its ``"auto"``
  backend uses FAISS only when installed; it is not, here).
* memory: it precomputes the n_units x n_units grid distances (with an
  n_units x n_units x 2 intermediate), 12 n_units^2 bytes: 19 GB for the
  200x200 map, so the bench skips it there (see :data:`MEMORY_BUDGET`
  in :mod:`bench.suite`).
* initial codebook through its public ``weights`` parameter.

**somoclu 1.7.6, dense CPU kernel** (``Somoclu(..., kerneltype=0).train(X, epochs)``):

* radius: ``radiuscooling="exponential"``, ``radius0=sigma0``,
  ``radiusN=1``: fastsom's schedule exactly.
* ``std_coeff=1`` and ``compactsupport=False`` (its defaults, 0.5 and a
  cut-off at the radius, would differ from fastsom's gaussian).
* learning ``scale`` multiplies numerator and denominator: it cancels;
  ``scalecooling="exponential"``, because its default linear cooling divides
  by ``epochs - 1`` and gives a NaN codebook for a single epoch.
* float32 throughout; each epoch every unit sums every sample weighted by
  its neighbourhood, O(n_units x n_samples x n_features), where fastsom
  sums per unit first; ``train`` ends with one more BMU pass and the
  U-matrix (part of the call, timed).
* initial codebook through the public ``initialcodebook``.
"""

import contextlib
import io

import numpy as np

from bench.contender import Contender
from fastsom.training import schedules

#: fastsom's defaults, which the peers are set to match.
LEARNING_RATE = 0.5
LEARNING_RATE_END = 0.01
SIGMA_END = 1.0

#: TorchSOM's mini-batch size (see the module docstring).
TORCHSOM_BATCH_SIZE = 16


# ---------------------------------------------------------------- MiniSom


def exponential_learning_rate(learning_rate, t, max_iter):
    """fastsom's exponential learning-rate schedule as a MiniSom ``decay_function``.

    ``schedules.exponential(learning_rate, LEARNING_RATE_END, max_iter)[t]``,
    written as that function writes it.
    """
    time_constant = max_iter / np.log(learning_rate / LEARNING_RATE_END)
    return learning_rate * np.exp(-t / time_constant)


def constant_learning_rate(learning_rate, t, max_iter):
    """A MiniSom ``decay_function`` that keeps the learning rate (1 for the batch map)."""
    return learning_rate


def make_minisom(initial, sigma, learning_rate, decay_function):
    """A MiniSom with fastsom's neighbourhood and topology, starting from ``initial``."""
    from minisom import MiniSom

    n_rows, n_cols, n_features = initial.shape
    som = MiniSom(n_rows, n_cols, n_features, sigma=sigma, learning_rate=learning_rate,
                  decay_function=decay_function, neighborhood_function="gaussian",
                  sigma_decay_function="inverse_decay_to_one", topology="rectangular",
                  activation_distance="euclidean", random_seed=0)
    som._weights = np.array(initial, dtype=np.float64)  # no public setter
    return som


def train_minisom_online(X, initial, wl):
    som = make_minisom(initial, wl.sigma, LEARNING_RATE, exponential_learning_rate)
    som.train(X, wl.n_iterations, random_order=True)
    return som.get_weights()


def train_minisom_batch(X, initial, wl):
    som = make_minisom(initial, wl.sigma, 1.0, constant_learning_rate)
    som.train_batch_offline(X, wl.n_epochs)
    return som.get_weights()


# ----------------------------------------------------------------- XPySom


def import_xpysom():
    with contextlib.redirect_stdout(io.StringIO()):  # "WARNING: CuPy could not be imported"
        import xpysom
    return xpysom


def make_xpysom(initial, sigma, sigma_end=SIGMA_END):
    """An XPySom on the CPU with fastsom's neighbourhood and radius schedule, starting from ``initial``.

    ``initial`` is (n_rows, n_cols, n_features), copied.
    """
    xpysom = import_xpysom()
    n_rows, n_cols, n_features = initial.shape
    som = xpysom.XPySom(n_rows, n_cols, n_features, sigma=sigma, sigmaN=sigma_end, learning_rate=LEARNING_RATE,
                        learning_rateN=LEARNING_RATE_END, decay_function="exponential",
                        neighborhood_function="gaussian", std_coeff=1.0, topology="rectangular",
                        activation_distance="euclidean", random_seed=0, xp=np)
    som._weights = np.array(initial, copy=True)  # no public setter
    return som


def train_xpysom(X, initial, wl):
    som = make_xpysom(initial, wl.sigma)
    som.train(X, wl.n_epochs)
    return np.asarray(som.get_weights())


# --------------------------------------------------------------- TorchSOM


def train_torchsom(X, initial, wl):
    import torch
    from torchsom import SOM as TorchSOM

    som = TorchSOM(x=wl.n_rows, y=wl.n_cols, num_features=X.shape[1], epochs=wl.n_epochs,
                   batch_size=TORCHSOM_BATCH_SIZE, sigma=wl.sigma, learning_rate=LEARNING_RATE,
                   topology="rectangular", lr_decay_function="asymptotic_decay",
                   sigma_decay_function="sig_inverse_decay_to_one", neighborhood_function="gaussian",
                   distance_function="euclidean", pbc=False, device="cpu", random_seed=0)
    som.weights.data = torch.from_numpy(np.array(initial, dtype=np.float32))
    # from_numpy shares X's memory: no copy for float32 data, as a careful user would call it.
    som.fit(torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)), verbose=False)
    return som.weights.detach().numpy()


def torchsom_memory(wl):
    """The n_units x n_units grid distances (float32) and their (n_units, n_units, 2) intermediate."""
    return 12 * wl.n_units**2


# ---------------------------------------------------------------- somoclu


def train_somoclu(X, initial, wl):
    import somoclu

    codebook = np.array(initial, dtype=np.float32, order="C")  # somoclu trains it in place
    som = somoclu.Somoclu(wl.n_cols, wl.n_rows, initialcodebook=codebook, kerneltype=0, maptype="planar",
                          gridtype="rectangular", compactsupport=False, neighborhood="gaussian", std_coeff=1.0,
                          verbose=0)
    # scalecooling="exponential": its default, "linear", divides by (epochs - 1) and
    # turns the whole codebook into NaN when epochs == 1 (somoclu 1.7.6, training.cpp).
    som.train(np.ascontiguousarray(X, dtype=np.float32), epochs=wl.n_epochs, radius0=wl.sigma, radiusN=SIGMA_END,
              radiuscooling="exponential", scalecooling="exponential")
    return som.codebook.reshape(wl.n_rows, wl.n_cols, -1)


# --------------------------------------------------------------- registry


PEERS = {
    "minisom-online": Contender(
        "minisom-online", "MiniSom train", "online", "MiniSom", "minisom", train_minisom_online,
        lambda wl: (f"train(X, {wl.n_iterations:,}, random_order=True), sigma {wl.sigma:g} inverse_decay_to_one, "
                    f"lr {LEARNING_RATE} exponential to {LEARNING_RATE_END} (callable)"),
        dtype=lambda wl: "float64", install="pip install minisom"),
    "minisom-batch": Contender(
        "minisom-batch", "MiniSom train_batch_offline", "batch", "MiniSom", "minisom", train_minisom_batch,
        lambda wl: (f"train_batch_offline(X, {wl.n_epochs}), lr 1 constant, sigma {wl.sigma:g} "
                    "inverse_decay_to_one"),
        dtype=lambda wl: "float64", install="pip install minisom"),
    "xpysom": Contender(
        "xpysom", "XPySom (CPU)", "batch", "XPySom", "xpysom", train_xpysom,
        lambda wl: (f"train(X, {wl.n_epochs}), xp=numpy, sigma {wl.sigma:g} exponential to {SIGMA_END:g}, "
                    "std_coeff 1"),
        install="pip install xpysom"),
    "torchsom": Contender(
        "torchsom", "TorchSOM (CPU)", "mini-batch", "torchsom", "torchsom", train_torchsom,
        lambda wl: (f"fit(X), epochs {wl.n_epochs}, batch_size {TORCHSOM_BATCH_SIZE}, lr {LEARNING_RATE} "
                    f"asymptotic, sigma {wl.sigma:g} sig_inverse_decay_to_one, device cpu"),
        memory_need=torchsom_memory,
        install="install the CPU build of torch first, then pip install torchsom (see bench/peers.py)"),
    "somoclu": Contender(
        "somoclu", "somoclu (CPU)", "batch", "somoclu", "somoclu.somoclu_wrap", train_somoclu,
        lambda wl: (f"train(X, {wl.n_epochs}), kerneltype 0, radius {wl.sigma:g} exponential to {SIGMA_END:g}, "
                    "std_coeff 1, no compact support"),
        install="pip install --no-build-isolation somoclu, with no CUDA nvcc on PATH (see bench/peers.py)"),
}


def sigma_schedule(peer_name, sigma0, n_steps):
    """The radius of each step under a peer's settings above (for tests and plots).

    ``"xpysom"``, ``"somoclu"`` and fastsom: ``schedules.exponential(sigma0, 1)``;
    MiniSom and TorchSOM: ``schedules.asymptotic(sigma0, 1)`` (their
    ``inverse_decay_to_one``).
    """
    if peer_name.startswith(("minisom", "torchsom")):
        return schedules.asymptotic(sigma0, SIGMA_END, n_steps)
    return schedules.exponential(sigma0, SIGMA_END, n_steps)
