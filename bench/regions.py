"""Regions of a map against the true classes: the table and pictures of docs/guide/regions.rst (issue 14, item 5).

Run ``python bench/regions.py [--out docs]``. For iris, digits (both ship
with scikit-learn) and a synthetic ring of 8 blobs (where the order of the
blobs matters: neighbours on the ring should be neighbours on the map), it
prints the adjusted Rand index (ARI) of each sample's cluster against the
true labels, for:

* fastsom ``cluster(k, "ward", X=X)`` -- connected, hit-weighted Ward on the codebook;
* fastsom ``cluster(k, "kmeans", X=X)`` -- hit-weighted k-means on the codebook;
* fastsom ``cluster(None)`` -- k chosen by the Davies-Bouldin index (the k it chose in brackets);
* scikit-learn ``KMeans(k)`` on the data directly;
* MiniSom's recipe -- k-means on MiniSom's codebook, each sample in its winner's cluster.

k is the number of true classes except where said. Accuracy figures, not
timings: nothing here is timed. Writes ``regions.png`` (regions over the
U-matrix) and ``codebook.png`` (the ring's codebook on its principal plane).
"""

import argparse
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, load_iris
from sklearn.metrics import adjusted_rand_score

from fastsom import SOM
from fastsom.analysis import plot


def ring_of_blobs(n_blobs=8, per_blob=150, seed=0):
    """Blobs spaced on a circle in 3-D, tilted out of the plane; labels in ring order."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_blobs) / n_blobs
    centres = np.column_stack([np.cos(angles), np.sin(angles), 0.3 * np.sin(2 * angles)])
    labels = np.repeat(np.arange(n_blobs), per_blob)
    return centres[labels] + 0.12 * rng.standard_normal((len(labels), 3)), labels


def scaled(X):
    return (X - X.min(axis=0)) / np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1.0)


def minisom_recipe(X, shape, k, n_iterations, seed=0):
    from minisom import MiniSom

    som = MiniSom(shape[0], shape[1], X.shape[1], sigma=max(shape) / 4, learning_rate=0.5, random_seed=seed)
    som.train_random(X, n_iterations)
    codebook = som.get_weights().reshape(-1, X.shape[1])
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(codebook)
    winners = np.array([np.ravel_multi_index(som.winner(x), shape) for x in X])
    return clusters[winners]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the pictures (default docs)")
    args = parser.parse_args(argv)
    data = {"iris": (scaled(load_iris().data), load_iris().target, (10, 10)),
            "digits": (load_digits().data / 16.0, load_digits().target, (20, 20)),
            "ring of 8 blobs": (*ring_of_blobs(), (15, 15))}
    print("| data | k | ward (fastsom) | kmeans (fastsom) | k chosen by Davies-Bouldin | KMeans on the data | "
          "MiniSom + KMeans |")
    print("|---|---|---|---|---|---|---|")
    maps = {}
    for name, (X, truth, shape) in data.items():
        k = len(np.unique(truth))
        n_iterations = 500 * shape[0] * shape[1]
        som = SOM(*shape, n_iterations=n_iterations, topology="hexagonal", random_state=0).fit(X)
        row = []
        for method in ("ward", "kmeans"):
            som.cluster(k, method=method, X=X)
            row.append(adjusted_rand_score(truth, som.predict_cluster(X)))
        som.cluster(None, X=X)
        chosen = len(np.unique(som.clusters_))
        row.append((adjusted_rand_score(truth, som.predict_cluster(X)), chosen))
        row.append(adjusted_rand_score(truth, KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(X)))
        row.append(adjusted_rand_score(truth, minisom_recipe(X, shape, k, n_iterations)))
        som.cluster(k, X=X)
        maps[name] = (som, X)
        print(f"| {name} | {k} | {row[0]:.3f} | {row[1]:.3f} | {row[2][0]:.3f} (k={row[2][1]}) | {row[3]:.3f} | "
              f"{row[4]:.3f} |")

    plt = plot.pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, name in zip(axes, ("digits", "ring of 8 blobs"), strict=True):
        plot.plot_regions(maps[name][0], ax=ax, title=f"{name}: regions over the U-matrix", colorbar=False)
    plot.save_png(figure, os.path.join(args.out, "regions.png"))
    figure, ax = plt.subplots(figsize=(6, 6))
    plot.plot_codebook(*maps["ring of 8 blobs"], ax=ax, title="ring of 8 blobs: the codebook on the data's plane")
    plot.save_png(figure, os.path.join(args.out, "codebook.png"))
    print(f"wrote {args.out}/regions.png and {args.out}/codebook.png")


if __name__ == "__main__":
    main()
