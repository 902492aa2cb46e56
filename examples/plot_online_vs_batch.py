"""
Online or batch training
========================

fastsom trains a map in one of two ways:

* **online** (``algorithm="online"``, the tutorial's): one sample per
  iteration; its best matching unit (BMU) and the units around it move
  towards it by a learning rate that decays over ``n_iterations``;
* **batch** (``algorithm="batch"``, Kohonen's batch map): each epoch finds
  the BMU of every sample, then sets every unit to the
  neighbourhood-weighted mean of the samples, ``W = (H S) / (H n)``. There
  is no learning rate; the radius decays over ``n_epochs``.

This example trains both on the iris flowers and compares the maps'
quality for the same number of samples presented.
"""

# %%
import time

import numpy as np

from fastsom import SOM
from fastsom.analysis import plot
from fastsom.datasets import load_iris

X, y, species, _ = load_iris()
X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))

maps = {
    "online, 50,000 iterations": SOM(10, 10, n_iterations=50_000, init="pca", random_state=0),
    "batch, 20 epochs": SOM(10, 10, algorithm="batch", n_epochs=20, init="pca", random_state=0),
}
for name, som in maps.items():
    som.fit(X)  # the first fit of each kind compiles its kernels (or loads them from the cache)
    start = time.perf_counter()
    som.fit(X)
    took = time.perf_counter() - start
    print(f"{name:27s} QE {som.quantization_error(X):.4f}  TE {som.topographic_error(X):.3f}  "
          f"{took * 1000:.1f} ms")

# %%
# How long must each train? Here the final quantization error against the
# number of samples presented: ``n_iterations`` for the online map,
# ``n_epochs`` times the 150 flowers for the batch map. For the same number
# of samples the batch map's error is lower (30 epochs, 4,500 samples,
# reach what 30,000 online steps reach), and each of its epochs is one
# matrix product over all samples rather than 150 single steps. The
# topographic errors (printed) stay within two flowers of 0 on this small
# data set.
plt = plot.pyplot()
fig, ax = plt.subplots(figsize=(6, 3.8))
for algorithm, lengths in [("online", [1_000, 3_000, 10_000, 30_000, 100_000]),
                           ("batch", [1, 3, 10, 30, 100])]:
    presented, qe, te = [], [], []
    for length in lengths:
        if algorithm == "online":
            som = SOM(10, 10, n_iterations=length, init="pca", random_state=0).fit(X)
            presented.append(length)
        else:
            som = SOM(10, 10, algorithm="batch", n_epochs=length, init="pca", random_state=0).fit(X)
            presented.append(length * len(X))
        qe.append(som.quantization_error(X))
        te.append(som.topographic_error(X))
    ax.plot(presented, qe, marker="o", label=algorithm)
    print(algorithm, "QE", np.round(qe, 4), "TE", np.round(te, 3))
ax.set_xscale("log")
ax.set_xlabel("samples presented")
ax.set_ylabel("quantization error")
ax.legend()
fig.tight_layout()

# %%
# The two maps side by side: the same three species, the same wall between
# setosa and the others.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, (name, som) in zip(axes, maps.items(), strict=True):
    plot.plot_samples(som, X, y, ax=ax, label_names=species, title=name, legend=ax is axes[1])
fig.tight_layout()
