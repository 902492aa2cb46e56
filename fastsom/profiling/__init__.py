"""Profiling a run as a user would: :func:`profile`, the engine of ``fastsom profile``.

* :mod:`.measure` - one setting: first call, short fits timed by the
  training code's own phase timers, the machine's floor beside them, memory;
* :mod:`.report` - the report (attributes, ``to_dict()``, ``str()``);
* :mod:`.reference` - the pure-Python reference against the fast trainer
  (``fastsom verify``, ``--reference``);
* :mod:`.machine` - cores, load, numba's and BLAS's threads, the kernel cache;
* :mod:`.memory` - resident memory from ``/proc`` (Linux).
"""

import math
import time

import numpy as np

from .._validation import check_X
from ..settings import resolve
from ..som import SOM
from . import machine
from . import measure as _measure
from . import reference as _reference
from .report import ProfileReport, format_seconds

#: Default time allowed for the measurements (the first call's compilation comes on top).
DEFAULT_BUDGET = 30.0

#: Default number of measured fits per setting.
DEFAULT_REPEAT = 3

#: Share of the budget kept for ``reference=True``, and the most it takes.
REFERENCE_SHARE, REFERENCE_MAX_SECONDS = 0.25, 10.0

#: Rows of the slice the reference trains on, and its iterations at most / at least.
REFERENCE_ROWS, REFERENCE_ITERATIONS = 1000, (10, 2000)


class ProfileTooLong(ValueError):
    """The profile asked for cannot be measured within its budget; the message says how to shorten it."""


def _settings(params, compare):
    """The (label, parameters) of every setting to measure, each checked by ``resolve``."""
    valid = SOM().get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"unknown SOM parameter(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
    base = {**valid, "random_state": 0, **params, "verbose": False}
    if not compare:
        settings = [("", base)]
    else:
        if not isinstance(compare, dict) or len(compare) != 1:
            raise ValueError(f"compare must name one option and its values, e.g. {{'dtype': ['float32', "
                             f"'float64']}}; got {compare!r}")
        (name, values), = compare.items()
        if name not in valid or name == "verbose":
            options = ", ".join(key for key in valid if key != "verbose")
            raise ValueError(f"compare: unknown option {name!r}; valid: {options}")
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if not 1 <= len(values) <= 8:
            raise ValueError(f"compare {name}: give 1 to 8 values; got {len(values)}")
        settings = [(f"{name}={value}", {**base, name: value}) for value in values]
    for label, setting in settings:
        try:
            resolve(setting)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{label}: {error}" if label else str(error)) from None
    return settings


def profile(X, *, compare=None, reference=False, budget=DEFAULT_BUDGET, repeat=DEFAULT_REPEAT, progress=None,
            source=None, **params) -> ProfileReport:
    """Measure how fast ``SOM(**params).fit(X)`` runs here, where its time goes and how far it is from the floor.

    Each setting is first called on a few rows (numba compiles its kernels
    or loads them from the on-disk cache), calibrated, then fitted
    ``repeat`` times on all of X for a shortened run (whole epochs, or
    enough iterations for a stable rate), each fit timed phase by phase by
    the training code itself and alternated with the machine's floor for
    the same shapes (:mod:`fastsom.kernels.floors`, the floor of
    ``bench/``). The full run's time is projected from the measured rate.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The data, as you would pass them to ``fit``.
    compare : dict, optional
        One ``SOM`` parameter and a few values to measure side by side, e.g.
        ``{"dtype": ["float32", "float64"]}`` or ``{"n_jobs": [1, -1]}``.
    reference : bool, default False
        Also time the pure-Python reference on the first rows (online, the
        tutorial's settings, on this map size and these features) against
        fastsom's exact kernel, with their agreement.
    budget : float, default 30
        Seconds the measurements may take, compilation excluded. A profile
        that cannot fit raises :class:`ProfileTooLong` before measuring.
    repeat : int, default 3
        Measured fits per setting.
    progress : callable, optional
        Receives a line of text at each stage (the command line prints them).
    source : str, optional
        What the data are, for the report (default "the array given").
    **params
        ``SOM`` parameters (``random_state`` defaults to 0 here;
        ``verbose`` is turned off). ``n_iterations`` / ``n_epochs`` set the
        full run that is projected.

    Returns
    -------
    ProfileReport
        With one setting, its figures read directly (``report.floor_ratio``,
        ``report.unit_median``, ``report.fit_phases()``,
        ``report.projected_seconds``); with ``compare``, from
        ``report.measurements``. ``report.to_dict()`` for JSON, ``print(report)``
        for the table.

    Examples
    --------
    >>> import numpy as np, fastsom
    >>> X = np.random.default_rng(0).random((2000, 16))
    >>> report = fastsom.profile(X, n_rows=8, n_cols=8, algorithm="batch", budget=5, repeat=2)  # doctest: +SKIP
    >>> report.floor_ratio  # doctest: +SKIP
    1.9
    """
    return profile_settings(X, _settings(params, compare), reference=reference, budget=budget, repeat=repeat,
                            progress=progress, source=source, compared=next(iter(compare)) if compare else None)


def profile_settings(X, settings, *, reference=False, budget=DEFAULT_BUDGET, repeat=DEFAULT_REPEAT, progress=None,
                     source=None, compared=None):
    """:func:`profile` on settings already made: a list of (label, every ``SOM`` parameter), each resolvable.

    The command line builds its settings from its flags (labels such as
    ``"jobs=-1"``) and calls this.
    """
    started = time.perf_counter()
    say = progress or (lambda line: None)
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise ValueError(f"budget={budget!r} must be a number of seconds > 0")
    budget = float(budget)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat={repeat!r} must be an integer >= 1")
    settings = [(label, {**setting, "verbose": False}) for label, setting in settings]
    if reference:
        _reference.load_oracle()  # an install without the oracle fails before measuring anything
    first_dtype = resolve(settings[0][1]).dtype
    checked = check_X(X, first_dtype)  # refuse bad data before any kernel runs
    source_dtype = getattr(X, "dtype", checked.dtype)
    data = {"n_samples": checked.shape[0], "n_features": checked.shape[1], "dtype": str(source_dtype),
            "source": source or "the array given"}
    # The fits get arrays and DataFrames as the user has them, so their checks convert as the
    # user's fits would (lists and the like: the checked array); calibration slices rows of an array.
    fit_X = X if isinstance(X, np.ndarray) or hasattr(X, "columns") else checked

    measurement_budget = budget * (1 - REFERENCE_SHARE) if reference else budget
    plans, estimate, too_long = [], 0.0, None
    for label, setting in settings:
        say(f"calibrating{' ' + label if label else ''}: first call (compiles, or loads the compiled kernels)")
        calibration = _measure.calibrate(X if isinstance(X, np.ndarray) else checked, setting)
        online = setting["algorithm"] == "online"
        n_steps, seconds, fits = _measure.plan_lengths(calibration, resolve(setting).n_steps, online, repeat,
                                                       measurement_budget / len(settings))
        plans.append((label, setting, calibration, n_steps))
        estimate += seconds
        too_long = too_long or (None if fits else (label, calibration, online))
    if too_long is not None:
        raise ProfileTooLong(_too_long(estimate, budget, *too_long, repeat))
    say(f"measuring: {len(settings)} setting(s) x {repeat} fits, each beside the floor: about "
        f"{format_seconds(estimate)}")
    measurements = []
    for label, setting, calibration, n_steps in plans:
        say(f"measuring{' ' + label if label else ''}")
        measurements.append(_measure.measure(fit_X, setting, label, calibration, n_steps, repeat))
    check = None
    if reference:
        check = _reference_check(checked, settings[0][1], budget, say)
    notes = []
    if settings[0][1]["distance"] != "euclidean":
        notes.append("the floor is a euclidean BMU search (GEMM + argmin, or a squared-distance sweep); other "
                     "distances cost more by nature")
    return ProfileReport(data, machine.describe(), measurements, check, budget, estimate,
                         time.perf_counter() - started, compared, notes)


def _too_long(estimate, budget, label, calibration, online, repeat):
    unit = "an iteration" if online else "an epoch"
    per_step = format_seconds(calibration.per_step)
    more = max(2 * budget, 10 * math.ceil(1.2 * estimate / 10))
    return (f"profiling{' ' + label if label else ''} would take about {estimate:.0f} s ({unit} takes about "
            f"{per_step}, {repeat} fits each beside the floor), over the budget of {budget:g} s: profile fewer "
            f"samples (a slice of the data, or --samples), fewer fits (repeat=1, --repeat 1), or allow more "
            f"time (budget={more:g}, --budget {more:g})")


def _reference_check(X, params, budget, say):
    """The reference against fastsom on the first rows, with as many iterations as its share of the budget holds."""
    part = check_X(X[:REFERENCE_ROWS], "float64")
    n_rows, n_cols, seed = params["n_rows"], params["n_cols"], params["random_state"]
    seed = seed if isinstance(seed, int) else 0
    per_iteration = _reference.seconds_per_iteration(part, n_rows, n_cols, seed=seed)
    low, high = REFERENCE_ITERATIONS
    seconds = min(REFERENCE_MAX_SECONDS, REFERENCE_SHARE * budget)
    n_iterations = int(min(high, max(low, seconds / per_iteration)))
    say(f"reference: {n_iterations} iterations of the pure-Python tutorial, about "
        f"{n_iterations * per_iteration:.0f} s")
    return _reference.compare(part, n_rows, n_cols, n_iterations, seed)


__all__ = ["ProfileReport", "ProfileTooLong", "profile"]
