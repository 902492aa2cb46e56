"""What the benchmarks train on: the data builders and the workloads, in one place.

Every bench module takes its data from here: :mod:`bench.test_batch` (one
batch epoch against the floor), :mod:`bench.suite` (fastsom against its
peers, ``python -m bench.report``) and :mod:`bench.curves` (scaling curves).
:mod:`bench.test_online` keeps its own plan-based workloads (a)-(c), but
draws its MNIST-sized data from :func:`mnist_like` too.

All data are deterministic: :func:`fastsom.datasets.make_mnist_like` with
``random_state=0``, the iris flowers shipped with fastsom and
scikit-learn's digits (both scaled to [0, 1] per feature, as the tutorial
does). Every contender of a workload starts from the same codebook,
:func:`pca_init` (fastsom's ``init="pca"``: deterministic, no seed to
match), so a difference of quality is the algorithm's, not the start's.

Workloads (``python -m bench.report --list`` prints them):

* ``iris`` 150 x 4, 10x10 map; ``digits`` 1,797 x 64, 20x20 map: labelled
  (BMU purity), online 500 x n_units iterations, batch 20 epochs.
* ``mnist-online`` 70,000 x 784 (MNIST-sized, synthetic), 20x20 map,
  10,000 online iterations; ``mnist-batch`` the same data, 5 batch epochs.
* ``million`` 1,000,000 x 16, 30x30 map, 3 batch epochs (peak memory).
* ``tsom-<rows>x<features>``: TorchSOM's published grid, a 25x15 map,
  240 / 4,000 / 16,000 rows x 4 / 50 / 300 features, 100 epochs (group
  ``torchsom-grid``), with fastsom batch also run on TorchSOM's radius
  schedule (``fastsom-batch-inverse``), which the target compares;
  ``--quick``: 10 epochs, that fastsom and TorchSOM only.
* ``large-map`` 100,000 x 64, 200x200 map (40,000 units), 1 batch epoch.
* ``curve``: the base point of :mod:`bench.curves` (10,000 x 32, 20x20
  map, one epoch), which varies one size at a time.

Sizes come in three modes: ``full`` (the above), ``quick`` (fewer epochs
or rows where the full size would not fit ``--quick``'s ten minutes; the
title says what changed) and ``smoke`` (seconds; ``FASTSOM_BENCH_SMOKE=1``
or ``--smoke``: checks that everything runs, timings mean nothing).
"""

import dataclasses
import functools
import os
from dataclasses import dataclass, field

import numpy as np

from fastsom.datasets import load_digits, load_iris, make_mnist_like
from fastsom.training.init import pca_weights

#: FASTSOM_BENCH_SMOKE=1 shrinks every workload to seconds (a check that the bench runs).
SMOKE = os.environ.get("FASTSOM_BENCH_SMOKE", "") not in ("", "0")

#: Contender names (see bench.contenders). Batch workloads race these.
BATCH_CONTENDERS = ("fastsom-batch", "floor-batch", "xpysom", "somoclu", "torchsom", "minisom-batch")
ONLINE_CONTENDERS = ("fastsom-online", "fastsom-online-threads", "floor-online", "minisom-online")
#: The TorchSOM grid adds fastsom on TorchSOM's radius schedule (what its target compares) and the online pair.
GRID_CONTENDERS = ("fastsom-batch", "fastsom-batch-inverse") + BATCH_CONTENDERS[1:] + ("fastsom-online",
                                                                                     "minisom-online")
LABELLED_CONTENDERS = ("fastsom-online", "fastsom-batch", "minisom-online", "minisom-batch", "xpysom", "torchsom",
                       "somoclu", "floor-online", "floor-batch")


@dataclass(frozen=True)
class Workload:
    """One benchmark: data, map, amount of training and contenders.

    ``n_epochs`` applies to batch and mini-batch contenders, ``n_iterations``
    to online ones; a contender whose algorithm the workload does not set is
    not run on it. ``quick`` and ``smoke`` map field names to the values
    those modes use instead.
    """

    key: str
    title: str
    data: str  # "mnist_like", "iris" or "digits"
    n_samples: int
    n_features: int
    n_rows: int
    n_cols: int
    contenders: tuple
    n_epochs: int | None = None
    n_iterations: int | None = None
    dtype: str = "float32"
    quick: dict = field(default_factory=dict, hash=False, compare=False)
    smoke: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def labelled(self):
        return self.data in ("iris", "digits")

    @property
    def n_units(self):
        return self.n_rows * self.n_cols

    @property
    def sigma(self):
        """Initial radius: fastsom's default, half the longer side of the map."""
        return max(self.n_rows, self.n_cols) / 2

    def sized(self, mode):
        """This workload at the sizes of ``mode`` ("full", "quick" or "smoke")."""
        changes = {"full": {}, "quick": self.quick, "smoke": self.smoke}[mode]
        return dataclasses.replace(self, **changes) if changes else self

    def describe(self):
        """Data, map and amount of training, in words."""
        parts = [f"{self.n_samples:,} x {self.n_features} {self.dtype}", f"{self.n_rows}x{self.n_cols} map"]
        if self.n_iterations:
            parts.append(f"{self.n_iterations:,} online iterations")
        if self.n_epochs:
            parts.append(f"{self.n_epochs} epoch{'s' if self.n_epochs > 1 else ''}")
        return ", ".join(parts)


def _grid_cells():
    """TorchSOM's published benchmark: 25x15 map, 100 epochs, rows x features."""
    cells = {}
    for n_samples in (240, 4_000, 16_000):
        for n_features in (4, 50, 300):
            key = f"tsom-{n_samples}x{n_features}"
            cells[key] = Workload(
                key, f"TorchSOM grid: {n_samples:,} x {n_features}, 25x15 map, 100 epochs", "mnist_like",
                n_samples, n_features, 25, 15,
                GRID_CONTENDERS,
                n_epochs=100, n_iterations=100 * n_samples,
                # --quick: 10 epochs and the target's two contenders only (TorchSOM
                # alone takes minutes over the grid at 100 epochs on 2 cores).
                quick=dict(n_epochs=10, n_iterations=10 * n_samples,
                           contenders=("fastsom-batch-inverse", "torchsom"),
                           title=f"TorchSOM grid: {n_samples:,} x {n_features}, 25x15 map, 10 epochs (--quick)"),
                smoke=dict(n_samples=min(n_samples, 240), n_epochs=2, n_iterations=2 * min(n_samples, 240),
                           contenders=("fastsom-batch-inverse", "floor-batch", "torchsom")),
            )
    return cells


WORKLOADS = {
    "iris": Workload("iris", "iris flowers, 10x10 map", "iris", 150, 4, 10, 10, LABELLED_CONTENDERS,
                     n_epochs=20, n_iterations=50_000, dtype="float64",
                     smoke=dict(n_epochs=2, n_iterations=500)),
    "digits": Workload("digits", "8x8 digits, 20x20 map", "digits", 1_797, 64, 20, 20, LABELLED_CONTENDERS,
                       n_epochs=20, n_iterations=200_000, dtype="float64",
                       quick=dict(n_iterations=50_000, title="8x8 digits, 20x20 map (--quick: 50,000 iterations)"),
                       smoke=dict(n_samples=300, n_rows=6, n_cols=6, n_epochs=2, n_iterations=500)),
    "mnist-online": Workload("mnist-online", "MNIST-sized, 20x20 map, online", "mnist_like", 70_000, 784, 20, 20,
                             ONLINE_CONTENDERS, n_iterations=10_000,
                             smoke=dict(n_samples=2_000, n_iterations=50)),
    "mnist-batch": Workload("mnist-batch", "MNIST-sized, 20x20 map, batch", "mnist_like", 70_000, 784, 20, 20,
                            BATCH_CONTENDERS, n_epochs=5,
                            quick=dict(n_epochs=2, title="MNIST-sized, 20x20 map, batch (--quick: 2 epochs)"),
                            smoke=dict(n_samples=2_000, n_epochs=2)),
    "million": Workload("million", "1,000,000 rows, 30x30 map, batch", "mnist_like", 1_000_000, 16, 30, 30,
                        BATCH_CONTENDERS, n_epochs=3,
                        smoke=dict(n_samples=20_000, n_epochs=2)),
    **_grid_cells(),
    # The base point of the scaling curves (bench.curves varies one size at a time).
    "curve": Workload("curve", "scaling curves' base point (bench.curves)", "mnist_like", 10_000, 32, 20, 20,
                      ("fastsom-batch", "fastsom-online", "floor-batch", "xpysom", "somoclu", "torchsom",
                       "minisom-online"), n_epochs=1, n_iterations=2_000,
                      smoke=dict(n_samples=1_000, n_iterations=200)),
    "large-map": Workload("large-map", "200x200 map (40,000 units), batch", "mnist_like", 100_000, 64, 200, 200,
                          BATCH_CONTENDERS, n_epochs=1,
                          quick=dict(n_samples=10_000, title="200x200 map, batch (--quick: 10,000 rows)"),
                          smoke=dict(n_samples=2_000, n_rows=40, n_cols=40)),
}

#: Names that select several workloads at once (``--only torchsom-grid``).
GROUPS = {
    "torchsom-grid": tuple(k for k in WORKLOADS if k.startswith("tsom-")),
    "labelled": ("iris", "digits"),
    "mnist": ("mnist-online", "mnist-batch"),
}


def minmax(X):
    """Scale every feature to [0, 1] (constant features to 0), as the tutorial does."""
    span = X.max(axis=0) - X.min(axis=0)
    return (X - X.min(axis=0)) / np.where(span > 0, span, 1)


@functools.cache
def mnist_like(n_samples=70_000, n_features=784):
    """``make_mnist_like(n_samples, n_features, float32, random_state=0)``, built once per process.

    Returns
    -------
    X : ndarray, shape (n_samples, n_features), float32, C-contiguous; do not modify
    """
    return make_mnist_like(n_samples, n_features, dtype=np.float32, random_state=0)


def sample_init(X, n_units):
    """``n_units`` rows of X drawn with ``default_rng(1)`` (the batch-epoch bench's start), (n_units, n_features)."""
    picks = np.random.default_rng(1).integers(0, X.shape[0], n_units)
    return np.ascontiguousarray(X[picks])


def pca_init(X, n_rows, n_cols):
    """fastsom's ``init="pca"`` codebook of X, (n_rows, n_cols, n_features) in X's dtype."""
    return pca_weights(X, n_rows, n_cols).reshape(n_rows, n_cols, -1).astype(X.dtype)


def load(wl):
    """Data of a workload: X (C-contiguous, ``wl.dtype``) and labels (None when unlabelled)."""
    if wl.data == "iris":
        X, y, _, _ = load_iris()
    elif wl.data == "digits":
        X, y = load_digits()
    else:
        return np.ascontiguousarray(mnist_like(wl.n_samples, wl.n_features), dtype=wl.dtype), None
    X, y = minmax(X)[:wl.n_samples], y[:wl.n_samples]
    return np.ascontiguousarray(X, dtype=wl.dtype), y


def resolve(names, mode="full"):
    """Workloads named in ``names`` (keys or group names), in the order given, at the sizes of ``mode``.

    Raises
    ------
    ValueError
        An unknown name; the message lists the valid ones.
    """
    keys = []
    for name in names:
        if name in GROUPS:
            keys += GROUPS[name]
        elif name in WORKLOADS:
            keys.append(name)
        else:
            valid = ", ".join(list(WORKLOADS) + list(GROUPS))
            raise ValueError(f"unknown workload {name!r}; valid: {valid}")
    return [WORKLOADS[k].sized(mode) for k in dict.fromkeys(keys)]
