"""What a fit resolved from the estimator's parameters, validated and frozen.

scikit-learn's rule is that an estimator reads its parameters in ``fit``
only. :func:`resolve` turns ``SOM``'s parameters into a :class:`Settings`
(every value checked, defaults filled in: the map's size, its grid, the
codes the kernels take, the schedules); ``fit`` stores it as ``settings_``,
and every query, ``save``, the metrics, plots and the command line read
that, never the parameters again. So ``set_params`` after ``fit`` changes
the next fit and nothing else.

Schedules are evaluated on demand, for the steps a block of training needs
(:meth:`Settings.learning_rates`, :meth:`Settings.sigmas`): a run of
20,000,000 iterations never holds two arrays of 20,000,000 floats.
"""

import numbers
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import topology
from ._validation import check_dtype, check_int, check_option, check_positive
from .missing import check_feature_weights, check_max_missing
from .options import ALGORITHMS, DISTANCES, INITS, MISSING, NEIGHBORHOODS
from .training import schedules

#: A learning rate of 2 or more moves a unit further from the sample than
#: it started (w + f (x - w) with f >= 2): the map diverges.
MAX_LEARNING_RATE = 2.0
_LEARNING_RATE_RULE = ("an update moves a unit by learning_rate * (x - w): from 2 on it lands further from the "
                       "sample than it started and the map diverges")

#: Radii whose squares (and the mexican hat's (8 sigma)^2) are normal floats.
SIGMA_RANGE = (1e-150, 1e150)
_SIGMA_RULE = "its square must be a normal float"

#: Online iterations per unit when ``n_iterations`` is None: Kohonen's rule of
#: thumb ("Self-Organizing Maps", 3rd ed., sec. 3.6).
ITERATIONS_PER_UNIT = 500


@dataclass(frozen=True, eq=False)
class Settings:
    """A fit's settings: ``SOM``'s parameters, validated, with defaults resolved.

    Attributes are the parameters' names; ``sigma`` is the resolved initial
    radius (never None), ``n_steps`` the run's length (online iterations or
    batch epochs) and ``dtype`` a ``numpy.dtype``. :attr:`params` gives the
    parameters as given, to rebuild or save the estimator.
    """

    param_items: tuple = field(repr=False)
    n_rows: int
    n_cols: int
    algorithm: str
    n_steps: int
    learning_rate: float
    learning_rate_end: object
    learning_rate_schedule: object
    sigma: float
    sigma_end: object
    sigma_schedule: object
    neighborhood: str
    topology: str
    toroidal: bool
    distance: str
    dtype: np.dtype
    strict: bool
    callbacks: tuple = field(repr=False)
    missing: str = "error"
    max_missing: float = 1.0
    feature_weights: object = field(default=None, repr=False)  # (n_features,) float64, read-only, or None

    # ------------------------------------------------------------ derived

    @property
    def params(self):
        """Every ``SOM`` parameter as given to the fit, a new dict (to rebuild or save the estimator)."""
        return dict(self.param_items)

    @property
    def n_units(self):
        return self.n_rows * self.n_cols

    @property
    def online(self):
        return self.algorithm == "online"

    @property
    def kind(self):
        """The neighbourhood's kernel code."""
        return NEIGHBORHOODS[self.neighborhood]

    @property
    def metric(self):
        """The distance's kernel code."""
        return DISTANCES[self.distance]

    @cached_property
    def grid(self):
        """The map's :class:`fastsom.topology.Grid` (what kernels take)."""
        return topology.make_grid(self.n_rows, self.n_cols, self.topology, self.toroidal)

    def adjacency(self, connectivity=None):
        """(connectivity, largest squared grid distance of a neighbour), validated; None: the topology's default."""
        if connectivity is None:
            connectivity = topology.DEFAULT_CONNECTIVITY[self.topology]
        options = {c: d2 for (t, c), d2 in topology.ADJACENCY.items() if t == self.topology}
        return connectivity, check_option("connectivity", connectivity, options)

    def same_map(self, other):
        """True when ``other`` describes a map of the same shape, grid, metric and dtype (so training can go on)."""
        keys = ("n_rows", "n_cols", "algorithm", "topology", "toroidal", "distance", "dtype")
        return all(getattr(self, key) == getattr(other, key) for key in keys)

    @property
    def ignores_missing(self):
        """True when NaN in the data marks a missing value (``missing="ignore"``)."""
        return self.missing == "ignore"

    def check_n_features(self, n_features):
        """Refuse feature weights whose length is not the data's number of features."""
        if self.feature_weights is not None and self.feature_weights.shape[0] != n_features:
            raise ValueError(f"feature_weights has {self.feature_weights.shape[0]} values, but X has {n_features} "
                             "features: one weight per feature")

    # ---------------------------------------------------------- schedules

    def learning_rates(self, steps):
        """The learning rate at each of ``steps`` (int array; steps past the run's end take its last value)."""
        values = schedules.evaluate(self.learning_rate_schedule, self.learning_rate, self.learning_rate_end,
                                    self.n_steps, "learning_rate_schedule", steps=steps)
        return _within(values, steps, "learning_rate_schedule", 0.0, MAX_LEARNING_RATE, _LEARNING_RATE_RULE)

    def sigmas(self, steps):
        """The neighbourhood radius at each of ``steps`` (as :meth:`learning_rates`)."""
        values = schedules.evaluate(self.sigma_schedule, self.sigma, self.sigma_end, self.n_steps, "sigma_schedule",
                                    steps=steps)
        return _within(values, steps, "sigma_schedule", *SIGMA_RANGE, _SIGMA_RULE)

    @property
    def final_sigma(self):
        """The radius training ends with (the last step of the sigma schedule)."""
        return float(self.sigmas(np.array([self.n_steps - 1]))[0])


def resolve(params):
    """Validate ``SOM`` parameters (a dict of every parameter) and return their :class:`Settings`.

    Raises the errors the estimator documents: ``TypeError`` for a value of
    the wrong kind, ``ValueError`` for one out of range, each naming the
    parameter, the rule and the value. Named schedules are checked at their
    first and last step (they are monotone); a callable schedule is checked
    there too, and at every step as training evaluates it.
    """
    n_rows = check_int("n_rows", params["n_rows"], 1)
    n_cols = check_int("n_cols", params["n_cols"], 1)
    algorithm = check_option("algorithm", params["algorithm"], {name: name for name in ALGORITHMS})
    if algorithm == "online":
        n_steps = (ITERATIONS_PER_UNIT * n_rows * n_cols if params["n_iterations"] is None
                   else check_int("n_iterations", params["n_iterations"], 1))
    else:
        n_steps = check_int("n_epochs", params["n_epochs"], 1)
    learning_rate = _bounded("learning_rate", params["learning_rate"], MAX_LEARNING_RATE)
    learning_rate_end = (None if params["learning_rate_end"] is None
                         else _bounded("learning_rate_end", params["learning_rate_end"], MAX_LEARNING_RATE))
    sigma = (schedules.initial_radius(n_rows, n_cols) if params["sigma"] is None
             else _bounded("sigma", params["sigma"], SIGMA_RANGE[1], SIGMA_RANGE[0]))
    sigma_end = (None if params["sigma_end"] is None
                 else _bounded("sigma_end", params["sigma_end"], SIGMA_RANGE[1], SIGMA_RANGE[0]))
    check_option("neighborhood", params["neighborhood"], NEIGHBORHOODS)
    topology.check_grid(n_rows, n_cols, params["topology"], params["toroidal"])
    check_option("distance", params["distance"], DISTANCES)
    dtype = check_dtype(params["dtype"])
    for name in ("strict", "early_stopping", "verbose"):
        if not isinstance(params[name], (bool, np.bool_)):
            raise TypeError(f"{name}={params[name]!r} must be True or False")
    check_positive("tol", params["tol"])
    n_jobs = params["n_jobs"]
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral)
                               or not (n_jobs == -1 or n_jobs >= 1)):
        raise ValueError(f"n_jobs={n_jobs!r} must be None, -1 or an integer >= 1")
    check_int("n_iter_no_change", params["n_iter_no_change"], 1)
    init = params["init"]
    if isinstance(init, str):
        check_option("init", init, {name: name for name in INITS})
    elif not (hasattr(init, "__array__") or isinstance(init, (list, tuple))):
        raise TypeError(f"init={init!r} must be one of {', '.join(map(repr, INITS))} or an array")
    random_state = params["random_state"]
    if isinstance(random_state, (bool, np.bool_)) or random_state is not None and not isinstance(
        random_state, (numbers.Integral, np.random.Generator, np.random.SeedSequence)
    ):
        raise TypeError(f"random_state={random_state!r} must be None, an int or a numpy.random.Generator")
    if isinstance(random_state, numbers.Integral) and random_state < 0:
        raise ValueError(f"random_state={random_state!r} must be >= 0")
    missing = check_option("missing", params["missing"], {name: name for name in MISSING})
    max_missing = check_max_missing(params["max_missing"])
    feature_weights = check_feature_weights(params["feature_weights"])
    callbacks = params["callbacks"]
    callbacks = () if callbacks is None else (callbacks,) if callable(callbacks) else tuple(callbacks)
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"callbacks must be callables; got {callback!r}")
    settings = Settings(
        param_items=tuple(params.items()), n_rows=n_rows, n_cols=n_cols, algorithm=algorithm, n_steps=n_steps,
        learning_rate=learning_rate, learning_rate_end=learning_rate_end,
        learning_rate_schedule=params["learning_rate_schedule"], sigma=sigma, sigma_end=sigma_end,
        sigma_schedule=params["sigma_schedule"], neighborhood=params["neighborhood"], topology=params["topology"],
        toroidal=bool(params["toroidal"]), distance=params["distance"], dtype=dtype, strict=bool(params["strict"]),
        callbacks=callbacks, missing=missing, max_missing=max_missing, feature_weights=feature_weights,
    )
    ends = np.array([0, n_steps - 1])
    if settings.online:  # batch training has no learning rate
        settings.learning_rates(ends)
    settings.sigmas(ends)
    return settings


def _bounded(name, value, upper, lower=0.0):
    """A finite real in (lower, upper) (``lower`` included when > 0), as float; the error says why for the bounds."""
    value = check_positive(name, value)
    if value >= upper or value < lower:
        why = _LEARNING_RATE_RULE if upper == MAX_LEARNING_RATE else _SIGMA_RULE
        raise ValueError(f"{name}={value!r} must be " + (f"< {upper:g}" if lower == 0 else
                                                         f"between {lower:g} and {upper:g}") + f": {why}")
    return value


def _within(values, steps, name, lower, upper, why):
    """``values`` of a schedule, checked to lie in [lower, upper) (a user's callable can give anything)."""
    bad = (values >= upper) | (values < lower)
    if bad.any():
        first = int(np.argmax(bad))
        step = int(np.asarray(steps)[first])
        raise ValueError(f"{name} gives {float(values[first]):g} at step {step}; it must stay below {upper:g}"
                         + (f" and at least {lower:g}" if lower > 0 else "") + f": {why}")
    return values
