"""The ``SOM`` estimator: scikit-learn conventions around the fast kernels.

Layers (see ``docs``/DESIGN): this module validates, converts, allocates,
runs the block loop of :mod:`fastsom.online` with progress and interruption,
and sets the fitted attributes. Kernels never see unchecked input.
"""

import numbers

import numpy as np

from . import metrics, schedules, topology
from ._params import ParamsMixin
from ._progress import ProgressBar
from ._validation import (
    check_dtype,
    check_int,
    check_magnitude,
    check_memory,
    check_option,
    check_positive,
    check_X,
)
from .distances import DISTANCES
from .neighborhoods import NEIGHBORHOODS
from .online import run_online
from .plan import make_plan
from .tutorial import initial_radius

#: ``init`` names (an explicit array is accepted too).
INITS = ("random",)


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a trained map is called before ``fit``.

    Subclasses ValueError and AttributeError, as scikit-learn's does.
    """


class SOM(ParamsMixin):
    """A self-organising map trained online, one sample per iteration.

    Each iteration presents one sample, finds its best matching unit (BMU,
    the unit with the smallest squared Euclidean distance; ties go to the
    lowest unit index) and pulls every unit towards the sample by
    ``learning_rate[i] * h(d2, sigma[i])``, where ``d2`` is the squared grid
    distance to the BMU and ``h`` the neighbourhood function. BMU search and
    update run fused in one compiled sweep per iteration.

    Parameters
    ----------
    n_rows, n_cols : int, default 10
        Map size; units are numbered row-major, ``u = row * n_cols + col``.
    n_iterations : int or None, default None
        Samples presented. None: ``500 * n_rows * n_cols``, Kohonen's rule of
        thumb ("Self-Organizing Maps", 3rd ed., sec. 3.6).
    learning_rate : float, default 0.5
        Learning rate at the first iteration.
    learning_rate_end : float or None, default 0.01
        Value the learning-rate schedule heads for at the end; None means
        the schedule's own convention (see :mod:`fastsom.schedules`). The
        defaults, 0.5 -> 0.01, follow Kohonen's advice of a large rate for
        ordering and a small one for fine-tuning. The tutorial uses 0.01 ->
        0.01 / e, which orders a map only slowly.
    sigma : float or None, default None
        Neighbourhood radius at the first iteration, in grid units. None:
        ``max(n_rows, n_cols) / 2``, the tutorial's initial radius.
    sigma_end : float or None, default 1.0
        Radius the schedule heads for (the tutorial's radius ends at 1).
    learning_rate_schedule, sigma_schedule : {"exponential", "asymptotic", "linear"}
        Shape of each decay; "exponential" is the tutorial's, "asymptotic"
        MiniSom's default.
    neighborhood : str, default "gaussian"
        One of :data:`fastsom.neighborhoods.NEIGHBORHOODS`: "gaussian" moves
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
        See :mod:`fastsom.kernels.distances`.
    init : "random" or ndarray of shape (n_rows, n_cols, n_features)
        "random": uniform on [0, 1), as the tutorial (scale your data to
        [0, 1] first, e.g. with ``MinMaxScaler``). An array is copied.
    strict : bool, default False
        True: exact IEEE arithmetic, no fastmath; with the tutorial's
        settings (:func:`fastsom.tutorial_som`) the map equals the
        pure-Python reference of the tutorial. False: the vectorised kernel
        (reassociated sums, fused multiply-add): same algorithm, rounding
        differences in the last bits, faster on wide data.
    dtype : {"float64", "float32"}, default "float64"
        Precision of the weights and of training.
    random_state : None, int or numpy.random.Generator
        Seeds the training plan (initial weights, sample order; see
        :func:`fastsom.make_plan`). Same seed, same map, bit for bit.
    verbose : bool, default False
        Show a progress bar with an ETA on standard error.

    Attributes
    ----------
    weights_ : ndarray, shape (n_rows, n_cols, n_features)
        The trained map.
    n_iter_ : int
        Iterations run; fewer than planned if training was interrupted.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    Interrupting ``fit`` (Ctrl-C) stops it at the end of the current block
    of iterations (a fraction of a second); the estimator keeps the map
    trained so far, consistent and usable, with ``n_iter_`` telling how far
    it got, and the ``KeyboardInterrupt`` then propagates.

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
    """

    def __init__(self, n_rows=10, n_cols=10, *, n_iterations=None, learning_rate=0.5, learning_rate_end=0.01,
                 sigma=None, sigma_end=1.0, learning_rate_schedule="exponential", sigma_schedule="exponential",
                 neighborhood="gaussian", topology="rectangular", toroidal=False, distance="euclidean",
                 init="random", strict=False, dtype="float64", random_state=None, verbose=False):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.n_iterations = n_iterations
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
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit

    def _resolved(self):
        """Validate every parameter; return the settings fit needs."""
        n_rows = check_int("n_rows", self.n_rows, 1)
        n_cols = check_int("n_cols", self.n_cols, 1)
        n_units = n_rows * n_cols
        n_iterations = 500 * n_units if self.n_iterations is None else check_int("n_iterations", self.n_iterations, 1)
        learning_rate = check_positive("learning_rate", self.learning_rate)
        sigma = initial_radius(n_rows, n_cols) if self.sigma is None else check_positive("sigma", self.sigma)
        learning_rate_end = _optional_positive("learning_rate_end", self.learning_rate_end)
        sigma_end = _optional_positive("sigma_end", self.sigma_end)
        lr_schedule = check_option("learning_rate_schedule", self.learning_rate_schedule, schedules.SCHEDULES)
        sigma_schedule = check_option("sigma_schedule", self.sigma_schedule, schedules.SCHEDULES)
        kind = check_option("neighborhood", self.neighborhood, NEIGHBORHOODS)
        topology.check_grid(n_rows, n_cols, self.topology, self.toroidal)
        metric = check_option("distance", self.distance, DISTANCES)
        dtype = check_dtype(self.dtype)
        if not isinstance(self.strict, (bool, np.bool_)):
            raise TypeError(f"strict={self.strict!r} must be True or False")
        if isinstance(self.init, str):
            check_option("init", self.init, {name: name for name in INITS})
        elif not (hasattr(self.init, "__array__") or isinstance(self.init, (list, tuple))):
            raise TypeError(f"init={self.init!r} must be one of {', '.join(map(repr, INITS))} or an array")
        if self.random_state is not None and not isinstance(
            self.random_state, (numbers.Integral, np.random.Generator, np.random.SeedSequence)
        ):
            raise TypeError(f"random_state={self.random_state!r} must be None, an int or a numpy.random.Generator")
        if isinstance(self.random_state, numbers.Integral) and self.random_state < 0:
            raise ValueError(f"random_state={self.random_state!r} must be >= 0")
        return dict(
            n_rows=n_rows, n_cols=n_cols, n_iterations=n_iterations, kind=kind, metric=metric, dtype=dtype,
            learning_rate=lr_schedule(learning_rate, learning_rate_end, n_iterations),
            sigma=sigma_schedule(sigma, sigma_end, n_iterations),
        )

    def _initial_weights(self, plan, n_rows, n_cols, n_features, dtype):
        if isinstance(self.init, str):  # "random": the plan's uniform draw
            weights = plan.initial_weights
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

    def fit(self, X, y=None):
        """Train the map on X.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Training data; finite numbers. Not modified.
        y : ignored
            Accepted for scikit-learn pipelines.

        Returns
        -------
        self : SOM
        """
        settings = self._resolved()
        n_rows, n_cols, n_iterations = settings["n_rows"], settings["n_cols"], settings["n_iterations"]
        dtype = settings["dtype"]
        X = check_X(X, dtype)
        n_samples, n_features = X.shape
        check_memory(n_rows * n_cols, n_features, dtype)
        plan = make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, self.random_state)
        weights = self._initial_weights(plan, n_rows, n_cols, n_features, dtype)

        # The fitted state exists (and is consistent) before the first block
        # runs, so an interrupt at any point leaves a usable model.
        self._weights = weights
        self.weights_ = weights.reshape(n_rows, n_cols, n_features)
        self.n_features_in_ = n_features
        self.n_iter_ = 0
        self._metric = settings["metric"]
        self._grid = topology.make_grid(n_rows, n_cols, self.topology, bool(self.toroidal))

        state = np.array([0, -1], dtype=np.int64)
        progress = ProgressBar(n_iterations) if self.verbose else None
        try:
            run_online(
                X, weights, *self._grid, plan.sample_indices,
                settings["learning_rate"], settings["sigma"], settings["kind"], settings["metric"],
                strict=bool(self.strict), state=state,
                on_block=None if progress is None else progress.update,
            )
        finally:
            self.n_iter_ = int(state[0])
            if progress is not None:
                progress.close()
        return self

    def fit_predict(self, X, y=None):
        """Fit, then return the BMU of every sample of X under the trained map."""
        return self.fit(X).predict(X)

    # -------------------------------------------------------------- predict

    def _check_fitted(self):
        if not hasattr(self, "weights_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X) first")

    def _check_X_fitted(self, X):
        self._check_fitted()
        return check_X(X, self._weights.dtype, n_features=self.n_features_in_)

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
        if connectivity is None:
            connectivity = topology.DEFAULT_CONNECTIVITY[self.topology]
        max_d2 = check_option("connectivity", connectivity, {c: d2 for (t, c), d2 in topology.ADJACENCY.items()
                                                             if t == self.topology})
        X = self._check_X_fitted(X)
        return metrics.topographic_error(X, self._weights, *self._grid, max_d2, self._metric)


def _optional_positive(name, value):
    return None if value is None else check_positive(name, value)
