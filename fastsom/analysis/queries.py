"""What a fitted map answers: BMUs, distances, quality measures and summaries.

:class:`MapQueries` is the estimator's query half, kept apart from training
(:mod:`fastsom.som`). It reads only what ``fit`` froze: ``settings_`` (grid,
metric, neighbourhood) and the weights buffer ``_weights`` (n_units,
n_features); the host class provides ``_check_fitted``,
``_check_X_fitted`` (validation of X against the fitted map) and
``_on_chunks`` (the same queries over dask data, :mod:`fastsom.chunked`). One
exception: the threads a query's kernels may use follow the estimator's
*current* ``n_jobs``, a resource rather than part of the fitted map, so
``set_params(n_jobs=1)`` takes effect without refitting.
"""

import numbers

import numpy as np

from .. import _threads
from .._validation import check_option, check_positive, is_chunked
from ..exceptions import NotFittedError
from ..options import NEIGHBORHOODS
from . import metrics, regions, summaries


class MapQueries:
    """Queries of a fitted map; mixed into :class:`fastsom.SOM`."""

    def _masks(self):
        """The fitted map's feature weights and missing-value rule, as the metrics take them (keywords)."""
        return {"feature_weights": self.settings_.feature_weights, "missing": self.settings_.ignores_missing}

    @_threads.within_n_jobs
    def predict(self, X, return_distance=False):
        """Best matching unit of each sample.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        return_distance : bool, default False
            Also return each sample's distance to its BMU (in the map's
            ``distance``), without :meth:`transform`'s n_samples x n_units array.

        Returns
        -------
        bmu : ndarray, shape (n_samples,), int64
            Unit index ``row * n_cols + col``; ties go to the lowest index.
            ``np.divmod(bmu, n_cols)`` gives (row, col). -1 for a row with
            nothing observed (``missing="ignore"``; its distance is nan).
        distance : ndarray, shape (n_samples,), float64
            Only with ``return_distance=True``.
        """
        if is_chunked(X):  # dask arrays of the same shapes, computed lazily
            return self._on_chunks(X).predict(return_distance)
        X = self._check_X_fitted(X)
        bmu, rank_distance = metrics.best_two_units(X, self._weights, self.settings_.metric, **self._masks())[:2]
        return (bmu, metrics.to_metric(self.settings_.metric, rank_distance)) if return_distance else bmu

    @_threads.within_n_jobs
    def transform(self, X, dtype=None):
        """Distance of each sample to every unit, in the map's ``distance`` metric.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        dtype : {None, "float32", "float64"}
            Of the result; None: the map's ``dtype``.

        Returns
        -------
        distances : ndarray, shape (n_samples, n_rows * n_cols)
            4 or 8 bytes per sample and unit (200,000 samples on a 30x30
            float64 map: 1.4 GB; float32: 0.72 GB), computed in place with
            no second table. For each sample's BMU and its distance alone,
            ``predict(X, return_distance=True)`` needs no such table. For a
            dask ``X``, a dask array of the same row chunks: never one table.
        """
        if is_chunked(X):
            return self._on_chunks(X).transform(dtype)
        X = self._check_X_fitted(X)
        return metrics.distances(X, self._weights, self.settings_.metric, dtype, **self._masks())

    @_threads.within_n_jobs
    def quantization_error(self, X):
        """Mean distance between each sample and its BMU's weights, in the ``distance`` metric."""
        if is_chunked(X):
            return self._on_chunks(X).mean(metrics.quantization_error, self.settings_.metric)
        X = self._check_X_fitted(X)
        return metrics.quantization_error(X, self._weights, self.settings_.metric, **self._masks())

    def score(self, X, y=None):
        """Minus the quantization error (higher is better, as scikit-learn's scorers expect)."""
        return -self.quantization_error(X)

    @_threads.within_n_jobs
    def topographic_error(self, X, connectivity=None):
        """Share of samples whose best and second-best units are not grid neighbours.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        connectivity : {None, 4, 8, 6}
            Which units count as neighbours. Rectangular maps: 8 (default) =
            the units sharing an edge or a corner (squared grid distance <=
            2, as MiniSom counts), 4 = sharing an edge (distance 1).
            Hexagonal maps: 6 (default and only choice), the six units at
            distance 1. Toroidal maps count neighbours across the seams.

        Returns
        -------
        float in [0, 1]
        """
        self._check_fitted()
        max_d2 = self.settings_.adjacency(connectivity)[1]
        if is_chunked(X):
            return self._on_chunks(X).mean(metrics.topographic_error, *self.settings_.grid, max_d2,
                                           self.settings_.metric)
        X = self._check_X_fitted(X)
        return metrics.topographic_error(X, self._weights, *self.settings_.grid, max_d2, self.settings_.metric,
                                         **self._masks())

    @_threads.within_n_jobs
    def distortion(self, X, sigma=None, neighborhood=None):
        """The SOM's energy: mean over samples of sum_u h(bmu, u) * d(x, w_u)^2.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        sigma : float, optional
            Neighbourhood width; default the width training ended with
            (the last value of the sigma schedule).
        neighborhood : str, optional
            Default the map's ``neighborhood``.

        Returns
        -------
        float
            Lower is better at a given sigma; compare maps at equal sigma.
        """
        self._check_fitted()
        settings = self.settings_
        sigma = check_positive("sigma", settings.final_sigma if sigma is None else sigma)
        kind = check_option("neighborhood", settings.neighborhood if neighborhood is None else neighborhood,
                            NEIGHBORHOODS)
        if is_chunked(X):
            return self._on_chunks(X).mean(metrics.distortion, *settings.grid, sigma, kind, settings.metric)
        X = self._check_X_fitted(X)
        return metrics.distortion(X, self._weights, *settings.grid, sigma, kind, settings.metric, **self._masks())

    @_threads.within_n_jobs
    def topographic_product(self):
        """Bauer and Pawelzik's topographic product of the map (no data needed).

        0 when every unit's neighbours in weight space are, in the same
        order, its neighbours on the grid; negative when the map is folded
        or too small for the data, positive when it is too large. See
        :func:`fastsom.analysis.metrics.topographic_product`.
        """
        self._check_fitted()
        return metrics.topographic_product(self._weights, *self.settings_.grid, self.settings_.metric,
                                           self.settings_.feature_weights)

    # ----------------------------------------------------------- summaries

    @_threads.within_n_jobs
    def umatrix(self, connectivity=None):
        """Mean distance from each unit's weights to its grid neighbours', (n_rows, n_cols).

        ``connectivity`` as in :meth:`topographic_error`. High values mark
        cluster borders.
        """
        self._check_fitted()
        settings = self.settings_
        return summaries.umatrix(self._weights, settings.n_rows, settings.n_cols, settings.topology,
                                 settings.toroidal, settings.metric, settings.adjacency(connectivity)[0],
                                 settings.feature_weights)

    def hit_counts(self, X):
        """Number of samples of X each unit wins, (n_rows, n_cols) int64."""
        if is_chunked(X):
            return self._on_chunks(X).hit_counts()
        return summaries.hit_counts(self.predict(X), self.settings_.n_rows, self.settings_.n_cols)

    def win_map(self, X):
        """Indices of the samples of X each unit wins: ``{(row, col): int64 array}``, hit units only."""
        if is_chunked(X):
            raise TypeError("win_map holds every sample's index, which a dask X is too big for; use "
                            "predict(X) (a dask array of BMUs) and select from it, or win_map(X.compute())")
        return summaries.win_map(self.predict(X), self.settings_.n_cols)

    def labels_map(self, X, y):
        """Which labels of ``y`` land on which unit.

        Returns
        -------
        LabelCounts
            ``classes`` (sorted distinct labels) and ``counts`` (n_rows,
            n_cols, n_classes); ``.majority()`` gives each unit's most
            common class index (-1 where no sample lands).
        """
        if is_chunked(X):
            return self._on_chunks(X).labels_map(y)
        bmu = self.predict(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(bmu):
            raise ValueError(f"y must be 1-D with one label per sample ({len(bmu)}); got shape {y.shape}")
        try:
            return summaries.label_counts(bmu, y, self.settings_.n_rows, self.settings_.n_cols)
        except TypeError as error:  # np.unique sorts the labels: None among strings, ...
            raise TypeError(f"y must hold labels of one sortable kind (numbers or strings): {error}") from None

    def cluster(self, n_clusters=None, method="ward", X=None, random_state=0):
        """Group the units into regions; returns and stores ``clusters_``, (n_rows, n_cols) int64.

        Parameters
        ----------
        n_clusters : int >= 2, or None
            None: the k in 2 .. floor(sqrt(n_units)) with the lowest
            Davies-Bouldin index; every k's score is kept in
            ``cluster_scores_`` ({k: index}, lower is better).
        method : {"ward", "kmeans"}
            ``ward``: Ward's clustering merging only touching regions, so
            each region is contiguous on the grid (also across a torus's
            seams); ``kmeans``: scikit-learn's KMeans on the prototypes,
            regions need not be contiguous. See :mod:`fastsom.analysis.regions`.
        X : array_like, optional
            Data whose hit counts weigh the units (units that won nothing
            weigh almost nothing).
        random_state : int
            Seeds KMeans.

        Needs scikit-learn (``pip install 'fastsom[cluster]'``).
        """
        self._check_fitted()
        settings = self.settings_
        method_names = regions.METHODS
        if method not in method_names:
            raise ValueError(f"method={method!r} is not one of {', '.join(map(repr, method_names))}")
        hits = None if X is None else self.hit_counts(X).ravel()
        if n_clusters is not None:
            limit, what = settings.n_units, "units"
            if hits is not None and method == "kmeans":
                limit, what = int(np.count_nonzero(hits)), "units that X hits"
            if (isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral)
                    or not 2 <= n_clusters <= limit):
                raise ValueError(f"n_clusters={n_clusters!r} must be an integer from 2 to the number of {what} "
                                 f"({limit}), or None to choose it")
            n_clusters = int(n_clusters)
        labels, scores = regions.cluster_units(self._weights, settings.n_rows, settings.n_cols, settings.topology,
                                               settings.toroidal, n_clusters, method, hits, random_state)
        self.clusters_ = labels.reshape(settings.n_rows, settings.n_cols)
        self.cluster_scores_ = scores
        return self.clusters_

    def predict_cluster(self, X):
        """Each sample's region: ``clusters_`` at its BMU, (n_samples,) int64. Call :meth:`cluster` first.

        A row with nothing observed (``missing="ignore"``) has no BMU and no region: -1.
        """
        self._check_fitted()
        if "clusters_" not in vars(self):
            raise NotFittedError(f"This {type(self).__name__} has no regions yet; call cluster() first")
        bmu = self.predict(X)
        return np.where(bmu >= 0, self.clusters_.ravel()[bmu], -1)

    def component_planes(self):
        """Each feature's weight across the map, (n_features, n_rows, n_cols), a copy."""
        return summaries.component_planes(self.weights_)
