"""Supervised maps against SuSi and k-nearest neighbours: the README's "Predicting with a map" tables (issue 13).

Run ``python -m bench.classify [--folds 5] [--picture docs/classes.png]``
(SuSi: ``pip install susi``, in the ``bench`` extra). For iris and digits
(classification, accuracy) and diabetes (regression, R^2), all three
shipped with scikit-learn (no download), it prints each contender's
cross-validated score (mean and standard deviation over the folds), and the
median fit and predict times per fold:

* fastsom ``SOMClassifier`` / ``SOMRegressor``, ``supervision="joint"`` and
  ``"post_hoc"``: batch, 20 epochs, ``init="pca"``, ``n_jobs=1``; 10x10
  (iris, diabetes) or 20x20 (digits) -- the map sizes of the README's
  missing-value table, not tuned here -- and ``n_rows=n_cols="auto"`` (the
  SOM Toolbox's size rule, about 5 sqrt(n_samples) units);
* SuSi's ``SOMClassifier`` / ``SOMRegressor`` as a user first runs it
  (its defaults: 10x10, 1000 online iterations per stage), and on the same
  map as fastsom's with batch training, 20 epochs per stage (like for like);
* the same joint map tuned by ``GridSearchCV`` (3-fold, inside each training
  fold, timed with the fit) over ``label_weight`` in (0.1, 0.3, 1, 3) and
  ``sigma_end`` in (0.5, 1, 2): what the speed buys;
* scikit-learn's ``KNeighborsClassifier`` / ``KNeighborsRegressor`` (5 neighbours).

Every contender is a pipeline ``MinMaxScaler() -> model`` (the scaler fits
on the training folds only). Folds: stratified (classification) or plain
k-fold, shuffled with seed 0; every contender sees the same folds. Each
fastsom model is fitted once before timing (numba compiles on first use);
within a fold the contenders run in an order rotated by one from the
previous fold, so drift in the machine's load favours none. Times are wall
clock on a shared machine: the load average is printed before and after.
Every contender runs on one thread (fastsom ``n_jobs=1``, BLAS and OpenMP
limited to 1 with threadpoolctl): on 2 cores shared with other jobs, a
multi-threaded OpenBLAS spins waiting for its threads, and the 400 x 64 GEMM
of a digits query took 0.19 s instead of 1.1 ms (load average 8).
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from threadpoolctl import threadpool_limits

from fastsom import SOMClassifier, SOMRegressor

#: Map side per data set (the README's missing-value table uses the same).
SIDES = {"iris": 10, "digits": 20, "diabetes": 10}
EPOCHS = 20


#: The grid of the tuned contender (3-fold inside each training fold).
TUNING = {"label_weight": [0.1, 0.3, 1.0, 3.0], "sigma_end": [0.5, 1.0, 2.0]}


def contenders(task, side, with_susi=True, n_jobs=1, tune=True):
    """(name, unfitted pipeline) of every contender for ``task`` ("classify" or "regress") on a side x side map."""
    classify = task == "classify"
    som_class, knn = (SOMClassifier, KNeighborsClassifier) if classify else (SOMRegressor, KNeighborsRegressor)
    som = dict(algorithm="batch", n_epochs=EPOCHS, init="pca", random_state=0, n_jobs=n_jobs)
    models = [
        (f"fastsom joint ({side}x{side}, batch)", som_class(side, side, supervision="joint", **som)),
        (f"fastsom post_hoc ({side}x{side}, batch)", som_class(side, side, supervision="post_hoc", **som)),
        ("fastsom joint (auto size, batch)", som_class("auto", "auto", supervision="joint", **som)),
        ("fastsom post_hoc (auto size, batch)", som_class("auto", "auto", supervision="post_hoc", **som)),
    ]
    if tune:  # what fastsom's speed buys: the search runs inside each training fold, and is timed with the fit
        step = som_class.__name__.lower()  # make_pipeline's name for the step
        search = GridSearchCV(make_pipeline(MinMaxScaler(), som_class(side, side, **som)),
                              {f"{step}__{name}": values for name, values in TUNING.items()}, cv=3)
        models.append((f"fastsom joint ({side}x{side}, batch), tuned: GridSearchCV of 12", search))
    if with_susi:
        import susi

        susi_class = susi.SOMClassifier if task == "classify" else susi.SOMRegressor
        models += [
            ("SuSi, its defaults (10x10, online)", susi_class(random_state=0)),
            (f"SuSi ({side}x{side}, batch)", susi_class(
                n_rows=side, n_columns=side, train_mode_unsupervised="batch", train_mode_supervised="batch",
                n_iter_unsupervised=EPOCHS, n_iter_supervised=EPOCHS, random_state=0)),
        ]
    models.append(("k-nearest neighbours (5)", knn(n_neighbors=5)))
    return [(name, model if isinstance(model, GridSearchCV) else make_pipeline(MinMaxScaler(), model))
            for name, model in models]


def load(name):
    loader = {"iris": load_iris, "digits": load_digits, "diabetes": load_diabetes}[name]
    X, y = loader(return_X_y=True)
    return X.astype(np.float64), y


def cross_validate(name, task, n_folds, with_susi, n_jobs):
    """{contender: (scores, fit seconds, predict seconds)} over the folds of data set ``name``."""
    X, y = load(name)
    splitter = (StratifiedKFold if task == "classify" else KFold)(n_splits=n_folds, shuffle=True, random_state=0)
    folds = list(splitter.split(X, y))
    models = contenders(task, SIDES[name], with_susi, n_jobs)
    train, _ = folds[0]
    for label, model in models:  # compile (fastsom) and import-time costs, outside the timings
        if label.startswith("fastsom"):
            clone(model).fit(X[train], y[train])
    results = {label: ([], [], []) for label, _ in models}
    for index, (train, test) in enumerate(folds):
        shift = index % len(models)
        for label, model in models[shift:] + models[:shift]:
            model = clone(model)
            start = time.perf_counter()
            model.fit(X[train], y[train])
            fitted = time.perf_counter()
            predicted = model.predict(X[test])
            done = time.perf_counter()
            if task == "classify":
                score = float(np.mean(predicted == y[test]))
            else:
                residual = np.sum((y[test] - predicted) ** 2)
                score = float(1.0 - residual / np.sum((y[test] - y[test].mean()) ** 2))
            scores, fit_times, predict_times = results[label]
            scores.append(score)
            fit_times.append(fitted - start)
            predict_times.append(done - fitted)
    return results


def table(name, task, results):
    """The markdown table of one data set."""
    metric = "accuracy" if task == "classify" else "R^2"
    lines = [f"| {name} | {metric} (mean +- sd) | fit, s (median) | predict, s (median) |", "|---|---|---|---|"]
    for label, (scores, fit_times, predict_times) in results.items():
        lines.append(f"| {label} | {np.mean(scores):.3f} +- {np.std(scores):.3f} | {np.median(fit_times):.3f} | "
                     f"{np.median(predict_times):.4f} |")
    return "\n".join(lines)


def picture(path):
    """The class map of digits (joint, hexagonal 20x20) for the README."""
    from fastsom.analysis import plot

    X, y = load("digits")
    model = SOMClassifier(20, 20, topology="hexagonal", algorithm="batch", n_epochs=EPOCHS, init="pca",
                          random_state=0).fit(MinMaxScaler().fit_transform(X), y)
    figure, ax = plot.pyplot().subplots(figsize=(6.5, 5.5))
    plot.plot_classes(model, ax=ax, title="Digits: each unit's class (paler: less sure)")
    plot.save_png(figure, path)
    print(f"wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-susi", action="store_true", help="leave SuSi out (not installed)")
    parser.add_argument("--picture", help="also write the class map of digits to this PNG")
    parser.add_argument("--only", choices=list(SIDES), action="append", help="data sets to run (default all)")
    parser.add_argument("--n-jobs", type=int, default=1, help="fastsom's n_jobs (default 1: SuSi and kNN run on "
                        "one thread, and numba's parallel regions stall on a machine shared with other jobs)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    print(f"load average before: {os.getloadavg()}", flush=True)
    for name in args.only or list(SIDES):
        task = "regress" if name == "diabetes" else "classify"
        with threadpool_limits(1):
            results = cross_validate(name, task, args.folds, not args.no_susi, args.n_jobs)
        print(table(name, task, results), "\n", flush=True)
    print(f"load average after: {os.getloadavg()}")
    if args.picture:
        picture(args.picture)


if __name__ == "__main__":
    main()
