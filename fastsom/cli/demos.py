"""The tutorial's three use cases, end to end (``fastsom demo colours|iris|digits``).

Each demo trains a map with the tutorial's algorithm (:func:`fastsom.tutorial_som`:
its gaussian cut at the radius, its schedules), draws the tutorial's picture
and returns the map and its measures (a dict):

* ``colours``: 100 random colours on a 5x5 map, drawn as the map's colours;
* ``iris``: the 150 flowers (shipped with fastsom), each feature scaled to
  [0, 1] as the tutorial's ``normalise_by_column``, on a 10x10 map, each
  flower a point on its unit, coloured by species;
* ``digits``: handwritten digits on a 20x20 map, coloured by digit:
  scikit-learn's 1,797 8x8 digits, or the real 70,000 28x28 MNIST digits
  from files you have (:func:`fastsom.datasets.load_mnist`).
"""

import numpy as np

from ..analysis import metrics, plot
from ..datasets import load_digits, load_iris, load_mnist, make_colours
from ..tutorial import tutorial_som


def _measures(som, X, y=None):
    found = {"quantization error": som.quantization_error(X)}
    if som.settings_.n_units > 1:  # no second unit, no topographic error
        found["topographic error"] = som.topographic_error(X)
    if y is not None:
        found["BMU purity"] = metrics.bmu_purity(som.predict(X), y)
    return found


def colours(output, n_rows=5, n_cols=5, n_iterations=2000, n_samples=100, seed=0):
    """The tutorial's colour map; returns (som, measures)."""
    plot.pyplot()  # no matplotlib: say so before training, not after
    X = make_colours(n_samples, random_state=seed)
    som = tutorial_som(n_rows, n_cols, n_iterations=n_iterations, random_state=seed).fit(X)
    plot.save_png(plot.plot_colours(som, title=f"{n_rows}x{n_cols} colour map, {n_iterations} iterations").figure,
                  output)
    return som, _measures(som, X)


def iris(output, n_iterations=20_000, seed=0):
    """150 irises on a 10x10 map, coloured by species; returns (som, measures with BMU purity)."""
    plot.pyplot()
    X, y, names, _ = load_iris()
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    som = tutorial_som(10, 10, n_iterations=n_iterations, random_state=seed).fit(X)
    plot.save_png(plot.plot_samples(som, X, y, label_names=names, random_state=seed,
                                    title=f"150 irises on a 10x10 map, {n_iterations} iterations").figure, output)
    return som, _measures(som, X, y)


def digits(output, data=None, n_iterations=40_000, max_points=10_000, seed=0):
    """Handwritten digits on a 20x20 map, coloured by digit; returns (som, measures with BMU purity).

    ``data``: a path for :func:`fastsom.datasets.load_mnist` (real MNIST);
    default scikit-learn's 8x8 digits. The picture shows at most
    ``max_points`` digits (a seeded random subset), the measures use all.
    """
    plot.pyplot()
    if data is None:
        X, y = load_digits()
        X /= 16.0
        what = f"{len(X)} 8x8 digits"
    else:
        X, y = load_mnist(data)
        what = f"{len(X):,} MNIST digits"
    som = tutorial_som(20, 20, n_iterations=n_iterations, random_state=seed,
                       dtype="float32" if X.dtype == np.float32 else "float64").fit(X)
    shown = np.arange(len(X))
    if len(X) > max_points:
        shown = np.sort(np.random.default_rng(seed).choice(len(X), max_points, replace=False))
        what += f" ({max_points:,} shown)"
    plot.save_png(plot.plot_samples(som, X[shown], y[shown], random_state=seed, markersize=6,
                                    title=f"{what} on a 20x20 map, {n_iterations} iterations").figure, output)
    return som, _measures(som, X, y)


DEMOS = {"colours": colours, "iris": iris, "digits": digits}
