"""The ``SOM`` estimator: scikit-learn conventions around the fast kernels.

This layer validates, converts, allocates, runs the driver loops of
:mod:`fastsom.training.online` / :mod:`fastsom.training.batch` with
progress, callbacks and interruption, and sets the fitted attributes.
Kernels never see unchecked input. Parameters are resolved by
:func:`fastsom.settings.resolve` in ``fit`` and frozen in ``settings_``;
everything after ``fit`` reads that.
"""

import os

import numpy as np

from . import _threads
from ._params import ParamsMixin
from ._validation import check_feature_names, check_int, check_magnitude, check_memory, check_X, is_chunked
from .analysis import metrics
from .analysis.queries import MapQueries
from .exceptions import NotFittedError, TrainingDiverged
from .io import checkpoint as checkpoints
from .io import model as model_file
from .missing import inspect_rows, without_empty_rows
from .settings import resolve
from .sizing import suggest_shape, suggest_units
from .training import init as init_module
from .training.batch import run_batch, run_epochs
from .training.monitor import FiniteGuard, Monitor, StopTraining, is_finite
from .training.online import new_state, run_online
from .training.phases import NO_PHASES
from .training.plan import SampleOrder, start_plan
from .training.progress import ProgressBar


class SOM(MapQueries, ParamsMixin):
    """A self-organising map, trained online (one sample per step) or in batch.

    **Online** (``algorithm="online"``, the tutorial's): each iteration
    presents one sample, finds its best matching unit (BMU, the unit at the
    smallest ``distance``; ties go to the lowest unit index) and pulls every
    unit towards the sample by ``learning_rate[i] * h(d2, sigma[i])``,
    where ``d2`` is the squared grid distance to the BMU and ``h`` the
    neighbourhood. BMU search and update run fused in one compiled sweep.

    Parameters are read by ``fit`` and ``partial_fit`` only (scikit-learn's
    rule); what they resolved is kept, frozen, in ``settings_``.

    **Batch** (``algorithm="batch"``, Kohonen's batch map): each epoch
    finds the BMU of every sample, then replaces each unit by the
    neighbourhood-weighted mean of all samples, ``W = (H S) / (H n)``
    (S: per-unit sums of the samples it won, n: their counts). There is no
    step size, so ``learning_rate`` and its schedule do not apply; ``sigma``
    decays over ``n_epochs``. Faster per sample and deterministic for a
    given init, it suits large data.

    Parameters
    ----------
    n_rows, n_cols : int or "auto", default 10
        Map size; units are numbered row-major, ``u = row * n_cols + col``.
        ``"auto"``: chosen from the training data by the SOM Toolbox's rules
        (:func:`fastsom.suggest_shape`; one side given, the other makes up
        the suggested number of units); ``settings_`` holds the sizes used.
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
    feature_weights : array of shape (n_features,) or None, default None
        A weight >= 0 per feature (not all 0) in every distance: the BMU
        search, ``transform``, the quantization and topographic errors,
        distortion, U-matrix and topographic product weigh each feature's
        term (euclidean: ``sum_d w_d (x_d - m_d)^2``; see
        :mod:`fastsom.missing`). Training still moves every feature, so a
        weight of 0 means "trained, but not matched on". None or all ones:
        no weighting.
    missing : {"error", "ignore"}, default "error"
        What NaN in X means. "error" refuses it. "ignore": a missing value.
        Rows are matched on their observed features; online updates move
        only those; batch updates divide each feature by its own count of
        observed values (unbiased, unlike a per-unit count). Reported
        distances (``transform``, ``predict(return_distance=True)``,
        quantization error) of euclidean and manhattan maps are rescaled by
        total weight / observed weight. A row with nothing observed is
        skipped in training (with a warning) and gets BMU -1 and distance
        nan. ``init="sample"`` draws complete rows, ``init="pca"`` uses the
        pairwise-complete covariance.
    max_missing : float in [0, 1], default 1.0
        With ``missing="ignore"``: refuse (naming it) any row of fit or
        query data with a larger share of missing values. 1.0 refuses none.
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
        Caps the threads of every kernel this estimator runs, in training
        and in queries (read at each call). ``1``: one thread, and numba's
        threads are never started; ``-1``: all of numba's threads. ``None``:
        batch training and queries use numba's thread count
        (``NUMBA_NUM_THREADS`` or ``numba.set_num_threads``), online training
        one thread -- its parallel sweep needs one barrier per iteration,
        which wins 1.7-1.9x on large maps of an idle machine but stalls
        badly when other processes hold the cores. Results are the same bit
        for bit on any number of threads. Forked children and threads are
        safe; see :mod:`fastsom._threads` for the policy.
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
        seed, same map, bit for bit, on any number of numba threads. Batch
        training finds BMUs with a BLAS matrix product whose last bits can
        change with BLAS's own thread count; a sample that close to a tie
        between two units may then change BMU, and the map differs from
        there (seen in float32 with many features). For the same bits on
        any machine, fix BLAS's threads too
        (``threadpoolctl.threadpool_limits(1, "blas")`` or
        ``OPENBLAS_NUM_THREADS=1``).
    verbose : bool, default False
        Show a progress bar with an ETA on standard error.

    Attributes
    ----------
    weights_ : ndarray, shape (n_rows, n_cols, n_features)
        The trained map: a view of the buffer training, queries and ``save``
        all use. Edit it in place if you must; it cannot be replaced.
    settings_ : fastsom.settings.Settings
        The parameters as ``fit`` resolved them (frozen). Queries, ``save``
        and plots read these: ``set_params`` after ``fit`` affects only the
        next fit.
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

    #: Where ``fit`` reports the time of its blocks; :func:`fastsom.profile`
    #: sets a :class:`fastsom.training.phases.PhaseTimer` on its own estimator.
    _phases = NO_PHASES

    def __init__(self, n_rows=10, n_cols=10, *, algorithm="online", n_iterations=None, n_epochs=20,
                 learning_rate=0.5, learning_rate_end=0.01, sigma=None, sigma_end=1.0,
                 learning_rate_schedule="exponential", sigma_schedule="exponential", neighborhood="gaussian",
                 topology="rectangular", toroidal=False, distance="euclidean", feature_weights=None,
                 missing="error", max_missing=1.0, init="random", strict=False,
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
        self.feature_weights = feature_weights
        self.missing = missing
        self.max_missing = max_missing
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

    # ------------------------------------------------------------- fitted state

    @property
    def weights_(self):
        self._check_fitted()
        return self._weights.reshape(self.settings_.n_rows, self.settings_.n_cols, self.n_features_in_)

    @weights_.setter
    def weights_(self, value):
        # One map, one buffer: predict, the metrics and save must never disagree on it.
        raise AttributeError("weights_ cannot be replaced: edit it in place (som.weights_[...] = values, same shape "
                             "and dtype) or train a new map from it with SOM(init=array)")

    def _set_fitted(self, settings, weights, n_iter, rng, feature_names=None):
        """Make this estimator a fitted map: ``weights`` (n_units, n_features), C-contiguous, in settings' dtype.

        Called only once everything is validated, so a refused fit leaves a
        fitted estimator as it was.
        """
        self.settings_ = settings
        self._weights = weights
        self.n_features_in_ = weights.shape[1]
        self.n_iter_ = n_iter
        self.history_ = []
        self._rng = rng
        if feature_names is not None:
            self.feature_names_in_ = np.asarray(feature_names, dtype=object)
        elif "feature_names_in_" in vars(self):
            del self.feature_names_in_

    @classmethod
    def _from_fitted(cls, settings, weights, *, n_iter=0, rng=None, feature_names=None):
        """A fitted estimator from its parts; the one door for model files, SOM_PAK and the command line.

        ``settings`` from :func:`fastsom.settings.resolve`; ``weights`` of
        shape (n_rows, n_cols, n_features) or (n_units, n_features), finite,
        in ``settings.dtype`` (checked). The estimator's parameters are the
        settings' parameters, so ``get_params`` describes the map.
        """
        weights = np.asarray(weights)
        n_features = weights.shape[-1] if weights.ndim in (2, 3) else 0
        if (weights.ndim not in (2, 3) or weights.shape[:-1] not in ((settings.n_rows, settings.n_cols),
                                                                    (settings.n_units,)) or n_features < 1):
            raise ValueError(f"weights of shape {weights.shape} do not fit a {settings.n_rows} x {settings.n_cols} map")
        if weights.dtype != settings.dtype or not np.isfinite(weights).all():
            raise ValueError(f"weights must be finite {settings.dtype.name} numbers; got {weights.dtype}")
        check_magnitude("weights", weights)
        som = cls(**settings.params)
        rng = np.random.default_rng(settings.params["random_state"]) if rng is None else rng
        som._set_fitted(settings, np.array(weights.reshape(settings.n_units, n_features), order="C"), n_iter, rng,
                        feature_names)
        return som

    @classmethod
    def _from_file(cls, model):
        """The fitted estimator a checked :class:`fastsom.io.model.ModelFile` holds."""
        header = model.header
        som = cls._from_fitted(model.settings, model.weights, n_iter=header["n_iter"], rng=model.rng,
                               feature_names=header["feature_names_in"])
        som.unsaved_params_ = list(header["unsaved_params"])
        som.extra_ = dict(header["extra"])
        return som

    def _check_fitted(self):
        if "settings_" not in vars(self):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X) first")

    def _validate_X(self, X, reset, dtype=None, settings=None, scheduler=None):
        """check_X plus scikit-learn's feature-name rules; returns (X, its column names or None).

        ``reset`` (a new map): names are returned, not stored (``_set_fitted``
        stores them once the fit is sure to go ahead). Dask data for
        training (``settings`` given) become :class:`fastsom.chunked.rows.ChunkedRows`,
        checked in a first pass over the chunks.
        """
        fitted = None if reset else getattr(self, "feature_names_in_", None)
        n_features = None if reset else self.n_features_in_
        dtype = dtype if reset else self.settings_.dtype
        if settings is not None and is_chunked(X):
            return self._validate_chunked(X, fitted, n_features, settings, scheduler)
        names = check_feature_names(X, fitted, reset, type(self).__name__)
        missing = (self.settings_ if settings is None else settings).missing
        X = check_X(X, dtype, n_features=n_features, owner=type(self).__name__, missing=missing)
        if settings is not None:
            settings.check_n_features(X.shape[1])
        return X, names

    def _validate_chunked(self, X, fitted_names, n_features, settings, scheduler):
        if settings.online:
            raise ValueError("algorithm='online' cannot train on a dask collection: online training presents "
                             "one sample after another, so it cannot be split over chunks. Use "
                             "algorithm='batch', or fit online on a sample that fits in memory")
        from .chunked.rows import as_chunked_rows

        rows = as_chunked_rows(X, settings.dtype, scheduler)
        names = check_feature_names(X, fitted_names, n_features is None, type(self).__name__)
        if n_features is not None and rows.shape[1] != n_features:
            raise ValueError(f"X has {rows.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{n_features} features as input")
        rows.check()
        return rows, names

    def _on_chunks(self, X):
        """The queries over dask data (imported only then: ``import fastsom`` does not import dask)."""
        from .chunked.queries import MapOnChunks
        return MapOnChunks(self, X)

    def _check_X_fitted(self, X):
        self._check_fitted()
        X = self._validate_X(X, reset=False)[0]
        if self.settings_.ignores_missing and self.settings_.max_missing < 1.0:
            inspect_rows(X, self.settings_.feature_weights, self.settings_.max_missing)  # refuses, naming a row
        return X

    def _training_rows(self, X, settings):
        """(X to train on, its incomplete-row flags or None): rows with nothing observed left out, with a warning."""
        if not settings.ignores_missing or hasattr(X, "epoch_sums"):  # (dask data: NaN refused by the check pass)
            return X, None
        rows, incomplete = without_empty_rows(X, inspect_rows(X, settings.feature_weights, settings.max_missing))
        if rows.shape[0] == 0:
            raise ValueError("no row of X has an observed value of weight > 0: nothing to train on")
        return rows, incomplete

    # ------------------------------------------------------------- training

    @_threads.within_n_jobs
    def fit(self, X, y=None, *, scheduler=None, checkpoint=None):
        """Train the map on X from a fresh start.

        Parameters
        ----------
        X : array_like, DataFrame, dask array or dask DataFrame, shape (n_samples, n_features)
            Training data; finite numbers. Not modified. Dask collections
            train batch maps where their chunks live (:mod:`fastsom.chunked`).
        y : ignored
            Accepted for scikit-learn pipelines.
        scheduler : None, str or distributed.Client
            Dask input only: the scheduler that runs the tasks ("threads",
            "processes", "sync", a Client); None: the active one (the
            current ``distributed.Client`` if there is one, else dask's
            default).
        checkpoint : None or path
            Batch training: write the map to this model file after every
            epoch (atomically), and resume from it when it exists -- the
            final map is the uninterrupted run's, bit for bit. A checkpoint
            of other data or settings is refused, saying what differs. See
            :mod:`fastsom.io.checkpoint`; ``history_`` then holds the
            epochs of this call only.

        Returns
        -------
        self : SOM
        """
        with self._phases("validate"):
            settings = self._resolve()
            if checkpoint is not None:
                checkpoints.check_resumable(settings)
                checkpoint = os.fspath(checkpoint)
            X, names = self._validate_X(X, reset=True, dtype=settings.dtype, settings=settings,
                                        scheduler=scheduler)
            settings = self._resolve(X)
            rows, incomplete = self._training_rows(X, settings)
        with self._phases("init"):
            saved = None if checkpoint is None else checkpoints.read(checkpoint, settings, X,
                                                                     type(self)().get_params())
            if saved is not None:  # resume: the checkpoint's map, at the epoch it reached
                weights = np.array(saved.weights.reshape(settings.n_units, -1), order="C")
                self._set_fitted(settings, weights, saved.header["n_iter"], saved.rng, names)
                order = None
            else:
                order = self._start(rows, settings, settings.n_steps if settings.online else 0, names, incomplete)
        after_epoch = None if checkpoint is None else (lambda: checkpoints.write(self, checkpoint, X))
        self._train(rows, order if settings.online else None, first_step=self.n_iter_,
                    n_epochs=None if saved is None else max(settings.n_steps - self.n_iter_, 0),
                    after_epoch=after_epoch, incomplete=incomplete)
        return self

    @_threads.within_n_jobs
    def partial_fit(self, X, y=None, *, scheduler=None):
        """Continue training on X without resetting the map or the schedules.

        Online: presents every sample of X once, in a random order, at the
        next steps of the learning-rate and radius schedules. Batch: one
        epoch on X at the next radius. Schedules are laid out over
        ``n_iterations`` / ``n_epochs``; past their end they stay at their
        final value. ``n_iter_`` says where training stands. The first call
        starts a new map, and so does a call after a change of the map's
        definition (``n_rows``, ``n_cols``, ``algorithm``, ``topology``,
        ``toroidal``, ``distance``, ``dtype``); other parameters (schedules,
        callbacks, ...) take effect from this call on. ``scheduler``: as for
        :meth:`fit`.
        """
        settings = self._resolve(fitted_shape=True)
        fitted = "settings_" in vars(self) and self.settings_.same_map(settings)
        X, names = self._validate_X(X, reset=not fitted, dtype=settings.dtype, settings=settings,
                                    scheduler=scheduler)
        if not fitted:
            settings = self._resolve(X)
        X, incomplete = self._training_rows(X, settings)
        if fitted:
            self.settings_ = settings
        else:
            self._start(X, settings, 0, names, incomplete)
        n_samples = X.shape[0]
        order = (SampleOrder(self._rng.permutation(n_samples).astype(np.int64), n_samples, n_samples)
                 if settings.online else None)
        self._train(X, order, first_step=self.n_iter_, n_epochs=None if settings.online else 1,
                    incomplete=incomplete)
        return self

    def _resolve(self, X=None, fitted_shape=False):
        """The parameters resolved into :class:`fastsom.settings.Settings`, ``"auto"`` sizes included.

        ``"auto"`` sizes come from X (:func:`fastsom.suggest_shape`); without
        X, a stand-in size lets every other parameter be checked before X
        is read, and ``fitted_shape`` takes the fitted map's size instead
        (``partial_fit`` continuing a map).
        """
        params = self.get_params()
        auto = [name for name in ("n_rows", "n_cols") if isinstance(params[name], str) and params[name] == "auto"]
        if not auto:
            return resolve(params)
        if fitted_shape and "settings_" in vars(self):
            sizes = {"n_rows": self.settings_.n_rows, "n_cols": self.settings_.n_cols}
        elif X is None:
            sizes = {"n_rows": 2, "n_cols": 2}
        elif hasattr(X, "epoch_sums"):
            raise ValueError("n_rows='auto' / n_cols='auto' read the whole data; for dask data give the sizes "
                             "(fastsom.suggest_shape on a sample that fits in memory)")
        elif len(auto) == 2:
            sizes = dict(zip(("n_rows", "n_cols"), suggest_shape(X, params["topology"], params["toroidal"]),
                             strict=True))
        else:
            given = "n_cols" if auto == ["n_rows"] else "n_rows"
            check_int(given, params[given], 1)
            sizes = {auto[0]: max(1, round(suggest_units(X.shape[0]) / params[given]))}
            if auto == ["n_rows"] and params["topology"] == "hexagonal" and params["toroidal"]:
                sizes["n_rows"] += sizes["n_rows"] % 2
        return resolve({**params, **{name: sizes[name] for name in auto}})

    def _start(self, X, settings, n_iterations, feature_names, incomplete=None):
        """Fresh fitted state (weights, counters) from the training plan; returns the plan's sample order.

        ``incomplete``: flags of the rows of X holding NaN, or None.
        """
        n_samples, n_features = X.shape
        check_memory(settings.n_units, n_features, settings.dtype)
        rng = np.random.default_rng(settings.params["random_state"])
        init = settings.params["init"]
        n_init_rows = None
        if incomplete is not None and isinstance(init, str) and init == "sample":
            n_init_rows = int(n_samples - np.count_nonzero(incomplete))
            if n_init_rows == 0:
                raise ValueError("init='sample' starts the map from complete rows of X, and every row of X has "
                                 "missing values: use init='random' or init='pca'")
        plan = start_plan(rng, settings.n_rows, settings.n_cols, n_features, n_samples, n_iterations,
                          init if isinstance(init, str) else None, settings.dtype, n_init_rows)
        weights = self._initial_weights(init, plan, X, settings, incomplete)
        # The fitted state exists (and is consistent) before the first block
        # runs, so an interrupt at any point leaves a usable model.
        self._set_fitted(settings, weights, n_iter=0, rng=rng, feature_names=feature_names)
        return plan.order

    @staticmethod
    def _initial_weights(init, plan, X, settings, incomplete=None):
        shape = (settings.n_rows, settings.n_cols, X.shape[1])
        if isinstance(init, str):
            weights = init_module.initial_weights(init, plan, X, settings.n_rows, settings.n_cols, settings.topology,
                                                  incomplete)
        else:
            weights = np.asarray(init)
            if weights.shape != shape:
                raise ValueError(f"init has shape {weights.shape}; expected (n_rows, n_cols, n_features) = {shape}")
            if weights.dtype.kind not in "biuf":
                raise ValueError("init must contain finite numbers only")
        with np.errstate(over="ignore"):  # reported below
            weights = np.array(weights.reshape(settings.n_units, shape[2]), dtype=settings.dtype, order="C")
        if not np.isfinite(weights).all():
            raise ValueError(f"init must contain finite numbers only (in {settings.dtype.name})")
        check_magnitude("init", weights)
        return weights

    def _train(self, X, order, first_step, n_epochs=None, after_epoch=None, incomplete=None):
        """Run the online driver over ``order`` (a SampleOrder), or the batch driver, from ``first_step``.

        ``incomplete``: flags of the rows of X holding NaN, or None.
        """
        settings = self.settings_
        params = settings.params
        online = settings.online
        n_run = order.n_iterations if online else (settings.n_steps if n_epochs is None else n_epochs)
        monitor = Monitor(n_run, "it" if online else "epoch", params["verbose"], list(settings.callbacks),
                          params["early_stopping"], params["tol"], params["n_iter_no_change"],
                          progress=ProgressBar, first_step=len(self.history_))
        grid = settings.grid
        state = new_state() if online else np.zeros(1, dtype=np.int64)  # online: see kernels.sweep
        # Only the mexican hat can diverge (see FiniteGuard); other runs get one check at the end.
        guard = FiniteGuard(self._weights, first_step) if settings.neighborhood == "mexican_hat" else None
        work_per_step = self._weights.size if online else X.size + self._weights.size

        def check_finite(n_iter, n_steps, force=False):
            if guard is not None and not guard.check(self._weights, n_iter, n_steps * work_per_step, force):
                state[:] = new_state() if online else 0
                state[0] = guard.n_iter - first_step
                raise _diverged(settings, guard.n_iter)

        done = [0]  # steps of this run already checked
        try:
            if online:
                def schedule(start, stop):  # evaluated per block: no whole-run arrays
                    steps = first_step + np.arange(start, stop)
                    return settings.learning_rates(steps), settings.sigmas(steps)

                def on_block(n_done, errors):
                    self.n_iter_ = first_step + n_done
                    check_finite(self.n_iter_, n_done - done[0])
                    done[0] = n_done
                    if errors is None:  # nobody asked for them
                        monitor.report(n_done, self.n_iter_, np.nan, np.nan)
                    else:
                        searches = max(errors[2], 1.0)
                        monitor.report(n_done, self.n_iter_, errors[0] / searches, errors[1] / searches)

                # Running errors only when someone reads them: tracking the
                # second-best unit costs 20% on small maps.
                wanted = bool(settings.callbacks) or params["early_stopping"]
                run_online(X, self._weights, *grid, order, schedule, settings.kind, settings.metric,
                           settings.adjacency()[1] if wanted else None, strict=settings.strict, state=state,
                           n_jobs=params["n_jobs"], on_block=on_block, phases=self._phases,
                           feature_weights=settings.feature_weights, incomplete=incomplete)
            else:
                def on_epoch(epoch, quantization_error, topographic_error):
                    self.n_iter_ = first_step + epoch + 1
                    check_finite(self.n_iter_, 1)
                    if after_epoch is not None:  # before the callbacks: a callback that stops the run
                        after_epoch()            # finds the epoch saved
                    monitor.report(epoch + 1, self.n_iter_, quantization_error, topographic_error)

                sigmas = settings.sigmas(first_step + np.arange(n_run))
                if hasattr(X, "epoch_sums"):  # chunked (Dask) data: one task per chunk, the update here
                    run_epochs(X.epoch_sums(*grid, settings.adjacency()[1]), X.shape[0], self._weights, *grid,
                               sigmas, settings.kind, settings.metric, state=state, on_epoch=on_epoch,
                               phases=self._phases, feature_weights=settings.feature_weights)
                else:
                    run_batch(X, self._weights, *grid, sigmas, settings.kind, settings.metric,
                              settings.adjacency()[1], state=state, on_epoch=on_epoch, phases=self._phases,
                              feature_weights=settings.feature_weights, incomplete=incomplete)
            check_finite(first_step + int(state[0]), 0, force=True)
        except StopTraining:
            pass
        finally:
            self.n_iter_ = first_step + int(state[0])
            self.history_ = self.history_ + monitor.history
            monitor.close()
        if guard is None and not is_finite(self._weights):  # resolve()'s checks prevent it; say so if not
            raise _diverged(settings, self.n_iter_)

    @_threads.within_n_jobs
    def impute(self, X):
        """X with each missing value (NaN) replaced by the value of its row's BMU, a new array.

        The SOM Toolbox's som_fillnans: the best matching unit of each row
        is found on its observed features (see ``missing``), and its
        prototype fills the gaps. Needs a map fitted with
        ``missing="ignore"`` (others refuse NaN). Rows with nothing observed
        have no BMU and stay NaN.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples, n_features), the map's dtype
        """
        X = self._check_X_fitted(X)
        filled = np.array(X, copy=True)
        rows, cols = np.nonzero(np.isnan(filled))
        if rows.shape[0]:
            bmu = metrics.best_two_units(X, self._weights, self.settings_.metric, **self._masks())[0]
            matched = bmu[rows] >= 0
            rows, cols = rows[matched], cols[matched]
            filled[rows, cols] = self._weights[bmu[rows], cols]
        return filled

    def save(self, path):
        """Write the fitted map to ``path`` (an ``.npz`` file, no pickle); read it back with :func:`fastsom.load`.

        The file keeps the settings the map was fitted with (``settings_``),
        whatever ``set_params`` did since. See :mod:`fastsom.io.model`.
        """
        return model_file.save(self, path)

    def fit_predict(self, X, y=None):
        """Fit, then return the BMU of every sample of X under the trained map."""
        return self.fit(X).predict(X)

    def fit_transform(self, X, y=None):
        """Fit, then return the distance of every sample of X to every unit."""
        return self.fit(X).transform(X)


def _diverged(settings, n_iter):
    """The error for a map whose weights stopped being finite, with what to change."""
    if settings.neighborhood == "mexican_hat":
        hint = ("neighborhood='mexican_hat' pushes the units beyond sigma away from each sample"
                + (f"; lower learning_rate (now {settings.learning_rate:g}) or use another neighborhood"
                   if settings.online else ", and can make the batch map's denominators vanish; use another "
                   "neighborhood"))
    else:
        hint = "scale the data (e.g. to [0, 1]) and check learning_rate and sigma"
    return TrainingDiverged(f"training diverged: the map's weights are no longer finite numbers ({hint}). The "
                            f"estimator keeps the last finite map, n_iter_={n_iter}", n_iter)
