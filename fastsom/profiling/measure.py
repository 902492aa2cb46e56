"""Measuring one setting: first call, short fits with their phases, the machine's floor beside them, memory.

Every timed fit is an ordinary ``SOM(...).fit(X)`` with a
:class:`~fastsom.training.phases.PhaseTimer` attached, so the phases are
timed by the training code itself (:mod:`fastsom.training.phases`). A
measured fit is the full run shortened (fewer epochs or iterations, the same
schedules squeezed into them); its training part, divided by its length,
gives the time of one epoch or of 1,000 iterations, and the projection of
the full run is that rate times the full length plus one fit's checks and
initialisation.

The floor is bench's (:mod:`fastsom.kernels.floors`): batch, chunked
``X @ W.T`` on BLAS and a bare argmin per row, with the batch map's chunk
size; online, a bare sweep of squared distances per iteration. It runs on
the same data, in the same dtype, with the map the fit produced, alternated
with the fits (fit, floor, floor, fit, ...) so that drift favours neither,
and each fit's rate is divided by the floor's next to it.

How long: :func:`calibrate` runs the setting on the first rows (compiling,
or loading compiled kernels, on the first call) and estimates from two
sizes what a fit and a floor pass cost on the whole data;
:func:`plan_lengths` picks the measured fit's length within the budget, or
says the budget cannot hold it.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_X
from ..kernels.floors import floor_epoch, online_floor
from ..settings import resolve
from ..som import SOM
from ..training.batch import default_chunk_size
from ..training.online import choose_kernel
from ..training.phases import PhaseTimer
from . import machine, memory

#: Rows of the two calibration runs (fewer when the data have fewer).
CALIBRATION_ROWS = (512, 2048)

#: Online iterations of a calibration run.
CALIBRATION_ITERATIONS = 200

#: A measured fit need not last longer than this: longer fits change the rate by less than the noise.
TARGET_FIT_SECONDS = 0.5

#: Online: at least this many iterations per measured fit (a few blocks), unless the run is shorter.
MIN_ITERATIONS = 500

#: Online rates are given per this many iterations.
ITERATIONS_PER_UNIT = 1000


def step_name(online):
    """The ``SOM`` parameter that sets a run's length."""
    return "n_iterations" if online else "n_epochs"


def timed_fit(X, params, n_steps):
    """``SOM(**params)`` fitted for ``n_steps`` epochs or iterations with a phase timer.

    Returns
    -------
    seconds : float
        Wall time of ``fit``.
    phases : dict of str to float
        The fit's phases (see :mod:`fastsom.training.phases`).
    som : SOM
    """
    som = SOM(**{**params, step_name(params["algorithm"] == "online"): n_steps, "verbose": False})
    som._phases = timer = PhaseTimer()
    start = time.perf_counter()
    som.fit(X)
    seconds = time.perf_counter() - start
    return seconds, dict(timer.seconds), som


class Floor:
    """The machine's floor for a setting's shapes, ready to run: ``floor()`` returns its wall time.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Converted to the map's dtype once, here (the floor has no checks).
    weights : ndarray, shape (n_rows, n_cols, n_features)
        The map searched (its values do not change the floor's work).
    n_steps : int
        Batch: epochs; online: iterations (samples drawn with ``default_rng(seed)``).
    """

    def __init__(self, X, weights, n_steps, online, seed=0):
        self.X = check_X(X, weights.dtype)
        self.weights = np.ascontiguousarray(weights.reshape(-1, weights.shape[-1]))
        self.n_steps = n_steps
        self.online = online
        n_samples = self.X.shape[0]
        if online:
            self.samples = np.random.default_rng(seed).integers(0, n_samples, n_steps)
            self.bmus = np.empty(n_steps, dtype=np.int64)
        else:
            # bench's definition: the batch map's own chunk size (bench.contenders.train_floor_batch).
            self.chunk = min(n_samples, default_chunk_size(self.weights.shape[0]))

    def __call__(self):
        start = time.perf_counter()
        if self.online:
            online_floor(self.X, self.weights, self.samples, self.bmus)
        else:
            for _ in range(self.n_steps):
                floor_epoch(self.X, self.weights, self.chunk)
        return time.perf_counter() - start


@dataclass
class Calibration:
    """What a setting costs, estimated from runs on its first rows.

    ``per_step``, ``floor_per_step``: seconds per epoch (batch) or per
    iteration (online) on the whole data; ``per_fit``: checks and
    initialisation, once per fit.
    """

    first_call_seconds: float
    warm_call_seconds: float
    kernels_new: int
    kernels_from_cache: int
    per_step: float
    floor_per_step: float
    per_fit: float


def _linear(sizes, times, n):
    """Extrapolate ``times`` measured at ``sizes`` rows to ``n`` rows with a line (never below the largest time)."""
    if len(sizes) < 2 or sizes[1] == sizes[0]:
        return times[-1] * n / sizes[-1]
    slope = max((times[1] - times[0]) / (sizes[1] - sizes[0]), 0.0)
    return max(times[1] + slope * (n - sizes[1]), times[1])


def calibrate(X, params):
    """First call (compile or load) and the cost estimates of one setting; see :class:`Calibration`."""
    online = params["algorithm"] == "online"
    n_samples = X.shape[0]
    sizes = sorted({min(n_samples, rows) for rows in CALIBRATION_ROWS})
    n_steps = CALIBRATION_ITERATIONS if online else 1
    before = machine.compile_counts()
    first, _, som = timed_fit(X[:sizes[0]], params, n_steps)
    after = machine.compile_counts()
    Floor(X[:sizes[0]], som.weights_, n_steps, online)()  # compile, or load, the floor's kernels
    steps, overheads, floors = [], [], []
    for rows in sizes:
        seconds, phases, som = timed_fit(X[:rows], params, n_steps)
        per_fit = phases.get("validate", 0.0) + phases.get("init", 0.0)
        steps.append((seconds - per_fit) / n_steps)
        overheads.append(per_fit)
        floors.append(Floor(X[:rows], som.weights_, n_steps, online)() / n_steps)
    warm = steps[0] * n_steps + overheads[0]
    if online:  # an iteration's cost does not grow with the data; checks and initialisation do
        per_step, floor_per_step = steps[-1], floors[-1]
    else:
        per_step, floor_per_step = _linear(sizes, steps, n_samples), _linear(sizes, floors, n_samples)
    return Calibration(first, warm, after["signatures"] - before["signatures"],
                       after["cache_hits"] - before["cache_hits"], per_step, floor_per_step,
                       _linear(sizes, overheads, n_samples))


def plan_lengths(calibration, full_steps, online, repeat, seconds):
    """Steps per measured fit so that ``repeat`` fits and floors take at most ``seconds`` if they can.

    Returns
    -------
    n_steps : int
        Epochs or iterations per measured fit: enough for a fit of about
        :data:`TARGET_FIT_SECONDS`, no more than the full run, no more than
        the budget holds, and at least one epoch or :data:`MIN_ITERATIONS`.
    estimate : float
        Seconds the measurement will take, by the calibration.
    fits : bool
        Whether that is within ``seconds``.
    """
    per_step = calibration.per_step + calibration.floor_per_step
    shortest = min(full_steps, MIN_ITERATIONS) if online else 1
    wanted = max(shortest, math.ceil(TARGET_FIT_SECONDS / max(calibration.per_step, 1e-9)))
    affordable = int((seconds / repeat - calibration.per_fit) / per_step) if per_step > 0 else full_steps
    n_steps = min(full_steps, wanted, max(affordable, shortest))
    return n_steps, repeat * (calibration.per_fit + n_steps * per_step), n_steps <= affordable


@dataclass
class Measurement:
    """One setting, measured. Times in seconds; a *unit* is one epoch (batch) or 1,000 iterations (online).

    Attributes
    ----------
    label : str
        The compared option's value (``"dtype=float32"``), or ``""``.
    params : dict
        The ``SOM`` parameters of the full run (JSON-friendly values).
    online : bool
    full_steps, steps_per_fit : int
        Epochs or iterations of the full run, and of each measured fit.
    first_call_seconds : float
        The first fit (on a few rows), which compiles the kernels or loads
        them from the on-disk cache.
    compile_seconds : float
        The first call minus the same call once warm.
    kernels_new, kernels_from_cache : int
        Kernels (signatures) compiled or loaded by the first call, and how
        many of them came from the on-disk cache; 0 and 0 when this process
        had them already.
    fit_seconds : list of float
        Wall time of each measured fit.
    phases : list of dict
        Each measured fit's phases (see :mod:`fastsom.training.phases`).
    unit_seconds, floor_unit_seconds : list of float
        Each fit's training time (checks and initialisation excluded) per
        unit, and the floor's next to it.
    peak_memory_bytes : int or None
        Largest rise of resident memory during a fit, above the data
        already in memory (None where the system does not say).
    threads : dict
        numba's threading layer and threads, BLAS's library and threads, and
        the online kernel chosen.
    """

    label: str
    params: dict
    online: bool
    full_steps: int
    steps_per_fit: int
    first_call_seconds: float
    compile_seconds: float
    kernels_new: int
    kernels_from_cache: int
    fit_seconds: list = field(default_factory=list)
    phases: list = field(default_factory=list)
    unit_seconds: list = field(default_factory=list)
    floor_unit_seconds: list = field(default_factory=list)
    peak_memory_bytes: int | None = None
    threads: dict = field(default_factory=dict)

    @property
    def unit(self):
        return f"{ITERATIONS_PER_UNIT:,} iterations" if self.online else "epoch"

    @property
    def unit_median(self):
        return float(np.median(self.unit_seconds))

    @property
    def floor_median(self):
        return float(np.median(self.floor_unit_seconds))

    @property
    def floor_ratio(self):
        """Median of each fit's rate over the floor's beside it (pairs measured side by side)."""
        return float(np.median(np.divide(self.unit_seconds, self.floor_unit_seconds)))

    @property
    def median_fit(self):
        """Index of the fit of median wall time (the lower of the two middle ones for an even count)."""
        return int(np.argsort(self.fit_seconds, kind="stable")[(len(self.fit_seconds) - 1) // 2])

    def fit_phases(self, index=None):
        """The phases of one fit (default: :attr:`median_fit`), in seconds, plus ``"unaccounted"``.

        One real fit rather than medians per phase, so that the phases and
        their shares add up to that fit's wall time.
        """
        index = self.median_fit if index is None else index
        found = dict(self.phases[index])
        found["unaccounted"] = self.fit_seconds[index] - sum(found.values())
        return found

    @property
    def coverage(self):
        """Share of the median fit's wall time that its phases account for (1.0: all of it)."""
        return sum(self.phases[self.median_fit].values()) / self.fit_seconds[self.median_fit]

    @property
    def per_fit_seconds(self):
        """Median of the checks and initialisation, paid once per fit."""
        return float(np.median([p.get("validate", 0.0) + p.get("init", 0.0) for p in self.phases]))

    @property
    def projected_seconds(self):
        """The full run: one fit's checks and initialisation, plus the median rate times the full length."""
        units = self.full_steps / (ITERATIONS_PER_UNIT if self.online else 1)
        return self.per_fit_seconds + self.unit_median * units

    def to_dict(self):
        return {
            "label": self.label, "params": self.params, "algorithm": "online" if self.online else "batch",
            "unit": self.unit, "full_steps": self.full_steps, "steps_per_fit": self.steps_per_fit,
            "first_call_seconds": self.first_call_seconds, "compile_seconds": self.compile_seconds,
            "kernels_new": self.kernels_new, "kernels_from_cache": self.kernels_from_cache,
            "fit_seconds": self.fit_seconds, "phases": self.phases, "median_fit": self.median_fit,
            "coverage": self.coverage, "unit_seconds": self.unit_seconds, "unit_median": self.unit_median,
            "floor_unit_seconds": self.floor_unit_seconds, "floor_median": self.floor_median,
            "floor_ratio": self.floor_ratio, "peak_memory_bytes": self.peak_memory_bytes,
            "threads": self.threads, "projected_seconds": self.projected_seconds,
        }


def _peak_rise(run):
    """Run ``run()``; return (its result, the rise of peak resident memory above the level before it, or None)."""
    reset = memory.reset_peak()
    try:
        base = memory.rss_mib()
    except (OSError, StopIteration):
        reset = False
    result = run()
    if not reset:
        return result, None
    return result, max(0, int((memory.peak_mib() - base) * 2**20))


def _threads(settings, n_features):
    found = {"numba": machine.numba_threads(), "blas": machine.blas()}
    if settings.online:
        kernel, extra = choose_kernel(settings.n_units, n_features, settings.strict, settings.params["n_jobs"])
        found["online_kernel"] = {"name": kernel.__name__, "threads": extra[0] if extra else 1}
    return found


def measure(X, params, label, calibration, n_steps, repeat):
    """Measure one setting: ``repeat`` fits of ``n_steps`` and the floor beside each; see :class:`Measurement`."""
    settings = resolve(params)
    online = settings.online
    unit_steps = n_steps / (ITERATIONS_PER_UNIT if online else 1)
    found = Measurement(label, _plain(params), online, settings.n_steps, n_steps, calibration.first_call_seconds,
                        max(calibration.first_call_seconds - calibration.warm_call_seconds, 0.0),
                        calibration.kernels_new, calibration.kernels_from_cache)
    floor = None
    for rep in range(repeat):
        # Alternate (fit, floor), (floor, fit), ...: drift of the machine's
        # speed favours neither. The floor searches the first fit's map.
        for what in (("fit", "floor") if rep % 2 == 0 else ("floor", "fit")):
            if what == "fit":
                (seconds, phases, som), rise = _peak_rise(lambda: timed_fit(X, params, n_steps))
                found.fit_seconds.append(seconds)
                found.phases.append(phases)
                per_fit = phases.get("validate", 0.0) + phases.get("init", 0.0)
                found.unit_seconds.append((seconds - per_fit) / unit_steps)
                if rise is not None:
                    found.peak_memory_bytes = max(rise, found.peak_memory_bytes or 0)
                floor = floor or Floor(X, som.weights_, n_steps, online)
            else:
                found.floor_unit_seconds.append(floor() / unit_steps)
    found.threads = _threads(settings, som.n_features_in_)
    return found


def _plain(params):
    """The parameters with values JSON can hold (callables and arrays named by their type)."""
    plain = {}
    for key, value in params.items():
        if value is None or isinstance(value, (bool, int, float, str)):
            plain[key] = value
        else:
            plain[key] = f"<{type(value).__name__}>"
    return plain
