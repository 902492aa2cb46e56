"""The training plan: all the randomness of a fit, in one documented order.

The plan of a fit is drawn from ``numpy.random.default_rng(random_state)``:
first the initial weights, then the sample order, then the rows an
``init="sample"`` map starts from (drawn last, so the first two are the
tutorial's whatever the ``init``). Kernels and the reference take the plan
as arrays and draw nothing, so a fixed seed gives the same plan, and the
same plan gives the same map in ``reference/`` and in every kernel, whatever
the number of threads. NumPy's global random state is never touched.

:func:`make_plan` draws the whole plan up front, as arrays (to hand the
same plan to ``reference/`` and :func:`fastsom.train_online`).
:func:`start_plan` gives the estimator the same values without holding
them: weights only when ``init="random"`` uses them (otherwise the
generator is advanced past them), and the sample order drawn block by block
as training consumes it (:class:`SampleOrder`), so a run of 20,000,000
iterations does not hold 160 MB of indices. That the two agree rests on
NumPy drawing the same values in pieces as in one call (``random`` and
``integers`` consume one 64-bit word per value, no buffering); a test checks
it against :func:`make_plan`.
"""

import copy
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainingPlan:
    """What a seed decides about an online fit.

    Attributes
    ----------
    initial_weights : ndarray, shape (n_rows, n_cols, n_features), float64
        The tutorial's ``net = np.random.random((rows, cols, m))``: uniform
        on [0, 1).
    sample_indices : ndarray, shape (n_iterations,), int64
        The sample presented at each iteration (the tutorial's
        ``np.random.randint(0, n)``, drawn in one call).
    init_indices : ndarray, shape (n_rows * n_cols,), int64
        Rows of X for ``init="sample"``: distinct unless X has fewer rows
        than the map has units.
    """

    initial_weights: np.ndarray
    sample_indices: np.ndarray
    init_indices: np.ndarray


def make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, random_state=None):
    """Draw the initial weights and the sample order of an online fit.

    Parameters
    ----------
    n_rows, n_cols : int
        Map size.
    n_features, n_samples : int
        Shape of the training data.
    n_iterations : int
        Number of online iterations (samples presented).
    random_state : None, int, numpy.random.Generator
        Seed or generator for ``numpy.random.default_rng``. A generator is
        used (and advanced) as given.

    Returns
    -------
    TrainingPlan

    Examples
    --------
    >>> plan = make_plan(5, 5, 3, 100, 2000, random_state=0)
    >>> plan.initial_weights.shape, plan.sample_indices.shape
    ((5, 5, 3), (2000,))
    """
    rng = np.random.default_rng(random_state)
    initial_weights = rng.random((n_rows, n_cols, n_features))
    sample_indices = _draw_order(rng, n_samples, n_iterations)
    n_units = n_rows * n_cols
    init_indices = _draw_init_rows(rng, n_samples, n_units)
    return TrainingPlan(initial_weights, sample_indices, init_indices)


#: Values drawn per call when the plan skips or streams draws: bounds the
#: memory of a skip to 8 MB whatever the run's length.
DRAW_CHUNK = 2**20


class SampleOrder:
    """The sample order of an online run, drawn as training consumes it.

    ``take(start, stop)`` returns the samples of iterations ``start .. stop``
    inclusive of ``stop`` when it exists: the fused kernel looks one sample
    ahead (it finds the next iteration's BMU during the current sweep).
    Blocks must be taken in order, each starting where the last stopped.

    Parameters
    ----------
    source : numpy.random.Generator or ndarray of int64
        A generator positioned at the start of the order (values are drawn
        with ``integers(0, n_samples)``), or the whole order as an array.
    n_samples, n_iterations : int
    """

    def __init__(self, source, n_samples, n_iterations):
        self.n_iterations = n_iterations
        self.n_samples = n_samples
        self._array = source if isinstance(source, np.ndarray) else None
        self._rng = None if self._array is not None else source
        self._drawn = np.empty(0, dtype=np.int64)  # iterations [self._first, self._first + len) drawn, not yet run
        self._first = 0

    def take(self, start, stop):
        """Samples of iterations ``start`` .. ``min(stop, n_iterations - 1)`` (one past ``stop - 1``), int64."""
        end = min(stop + 1, self.n_iterations)
        if self._array is not None:
            return self._array[start:end]
        if start != self._first:
            raise ValueError(f"blocks are taken in order: expected start {self._first}, got {start}")
        have = self._first + len(self._drawn)
        fresh = _draw_order(self._rng, self.n_samples, max(0, end - have))
        block = np.concatenate([self._drawn[: end - self._first], fresh])
        self._first = stop
        self._drawn = block[stop - start:]
        return block


@dataclass(frozen=True)
class StartedPlan:
    """What the estimator's fit needs of its plan (see :func:`start_plan`).

    Attributes
    ----------
    initial_weights : ndarray (n_units, n_features) in the map's dtype, or None
        None unless ``init="random"``.
    order : SampleOrder
        The online sample order (unused by batch training).
    init_indices : ndarray (n_units,) int64
    rng : numpy.random.Generator
        Positioned after the whole plan, as after :func:`make_plan`.
    """

    initial_weights: object
    order: SampleOrder
    init_indices: np.ndarray
    rng: np.random.Generator


def start_plan(rng, n_rows, n_cols, n_features, n_samples, n_iterations, init, dtype=np.float64, n_init_rows=None):
    """The plan of :func:`make_plan` for ``rng``, drawn lazily; advances ``rng`` past it.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_rows, n_cols, n_features, n_samples, n_iterations : int
        As :func:`make_plan`.
    init : str
        Only ``"random"`` keeps the initial weights (drawn in chunks into the
        map's ``dtype``: no float64 copy of a float32 map).
    dtype : numpy dtype
    n_init_rows : int or None
        The rows ``init="sample"`` draws from, if not all ``n_samples`` (data
        with missing values: its complete rows); ``init_indices`` then index
        those.

    Returns
    -------
    StartedPlan
    """
    n_units = n_rows * n_cols
    if init == "random":
        flat = np.empty(n_units * n_features, dtype=dtype)
        for lo in range(0, flat.size, DRAW_CHUNK):
            flat[lo:lo + DRAW_CHUNK] = rng.random(min(DRAW_CHUNK, flat.size - lo))
        initial_weights = flat.reshape(n_units, n_features)
    else:
        _skip_uniform(rng, n_units * n_features)
        initial_weights = None
    order = SampleOrder(copy.deepcopy(rng), n_samples, n_iterations)
    # Past the order to the init rows, without keeping the order.
    for lo in range(0, n_iterations, DRAW_CHUNK):
        _draw_order(rng, n_samples, min(DRAW_CHUNK, n_iterations - lo))
    init_indices = _draw_init_rows(rng, n_samples if n_init_rows is None else n_init_rows, n_units)
    return StartedPlan(initial_weights, order, init_indices, rng)


# How each part of the plan is drawn, written once: make_plan and the lazy
# start_plan / SampleOrder must consume the generator identically.

def _draw_order(rng, n_samples, n_iterations):
    """The sample of each of ``n_iterations`` iterations (the tutorial's randint, in one call)."""
    return rng.integers(0, n_samples, size=n_iterations, dtype=np.int64)


def _draw_init_rows(rng, n_samples, n_units):
    """Rows of X for ``init="sample"``: distinct unless X has fewer rows than the map has units."""
    return rng.choice(n_samples, size=n_units, replace=n_samples < n_units).astype(np.int64)


def _skip_uniform(rng, n_values):
    """Advance ``rng`` as ``rng.random(n_values)`` would, without making the array."""
    bit_generator = rng.bit_generator
    if type(bit_generator) is np.random.PCG64:
        # One 64-bit word per double (NumPy's random_standard_uniform_fill).
        bit_generator.advance(n_values)
        return
    for lo in range(0, n_values, DRAW_CHUNK):
        rng.random(min(DRAW_CHUNK, n_values - lo))
