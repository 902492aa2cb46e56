"""Missing values: what a batch epoch costs when some rows have NaN (issue 13, item 5).

The target: one batch epoch of 70,000 x 784 (MNIST-sized, float32, 20x20
map) with 10% of the rows missing 20% of their features takes at most 1.3x
the epoch on the complete data. Rows with NaN get two GEMMs of their own
(``kernels.accumulate.best_two_gemm_masked``), on top of the chunk's GEMM
that every row is in; complete rows pay nothing else.

``python -m bench.missing --quality`` prints the map-quality figures of
item 5 instead: iris (10x10) and scikit-learn's digits (20x20), scaled to
[0, 1], with 10 / 30 / 50 % of their values removed at random, trained
with ``missing="ignore"`` (batch, 20 epochs, ``init="pca"``), mean of
seeds 0-2: the quantization error on the *true* values against the map
trained on the complete data; how often a row's BMU from its observed
values is its BMU from all of them (same map); and the error of
``impute`` on the removed values against mean imputation and
scikit-learn's ``KNNImputer`` (5 neighbours).

Run ``python -m bench.missing [--rounds N]``: the same map trained for one
epoch from the same codebook (fastsom's PCA start of the complete data) on
the complete data (A) and on the masked copy (B), A and B alternating
after one warm-up each (compilation), timing only the training call; the
report gives each side's median, the median of the per-pair ratios B/A,
and the machine's load average before and after (2 shared cores: say it).
"""

import argparse
import os
import time
import warnings

import numpy as np

from fastsom import topology
from fastsom.options import DISTANCES, NEIGHBORHOODS
from fastsom.training.batch import run_batch

from .workloads import mnist_like, pca_init

N_ROWS = N_COLS = 20


def masked_copy(X, row_share=0.1, feature_share=0.2, seed=0):
    """X with ``row_share`` of its rows missing ``feature_share`` of their features (NaN), at random."""
    rng = np.random.default_rng(seed)
    masked = X.copy()
    rows = rng.choice(X.shape[0], size=int(row_share * X.shape[0]), replace=False)
    n_missing = int(feature_share * X.shape[1])
    for row in rows:
        masked[row, rng.choice(X.shape[1], size=n_missing, replace=False)] = np.nan
    return masked


def one_epoch(X, start, incomplete):
    """Seconds of one batch epoch of X from ``start`` (copied), rows with NaN flagged by ``incomplete``."""
    coords, geometry = topology.make_grid(N_ROWS, N_COLS)
    weights = start.copy()
    t = time.perf_counter()
    run_batch(X, weights, coords, geometry, np.array([2.0]), NEIGHBORHOODS["gaussian"], DISTANCES["euclidean"], 2.0,
              state=np.zeros(1, dtype=np.int64), incomplete=incomplete)
    return time.perf_counter() - t


def _scaled(X):
    return (X - X.min(axis=0)) / np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1.0)


def quality(rates=(0.1, 0.3, 0.5), seeds=(0, 1, 2)):
    """The rows of the map-quality table (see the module docstring)."""
    from sklearn.impute import KNNImputer

    from fastsom import SOM
    from fastsom.datasets import load_digits, load_iris

    rows = []
    for name, X, side in (("iris", load_iris()[0], 10), ("digits", load_digits()[0], 20)):
        X = _scaled(X)
        params = dict(n_rows=side, n_cols=side, algorithm="batch", n_epochs=20, init="pca")
        complete_qe = SOM(**params).fit(X).quantization_error(X)
        for rate in rates:
            figures = []
            for seed in seeds:
                masked = X.copy()
                removed = np.random.default_rng(seed).random(X.shape) < rate
                masked[removed] = np.nan
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # rows with nothing observed are skipped, and said so
                    som = SOM(missing="ignore", random_state=seed, **params).fit(masked)
                matched = som.predict(masked)
                has_bmu = matched >= 0
                agreement = np.mean(matched[has_bmu] == som.predict(X)[has_bmu])
                column_means = np.nanmean(masked, axis=0)
                by_mean = np.where(np.isnan(masked), column_means, masked)
                by_knn = KNNImputer(n_neighbors=5).fit_transform(masked)
                by_som = som.impute(masked)
                ok = removed & ~np.isnan(by_som)  # rows with nothing observed stay NaN
                errors = [np.sqrt(np.mean((filled[ok] - X[ok]) ** 2)) for filled in (by_som, by_mean, by_knn)]
                figures.append([som.quantization_error(X), agreement, *errors])
            rows.append((name, rate, complete_qe, *np.mean(figures, axis=0)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed A/B pairs (default 7)")
    parser.add_argument("--quality", action="store_true", help="the map-quality table instead of the timing")
    args = parser.parse_args(argv)
    if args.quality:
        print("| data | removed | QE, complete map | QE, map with NaN | BMU as complete | RMSE impute | "
              "RMSE mean | RMSE KNNImputer |")
        print("|---|---|---|---|---|---|---|---|")
        for name, rate, complete_qe, qe, agreement, rmse_som, rmse_mean, rmse_knn in quality():
            print(f"| {name} | {rate:.0%} | {complete_qe:.4f} | {qe:.4f} | {agreement:.3f} | {rmse_som:.4f} | "
                  f"{rmse_mean:.4f} | {rmse_knn:.4f} |")
        return
    X = mnist_like()
    masked = masked_copy(X)
    incomplete = np.isnan(masked).any(axis=1).view(np.uint8)
    start = np.ascontiguousarray(pca_init(X, N_ROWS, N_COLS).reshape(N_ROWS * N_COLS, -1))
    load_before = os.getloadavg()
    one_epoch(X, start, None)  # compile, warm BLAS and the caches
    one_epoch(masked, start, incomplete)
    complete_s, masked_s = [], []
    for _ in range(args.rounds):
        complete_s.append(one_epoch(X, start, None))
        masked_s.append(one_epoch(masked, start, incomplete))
    ratios = np.array(masked_s) / np.array(complete_s)
    print(f"70,000 x 784 float32, 20x20 map, one batch epoch; {int(incomplete.sum())} rows with NaN "
          f"({np.isnan(masked).sum()} values); {args.rounds} A/B pairs after a warm-up")
    print(f"complete data : median {np.median(complete_s):.3f} s  (min {min(complete_s):.3f}, max "
          f"{max(complete_s):.3f})")
    print(f"10% rows, 20% : median {np.median(masked_s):.3f} s  (min {min(masked_s):.3f}, max {max(masked_s):.3f})")
    print(f"ratio masked / complete, median of pairs: {np.median(ratios):.2f}x (min {ratios.min():.2f}, max "
          f"{ratios.max():.2f}); target <= 1.3x")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
