"""Map quality at equal work: which settings give good maps on iris and digits.

``python -m bench.quality`` trains each configuration on the iris flowers
(10x10 map) and scikit-learn's 8x8 digits (20x20 map), both scaled to
[0, 1] per feature as the tutorial does, and prints one Markdown table per
data set: quantization error (QE, mean distance to the BMU), topographic
error (TE, 8-connected), BMU purity (share of samples whose BMU's majority
label is theirs) and the training time. Every configuration is run with
three seeds; the table shows the mean.

Configurations: the tutorial's settings; fastsom's defaults (online and
batch, random and PCA initialisation); MiniSom's ``train`` with its default
decays at the same number of iterations; XPySom (CPU) batch at the same
number of epochs. All scores use fastsom's own metrics on the peer's
codebook (:func:`bench.scores.score`), so every row is measured with one
definition. :mod:`bench.suite` (``python -m bench.report --only
labelled``) races the same data sets with every peer at settings matched to
fastsom's; this module compares *default* settings.
"""

import argparse
import time

import numpy as np

from bench.scores import score
from bench.workloads import minmax
from fastsom import SOM, tutorial_som
from fastsom.datasets import load_digits, load_iris

SEEDS = (0, 1, 2)


def fastsom_config(**params):
    def train(X, n_rows, n_cols, seed):
        return SOM(n_rows, n_cols, random_state=seed, **params).fit(X).weights_
    return train


def tutorial_config(X, n_rows, n_cols, seed):
    return tutorial_som(n_rows, n_cols, n_iterations=500 * n_rows * n_cols, random_state=seed).fit(X).weights_


def minisom_config(X, n_rows, n_cols, seed):
    from minisom import MiniSom

    som = MiniSom(n_rows, n_cols, X.shape[1], sigma=max(n_rows, n_cols) / 2, learning_rate=0.5, random_seed=seed)
    som.train(X, 500 * n_rows * n_cols, random_order=True)
    return som.get_weights()


def xpysom_config(X, n_rows, n_cols, seed):
    import xpysom

    som = xpysom.XPySom(n_rows, n_cols, X.shape[1], sigma=max(n_rows, n_cols) / 2, learning_rate=0.5,
                        xp=np, random_seed=seed)
    som.train(X.astype(np.float32), 20)
    return som.get_weights()


CONFIGS = {
    "tutorial (lr 0.01, cutoff gaussian, random init)": tutorial_config,
    "fastsom online, defaults": fastsom_config(),
    "fastsom online, init=pca": fastsom_config(init="pca"),
    "fastsom batch, 20 epochs, init=pca": fastsom_config(algorithm="batch", init="pca"),
    "fastsom batch, 20 epochs, random init": fastsom_config(algorithm="batch"),
    "MiniSom train (sigma max/2, lr 0.5, asymptotic)": minisom_config,
    "XPySom CPU batch, 20 epochs": xpysom_config,
}


def run(name, X, y, n_rows, n_cols):
    print(f"\n### {name}: {X.shape[0]} x {X.shape[1]}, {n_rows}x{n_cols} map, mean of seeds {SEEDS}\n")
    print("| configuration | QE | TE | purity | seconds |")
    print("|---|---|---|---|---|")
    for label, train in CONFIGS.items():
        rows = []
        for seed in SEEDS:
            start = time.perf_counter()
            try:
                weights = train(X, n_rows, n_cols, seed)
            except ImportError as error:
                rows = None
                print(f"| {label} | skipped: {error} | | | |")
                break
            seconds = time.perf_counter() - start
            scores = score(weights, X, y)
            rows.append((scores["qe"], scores["te"], scores["purity"], seconds))
        if rows:
            qe, te, purity, seconds = np.mean(rows, axis=0)
            print(f"| {label} | {qe:.4f} | {te:.3f} | {purity:.3f} | {seconds:.2f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    X, y, _, _ = load_iris()
    run("iris", minmax(X), y, 10, 10)
    X, y = load_digits()
    run("digits", minmax(X), y, 20, 20)


if __name__ == "__main__":
    main()
