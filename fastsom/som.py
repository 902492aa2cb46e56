"""The ``SOM`` estimator: scikit-learn conventions around the fast kernels.

This layer validates, converts, allocates, runs the driver loops of
:mod:`fastsom.training.online` / :mod:`fastsom.training.batch` with progress, callbacks and
interruption, and sets the fitted attributes. Kernels never see unchecked
input.
"""

import numbers
import warnings

import numpy as np

from . import topology
from ._params import ParamsMixin
from ._validation import check_dtype, check_int, check_magnitude, check_memory, check_option, check_positive, check_X
from .analysis import metrics, summaries
from .exceptions import NotFittedError
from .options import ALGORITHMS, DISTANCES, INITS, NEIGHBORHOODS
from .training import init as init_module
from .training import schedules
from .training.monitor import Monitor, StopTraining
from .training.online import new_state, run_online
from .training.plan import make_plan
from .training.progress import ProgressBar
from .tutorial import initial_radius


class SOM(ParamsMixin):
    """A self-organising map, trained online (one sample per step) or in batch.

    **Online** (``algorithm="online"``, the tutorial's): each iteration
    presents one sample, finds its best matching unit (BMU, the unit at the
    smallest ``distance``; ties go to the lowest unit index) and pulls every
    unit towards the sample by ``learning_rate[i] * h(d2, sigma[i])``,
    where ``d2`` is the squared grid distance to the BMU and ``h`` the
    neighbourhood. BMU search and update run fused in one compiled sweep.

    **Batch** (``algorithm="batch"``, Kohonen's batch map): each epoch
    finds the BMU of every sample, then replaces each unit by the
    neighbourhood-weighted mean of all samples, ``W = (H S) / (H n)``
    (S: per-unit sums of the samples it won, n: their counts). There is no
    step size, so ``learning_rate`` and its schedule do not apply; ``sigma``
    decays over ``n_epochs``. Faster per sample and deterministic for a
    given init, it suits large data.

    Parameters
    ----------
    n_rows, n_cols : int, default 10
        Map size; units are numbered row-major, ``u = row * n_cols + col``.
    algorithm : {"online", "batch"}, default "online"
    n_iterations : int or None, default None
        Online: samples presented. None: ``500 * n_rows * n_cols``, Kohonen's
        rule of thumb ("Self-Organizing Maps", 3rd ed., sec. 3.6).
    n_epochs : int, default 20
        Batch: passes over the data.
    learning_rate : float, default 0.5
        Online: learning rate at the first iteration.
    learning_rate_end : float or None, default 0.01
        Value the learning-rate schedule heads for at the end; None means
        the schedule's own convention (see :mod:`fastsom.training.schedules`). The
        defaults, 0.5 -> 0.01, follow Kohonen's advice of a large rate for
        ordering and a small one for fine-tuning; the tutorial's 0.01 ->
        0.01 / e orders larger maps only slowly.
    sigma : float or None, default None
        Neighbourhood radius at the start, in grid units. None:
        ``max(n_rows, n_cols) / 2``, the tutorial's initial radius.
    sigma_end : float or None, default 1.0
        Radius the schedule heads for (the tutorial's radius ends at 1).
    learning_rate_schedule, sigma_schedule : str or callable, default "exponential"
        "exponential" (the tutorial's), "asymptotic" (MiniSom's),
        "inverse_time" or "linear"; or ``f(step, n_steps) -> value``.
    neighborhood : str, default "gaussian"
        One of :data:`fastsom.options.NEIGHBORHOODS`: "gaussian" moves
        every unit (MiniSom's default); "gaussian_cutoff" is the tutorial's,
        moving only units with ``d2 <= sigma**2``; "bubble", "triangle",
        "mexican_hat". All use the grid distance of ``topology``.
    topology : {"rectangular", "hexagonal"}, default "rectangular"
        Hexagonal maps shift odd rows by half a unit and space rows by
        sqrt(3)/2, so each unit has six neighbours at distance 1.
    toroidal : bool, default False
        Wrap both edges (a torus): no unit is on a border. A hexagonal torus
        needs an even ``n_rows``.
    distance : {"euclidean", "cosine", "manhattan", "chebyshev"}, default "euclidean"
        How the BMU is chosen; quantization errors are measured in it too.
    init : {"random", "sample", "pca"} or ndarray, default "random"
        See :mod:`fastsom.training.init`. "random" is the tutorial's uniform [0, 1)
        (scale your data to [0, 1] first, e.g. with ``MinMaxScaler``). An
        array of shape (n_rows, n_cols, n_features) is copied.
    strict : bool, default False
        Online only. True: exact IEEE arithmetic, no fastmath, one thread;
        with the tutorial's settings (:func:`fastsom.tutorial_som`) the map
        equals the pure-Python reference of the tutorial. False: vectorised
        kernel (reassociated sums, fused multiply-add), multi-threaded on
        large maps; rounding differs in the last bits.
    dtype : {"float64", "float32"}, default "float64"
        Precision of the weights and of training (batch sums are float64).
    n_jobs : int or None, default None
        Online: threads sharing each iteration's sweep (-1 = all numba
        threads). None = 1: the online algorithm needs one barrier per
        iteration, which wins 1.7-1.9x on large maps of an idle machine but
        stalls badly when other processes hold the cores. Results are the
        same bit for bit. Batch training always uses numba's threads (its
        parallel work is coarse-grained).
    callbacks : callable or list of callables, optional
        Called after every block of iterations (online, a fraction of a
        second of work) or every epoch (batch) with a dict: ``step``,
        ``n_iter``, ``quantization_error``, ``topographic_error``. The errors
        come free from training's own BMU searches: online, each sample's
        distance to its BMU just before its update; batch, the epoch's BMU
        pass, i.e. the map before that epoch's update.
    early_stopping : bool, default False
        Stop when that quantization error has not improved by more than
        ``tol`` for ``n_iter_no_change`` blocks / epochs in a row.
    tol : float, default 1e-4
    n_iter_no_change : int, default 3
    random_state : None, int or numpy.random.Generator
        Seeds the training plan (initial weights, sample order, sample
        rows for ``init="sample"``; see :func:`fastsom.make_plan`). Same
        seed, same map, bit for bit, on any number of threads.
    verbose : bool, default False
        Show a progress bar with an ETA on standard error.

    Attributes
    ----------
    weights_ : ndarray, shape (n_rows, n_cols, n_features)
        The trained map.
    n_iter_ : int
        Online: iterations run; batch: epochs run. Fewer than planned after
        early stopping or an interrupt; counts across ``partial_fit`` calls.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of X, when X was a DataFrame with string column names.
    history_ : list of dict
        What the callbacks received, in order (online errors are NaN when
        neither callbacks nor early stopping asked for them).

    Notes
    -----
    Interrupting ``fit`` (Ctrl-C) stops it at the end of the current block
    or epoch (a fraction of a second); the estimator keeps the map trained
    so far, consistent and usable, with ``n_iter_`` telling how far it got,
    and the ``KeyboardInterrupt`` then propagates.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsom import SOM
    >>> X = np.random.default_rng(0).random((200, 3))
    >>> som = SOM(6, 6, n_iterations=2000, random_state=0).fit(X)
    >>> som.weights_.shape
    (6, 6, 3)
    >>> labels = som.predict(X)
    >>> labels.shape, int(labels.max()) < 36
    ((200,), True)
    >>> batch = SOM(6, 6, algorithm="batch", n_epochs=10, init="pca").fit(X)
    >>> batch.n_iter_
    10
    """

    def __init__(self, n_rows=10, n_cols=10, *, algorithm="online", n_iterations=None, n_epochs=20,
                 learning_rate=0.5, learning_rate_end=0.01, sigma=None, sigma_end=1.0,
                 learning_rate_schedule="exponential", sigma_schedule="exponential", neighborhood="gaussian",
                 topology="rectangular", toroidal=False, distance="euclidean", init="random", strict=False,
                 dtype="float64", n_jobs=None, callbacks=None, early_stopping=False, tol=1e-4,
                 n_iter_no_change=3, random_state=None, verbose=False):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.algorithm = algorithm
        self.n_iterations = n_iterations
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.learning_rate_end = learning_rate_end
        self.sigma = sigma
        self.sigma_end = sigma_end
        self.learning_rate_schedule = learning_rate_schedule
        self.sigma_schedule = sigma_schedule
        self.neighborhood = neighborhood
        self.topology = topology
        self.toroidal = toroidal
        self.distance = distance
        self.init = init
        self.strict = strict
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.early_stopping = early_stopping
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ settings

    def _resolved(self):
        """Validate every parameter; return the settings training needs."""
        n_rows = check_int("n_rows", self.n_rows, 1)
        n_cols = check_int("n_cols", self.n_cols, 1)
        algorithm = check_option("algorithm", self.algorithm, {name: name for name in ALGORITHMS})
        if algorithm == "online":
            n_steps = (500 * n_rows * n_cols if self.n_iterations is None
                       else check_int("n_iterations", self.n_iterations, 1))
        else:
            n_steps = check_int("n_epochs", self.n_epochs, 1)
        learning_rate = check_positive("learning_rate", self.learning_rate)
        sigma = initial_radius(n_rows, n_cols) if self.sigma is None else check_positive("sigma", self.sigma)
        learning_rate_end = _optional_positive("learning_rate_end", self.learning_rate_end)
        sigma_end = _optional_positive("sigma_end", self.sigma_end)
        kind = check_option("neighborhood", self.neighborhood, NEIGHBORHOODS)
        topology.check_grid(n_rows, n_cols, self.topology, self.toroidal)
        metric = check_option("distance", self.distance, DISTANCES)
        dtype = check_dtype(self.dtype)
        for name in ("strict", "early_stopping", "verbose"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name}={getattr(self, name)!r} must be True or False")
        check_positive("tol", self.tol)
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, numbers.Integral)
                                        or not (self.n_jobs == -1 or self.n_jobs >= 1)):
            raise ValueError(f"n_jobs={self.n_jobs!r} must be None, -1 or an integer >= 1")
        check_int("n_iter_no_change", self.n_iter_no_change, 1)
        if isinstance(self.init, str):
            check_option("init", self.init, {name: name for name in INITS})
        elif not (hasattr(self.init, "__array__") or isinstance(self.init, (list, tuple))):
            raise TypeError(f"init={self.init!r} must be one of {', '.join(map(repr, INITS))} "
                            "or an array")
        if self.random_state is not None and not isinstance(
            self.random_state, (numbers.Integral, np.random.Generator, np.random.SeedSequence)
        ):
            raise TypeError(f"random_state={self.random_state!r} must be None, an int or a numpy.random.Generator")
        if isinstance(self.random_state, numbers.Integral) and self.random_state < 0:
            raise ValueError(f"random_state={self.random_state!r} must be >= 0")
        callbacks = self.callbacks
        callbacks = [] if callbacks is None else [callbacks] if callable(callbacks) else list(callbacks)
        for callback in callbacks:
            if not callable(callback):
                raise TypeError(f"callbacks must be callables; got {callback!r}")
        learning_rate_values = (schedules.evaluate(self.learning_rate_schedule, learning_rate, learning_rate_end,
                                                   n_steps, "learning_rate_schedule")
                                if algorithm == "online" else None)
        return dict(
            n_rows=n_rows, n_cols=n_cols, algorithm=algorithm, n_steps=n_steps, kind=kind, metric=metric,
            dtype=dtype, callbacks=callbacks, learning_rate=learning_rate_values,
            sigma=schedules.evaluate(self.sigma_schedule, sigma, sigma_end, n_steps, "sigma_schedule"),
            max_d2=topology.ADJACENCY[(self.topology, topology.DEFAULT_CONNECTIVITY[self.topology])],
        )

    # -------------------------------------------------------------- data

    def _validate_X(self, X, reset, stacklevel=3):
        """check_X plus scikit-learn's feature-name bookkeeping.

        ``stacklevel`` makes warnings point at the user's line: 3 from a
        public method calling this directly, 4 through ``_check_X_fitted``.
        """
        names = _feature_names(X)
        if reset:
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            fitted = getattr(self, "feature_names_in_", None)
            if fitted is not None and names is not None and not np.array_equal(fitted, names):
                raise ValueError(f"The feature names should match those that were passed during fit: "
                                 f"fitted with {list(fitted)}, got {list(names)}")
            if fitted is not None and names is None:
                warnings.warn(f"X does not have valid feature names, but {type(self).__name__} was fitted with "
                              "feature names", UserWarning, stacklevel=stacklevel)
            if fitted is None and names is not None:
                warnings.warn(f"X has feature names, but {type(self).__name__} was fitted without feature names",
                              UserWarning, stacklevel=stacklevel)
        dtype = self._weights.dtype if not reset else check_dtype(self.dtype)
        n_features = None if reset else self.n_features_in_
        return check_X(X, dtype, n_features=n_features, owner=type(self).__name__)

    def _initial_weights(self, plan, X, n_rows, n_cols, dtype):
        n_features = X.shape[1]
        if isinstance(self.init, str):
            weights = init_module.initial_weights(self.init, plan, X, n_rows, n_cols, self.topology)
        else:
            weights = np.asarray(self.init)
            if weights.shape != (n_rows, n_cols, n_features):
                raise ValueError(
                    f"init has shape {weights.shape}; expected (n_rows, n_cols, n_features) = "
                    f"{(n_rows, n_cols, n_features)}"
                )
            if weights.dtype.kind not in "biuf":
                raise ValueError("init must contain finite numbers only")
        with np.errstate(over="ignore"):  # reported below
            weights = np.array(weights.reshape(n_rows * n_cols, n_features), dtype=dtype, order="C")
        if not np.isfinite(weights).all():
            raise ValueError(f"init must contain finite numbers only (in {np.dtype(dtype).name})")
        check_magnitude("init", weights)
        return weights

    def _start(self, X, settings, n_iterations):
        """Fresh fitted state: weights, grid, counters; returns the training plan."""
        n_rows, n_cols = settings["n_rows"], settings["n_cols"]
        n_samples, n_features = X.shape
        check_memory(n_rows * n_cols, n_features, settings["dtype"])
        rng = np.random.default_rng(self.random_state)
        plan = make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, rng)
        weights = self._initial_weights(plan, X, n_rows, n_cols, settings["dtype"])
        # The fitted state exists (and is consistent) before the first block
        # runs, so an interrupt at any point leaves a usable model.
        self._set_fitted(weights, settings, n_iter=0, rng=rng)
        return plan

    def _set_fitted(self, weights, settings, n_iter, rng):
        """Make this estimator a fitted map with ``weights`` (n_units, n_features), contiguous.

        The one place that defines the fitted state: training, ``fastsom.load``
        and the SOM_PAK import all go through here.
        """
        n_features = weights.shape[1]
        self._weights = weights
        self.weights_ = weights.reshape(settings["n_rows"], settings["n_cols"], n_features)
        self.n_features_in_ = n_features
        self.n_iter_ = n_iter
        self.history_ = []
        self._metric = settings["metric"]
        self._grid = topology.make_grid(settings["n_rows"], settings["n_cols"], self.topology, bool(self.toroidal))
        self._rng = rng

    # ------------------------------------------------------------- training

    def fit(self, X, y=None):
        """Train the map on X from a fresh start.

        Parameters
        ----------
        X : array_like or DataFrame, shape (n_samples, n_features)
            Training data; finite numbers. Not modified.
        y : ignored
            Accepted for scikit-learn pipelines.

        Returns
        -------
        self : SOM
        """
        settings = self._resolved()
        X = self._validate_X(X, reset=True)
        online = settings["algorithm"] == "online"
        plan = self._start(X, settings, settings["n_steps"] if online else 0)
        self._train(X, settings, plan.sample_indices if online else None, first_step=0)
        return self

    def partial_fit(self, X, y=None):
        """Continue training on X without resetting the map or the schedules.

        Online: presents every sample of X once, in a random order, at the
        next steps of the learning-rate and radius schedules. Batch: one
        epoch on X at the next radius. Schedules are laid out over
        ``n_iterations`` / ``n_epochs``; past their end they stay at their
        final value. ``n_iter_`` says where training stands. The first call
        (or a call after changing ``n_rows``/``n_cols``) starts a new map.
        """
        settings = self._resolved()
        fitted = hasattr(self, "weights_") and self.weights_.shape[:2] == (settings["n_rows"], settings["n_cols"])
        X = self._validate_X(X, reset=not fitted)
        if not fitted:
            self._start(X, settings, 0)
        online = settings["algorithm"] == "online"
        samples = self._rng.permutation(X.shape[0]).astype(np.int64) if online else None
        self._train(X, settings, samples, first_step=self.n_iter_, n_epochs=None if online else 1)
        return self

    def _train(self, X, settings, samples, first_step, n_epochs=None):
        """Run the online or batch driver from ``first_step`` of the schedules."""
        online = settings["algorithm"] == "online"
        n_run = len(samples) if online else (settings["n_steps"] if n_epochs is None else n_epochs)
        steps = np.minimum(first_step + np.arange(n_run), settings["n_steps"] - 1)
        sigma = np.ascontiguousarray(settings["sigma"][steps])
        monitor = Monitor(n_run, "it" if online else "epoch", self.verbose, settings["callbacks"],
                          self.early_stopping, self.tol, self.n_iter_no_change, progress=ProgressBar,
                          first_step=len(self.history_))
        common = (self._weights, *self._grid)
        state = new_state() if online else np.zeros(1, dtype=np.int64)  # online: see kernels.online
        try:
            if online:
                def on_block(n_done, errors):
                    self.n_iter_ = first_step + n_done
                    if errors is None:  # nobody asked for them
                        monitor.report(n_done, self.n_iter_, np.nan, np.nan)
                    else:
                        monitor.report(n_done, self.n_iter_, errors[0] / max(errors[2], 1),
                                       errors[1] / max(errors[2], 1))

                learning_rate = np.ascontiguousarray(settings["learning_rate"][steps])
                # Running errors only when someone reads them: tracking the
                # second-best unit costs 20% on small maps.
                wanted = bool(settings["callbacks"]) or self.early_stopping
                run_online(X, *common, samples, learning_rate, sigma, settings["kind"], settings["metric"],
                           settings["max_d2"] if wanted else None, strict=bool(self.strict), state=state,
                           n_jobs=self.n_jobs, on_block=on_block)
            else:
                from .training.batch import run_batch

                def on_epoch(epoch, quantization_error, topographic_error):
                    self.n_iter_ = first_step + epoch + 1
                    monitor.report(epoch + 1, self.n_iter_, quantization_error, topographic_error)

                run_batch(X, *common, sigma, settings["kind"], settings["metric"], settings["max_d2"],
                          state=state, on_epoch=on_epoch)
        except StopTraining:
            pass
        finally:
            self.n_iter_ = first_step + int(state[0])
            self.history_ = self.history_ + monitor.history
            monitor.close()

    def save(self, path):
        """Write the fitted map to ``path`` (an ``.npz`` file, no pickle); read it back with :func:`fastsom.load`."""
        from .io.model import save

        return save(self, path)

    def fit_predict(self, X, y=None):
        """Fit, then return the BMU of every sample of X under the trained map."""
        return self.fit(X).predict(X)

    def fit_transform(self, X, y=None):
        """Fit, then return the distance of every sample of X to every unit."""
        return self.fit(X).transform(X)

    # -------------------------------------------------------------- predict

    def _check_fitted(self):
        if not hasattr(self, "weights_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X) first")

    def _check_X_fitted(self, X):
        self._check_fitted()
        return self._validate_X(X, reset=False, stacklevel=4)

    def predict(self, X):
        """Best matching unit of each sample.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        bmu : ndarray, shape (n_samples,), int64
            Unit index ``row * n_cols + col``; ties go to the lowest index.
            ``np.divmod(bmu, n_cols)`` gives (row, col).
        """
        X = self._check_X_fitted(X)
        return metrics.best_two_units(X, self._weights, self._metric)[0]

    def transform(self, X):
        """Distance of each sample to every unit, in the map's ``distance`` metric.

        Returns
        -------
        distances : ndarray, shape (n_samples, n_rows * n_cols), float64
        """
        X = self._check_X_fitted(X)
        return metrics.distances(X, self._weights, self._metric)

    def quantization_error(self, X):
        """Mean distance between each sample and its BMU's weights, in the ``distance`` metric."""
        X = self._check_X_fitted(X)
        return metrics.quantization_error(X, self._weights, self._metric)

    def score(self, X, y=None):
        """Minus the quantization error (higher is better, as scikit-learn's scorers expect)."""
        return -self.quantization_error(X)

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
        max_d2 = self._adjacency(connectivity)[1]
        X = self._check_X_fitted(X)
        return metrics.topographic_error(X, self._weights, *self._grid, max_d2, self._metric)

    def _adjacency(self, connectivity):
        """(connectivity, largest squared grid distance of a neighbour), validated."""
        self._check_fitted()
        if connectivity is None:
            connectivity = topology.DEFAULT_CONNECTIVITY[self.topology]
        max_d2 = check_option("connectivity", connectivity, {c: d2 for (t, c), d2 in topology.ADJACENCY.items()
                                                             if t == self.topology})
        return connectivity, max_d2

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
        if sigma is None:
            sigma = self._resolved()["sigma"][-1]
        sigma = check_positive("sigma", sigma)
        kind = check_option("neighborhood", self.neighborhood if neighborhood is None else neighborhood,
                            NEIGHBORHOODS)
        X = self._check_X_fitted(X)
        return metrics.distortion(X, self._weights, *self._grid, sigma, kind, self._metric)

    def topographic_product(self):
        """Bauer and Pawelzik's topographic product of the map (no data needed).

        0 when every unit's neighbours in weight space are, in the same
        order, its neighbours on the grid; negative when the map is folded
        or too small for the data, positive when it is too large. See
        :func:`fastsom.analysis.metrics.topographic_product`.
        """
        self._check_fitted()
        return metrics.topographic_product(self._weights, *self._grid, self._metric)

    # ----------------------------------------------------------- summaries

    def umatrix(self, connectivity=None):
        """Mean distance from each unit's weights to its grid neighbours', (n_rows, n_cols).

        ``connectivity`` as in :meth:`topographic_error`. High values mark
        cluster borders.
        """
        connectivity = self._adjacency(connectivity)[0]
        n_rows, n_cols = self.weights_.shape[:2]
        return summaries.umatrix(self._weights, n_rows, n_cols, self.topology, bool(self.toroidal), self._metric,
                                 connectivity)

    def hit_counts(self, X):
        """Number of samples of X each unit wins, (n_rows, n_cols) int64."""
        return summaries.hit_counts(self.predict(X), *self.weights_.shape[:2])

    def win_map(self, X):
        """Indices of the samples of X each unit wins: ``{(row, col): int64 array}``, hit units only."""
        return summaries.win_map(self.predict(X), self.weights_.shape[1])

    def labels_map(self, X, y):
        """Which labels of ``y`` land on which unit.

        Returns
        -------
        LabelCounts
            ``classes`` (sorted distinct labels) and ``counts`` (n_rows,
            n_cols, n_classes); ``.majority()`` gives each unit's most
            common class index (-1 where no sample lands).
        """
        bmu = self.predict(X)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(bmu):
            raise ValueError(f"y must be 1-D with one label per sample ({len(bmu)}); got shape {y.shape}")
        return summaries.label_counts(bmu, y, *self.weights_.shape[:2])

    def component_planes(self):
        """Each feature's weight across the map, (n_features, n_rows, n_cols), a copy."""
        self._check_fitted()
        return summaries.component_planes(self.weights_)


def _optional_positive(name, value):
    return None if value is None else check_positive(name, value)


def _feature_names(X):
    """X's column names when it is a DataFrame with all-string column names, else None."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(list(columns), dtype=object)
    if len(names) and all(isinstance(name, str) for name in names):
        return names
    return None
