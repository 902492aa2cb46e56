"""Online training: the Python driver around the fused kernel.

:func:`train_online` is the fast twin of ``reference.tutorial.train``: it
takes an explicit plan (initial weights, sample order, per-iteration
learning rate and radius) and returns the trained weights and the BMU of
every iteration, so both can be run on identical inputs. The ``SOM``
estimator uses the same driver, :func:`run_online`.

The kernel is called in blocks of iterations. Between blocks the driver
reports progress and stays interruptible: a kernel call always completes
its block and records how far it got in ``state``, so after Ctrl-C the
weights and ``state`` are consistent whatever line the interrupt landed on.
Block boundaries do not change the result (the kernel hands the next BMU
across in ``state``).

Missing values and feature weights (:mod:`fastsom.missing`) ride in the
kernel's ``OnlineState``: an iteration whose sample, or the next one, is
masked runs ``kernels.sweep.masked_sweep`` (two passes, exact arithmetic,
one thread); every other iteration runs the fused sweep as before.
"""

import numpy as np

from .. import _threads
from .. import topology as grid_module
from .._validation import check_magnitude, check_option, check_X
from ..kernels.sweep import OnlineState, online_fast, online_parallel, online_strict
from ..missing import Rows, check_feature_weights, inspect_rows, kernel_masks, masked_args
from ..options import DISTANCES, MISSING, NEIGHBORHOODS
from .phases import NO_PHASES
from .plan import SampleOrder

#: Weight elements touched per kernel call: about 0.05-0.2 s of work, so a
#: progress bar moves and Ctrl-C is honoured promptly.
BLOCK_ELEMENTS = 2**25


#: With ``n_jobs`` > 1, maps with at least this many weight elements split
#: each iteration's sweep over threads. Measured on 2 idle cores: a 20x20
#: map of 32 features gains 1.2x, of 784 features 1.7x (float32) to 1.9x
#: (float64); a 10x10 map of 64 features loses 1.4x to the ~1.3 us a
#: parallel region costs. Threads are opt-in because the online algorithm
#: needs one barrier per iteration: when another process holds a core, each
#: barrier waits for the OS scheduler (measured: 8 ms per iteration instead
#: of 40 us, 200x slower), which a default must never risk.
PARALLEL_MIN_ELEMENTS = 16_384


def new_state():
    """The state of an online run that has not started: iteration 0, BMU unknown."""
    return np.array([0, -1, -1], dtype=np.int64)


def default_block_size(n_units, n_features):
    """Iterations per kernel call."""
    return max(1, BLOCK_ELEMENTS // (n_units * n_features))


def n_threads_for(n_jobs):
    """Threads for ``n_jobs``: None -> 1, -1 -> all allowed, k -> at most k (see :mod:`fastsom._threads`)."""
    if n_jobs is None:
        return 1
    return _threads.allowed_threads(n_jobs)


def choose_kernel(n_units, n_features, strict, n_jobs=None):
    """The online kernel for a map, and the extra arguments it takes.

    ``strict`` maps get the exact serial kernel. Others get the fastmath
    kernel, split over ``n_threads_for(n_jobs)`` unit ranges when that is
    more than one and the map is large enough; the split does not change a
    single bit of the result.
    """
    if strict:
        return online_strict, ()
    n_threads = n_threads_for(n_jobs)
    if n_threads > 1 and n_units * n_features >= PARALLEL_MIN_ELEMENTS:
        return online_parallel, (n_threads,)
    return online_fast, ()


def run_online(X, weights, coords, geometry, order, schedule, kind, metric, max_d2=2.0, *, strict, state,
               n_jobs=None, bmus=None, block_size=None, on_block=None, phases=NO_PHASES, feature_weights=None,
               incomplete=None):
    """Guts of online training; no input validation.

    X          IN    (n_samples, n_features), C-contiguous, dtype of weights
    weights    INOUT (n_units, n_features), C-contiguous
    coords     IN    (n_units, 2) float64
    geometry   IN    (4,) float64, see fastsom.topology
    order      IN    :class:`fastsom.training.plan.SampleOrder`, the sample of
                     each of its ``n_iterations`` iterations
    schedule   IN    ``schedule(start, stop) -> (learning_rate, sigma)``, two
                     float64 arrays of the values at iterations start .. stop - 1
    kind       IN    int, neighbourhood code
    metric     IN    int, distance code
    max_d2     IN    float, squared grid distance of adjacent units (for the running
                     topographic error); None: gather no running errors (faster)
    state      INOUT (3,) int64: [next iteration, its BMU or -1, its second unit]
    bmus       OUT   (n_iterations,) int64 or None
    on_block   called after each block as ``on_block(n_done, errors)``: the
               iterations done so far, and the block's running errors
               (3,) float64 = [sum of BMU distances, samples whose two
               best units are not adjacent, BMU searches], which the
               fused sweep gathers as it goes (see kernels.sweep)
    phases     timer of the blocks run (see fastsom.training.phases); default: none
    feature_weights IN (n_features,) float64 or None: the map's feature
               weights (matching only; updates move every feature)
    incomplete IN    (n_samples,) uint8 or None: 1 where a row of X holds
               NaN (missing values: matched on and moving only the observed
               features). No row may have nothing observed of weight > 0.

    Each kernel call gets one block's samples (plus the next block's first,
    which the fused sweep looks ahead to) and schedule values, so memory
    does not grow with the run's length. The kernel counts iterations from
    0 within the block; ``state`` keeps the run's count.
    """
    track = max_d2 is not None
    kernel, extra = choose_kernel(*weights.shape, strict, n_jobs)
    n_iterations = order.n_iterations
    if block_size is None:
        block_size = default_block_size(*weights.shape)
    no_bmus = np.empty(0, dtype=np.int64)
    errors = np.zeros(4)
    # Maps that mask nothing call the kernel without it: its plain code, pruned of every mask.
    extra = extra + masked_args(kernel_masks(feature_weights, weights.shape[1], incomplete=incomplete))
    while state[0] < n_iterations:
        with phases("python"):
            start = int(state[0])
            stop = min(n_iterations, start + block_size)
            samples = order.take(start, stop)
            learning_rate, sigma = schedule(start, stop)
            out = no_bmus if bmus is None else bmus[start:stop]
            errors[:3] = 0.0  # errors[3] carries the pending BMU's distance across blocks
            block_state = np.array([0, state[1], state[2]], dtype=np.int64)
        try:
            with phases("sweep"):
                kernel(X, weights, grid_module.Grid(coords, geometry), samples, learning_rate, sigma, kind, metric,
                       float(max_d2) if track else -1.0, stop - start,
                       OnlineState(block_state, errors), out, *extra)
        finally:  # the weights moved iff block_state says so: keep state in step even on Ctrl-C
            state[1], state[2] = block_state[1], block_state[2]
            state[0] = start + block_state[0]
        if on_block is not None:
            with phases("python"):
                on_block(int(state[0]), errors[:3].copy() if track else None)


def train_online(X, weights, sample_indices, learning_rate, sigma, *, neighborhood="gaussian_cutoff",
                 topology="rectangular", toroidal=False, distance="euclidean", strict=True, feature_weights=None,
                 missing="error"):
    """Train a map online on an explicit plan; the reference's fast twin.

    No randomness is drawn: the caller gives the initial weights and the
    sample of every iteration (see :func:`fastsom.make_plan`), so the result
    can be compared with ``reference.tutorial.train`` on the same inputs.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Training data (float32 or float64; other numbers become float64).
    weights : ndarray, shape (n_rows, n_cols, n_features)
        Initial weights; not modified. Their dtype (float32 or float64)
        is the dtype of training.
    sample_indices : ndarray of int, shape (n_iterations,)
        Row of ``X`` presented at each iteration.
    learning_rate, sigma : ndarray of float, shape (n_iterations,)
        Learning rate and neighbourhood radius of each iteration (see
        :mod:`fastsom.training.schedules` and :func:`fastsom.tutorial_schedules`).
    neighborhood : str
        A name from :data:`fastsom.options.NEIGHBORHOODS`; default the
        tutorial's ``"gaussian_cutoff"``.
    topology : {"rectangular", "hexagonal"}
    toroidal : bool
        Grid shape, as for :class:`fastsom.SOM`.
    distance : str
        BMU metric, a name from :data:`fastsom.options.DISTANCES`.
    strict : bool
        True (default): exact IEEE arithmetic, equal to the reference to a
        few ulps. False: the fastmath kernel (vectorised, FMA).
    feature_weights : array (n_features,) or None
        Weights of the features in the BMU search, as for :class:`fastsom.SOM`.
    missing : {"error", "ignore"}
        "ignore": NaN in X marks a missing value, as for :class:`fastsom.SOM`
        (``reference.masked.train_online`` is the literal loop). A presented
        row with nothing observed of weight > 0 is refused.

    Returns
    -------
    weights : ndarray, shape (n_rows, n_cols, n_features)
        The trained map (a new array).
    bmus : ndarray, shape (n_iterations,), int64
        The BMU (unit index ``row * n_cols + col``) of every iteration.

    Examples
    --------
    >>> import numpy as np
    >>> from fastsom import make_plan, train_online, tutorial_schedules
    >>> X = np.random.default_rng(0).random((100, 3))
    >>> plan = make_plan(5, 5, 3, 100, 2000, random_state=0)
    >>> lr, sigma = tutorial_schedules(5, 5, 2000)
    >>> w, bmus = train_online(X, plan.initial_weights, plan.sample_indices, lr, sigma)
    >>> w.shape, bmus.shape
    ((5, 5, 3), (2000,))
    """
    kind = check_option("neighborhood", neighborhood, NEIGHBORHOODS)
    metric = check_option("distance", distance, DISTANCES)
    check_option("missing", missing, {name: name for name in MISSING})
    feature_weights = check_feature_weights(feature_weights)
    weights = np.asarray(weights)
    if weights.ndim != 3 or weights.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"weights must be a float32 or float64 array of shape (n_rows, n_cols, n_features); "
            f"got {weights.dtype} array of shape {weights.shape}"
        )
    n_rows, n_cols, n_features = weights.shape
    grid_module.check_grid(n_rows, n_cols, topology, toroidal)
    if not np.isfinite(weights).all():
        raise ValueError("weights must contain finite numbers only")
    check_magnitude("weights", weights)
    X = check_X(X, weights.dtype, n_features=n_features, missing=missing)
    if feature_weights is not None and feature_weights.shape[0] != n_features:
        raise ValueError(f"feature_weights has {feature_weights.shape[0]} values, but X has {n_features} features: "
                         "one weight per feature")
    rows = inspect_rows(X, feature_weights) if missing == "ignore" else Rows(None, np.empty(0, dtype=np.int64))
    sample_indices = np.ascontiguousarray(sample_indices, dtype=np.int64)
    n_iterations = sample_indices.shape[0]
    if sample_indices.ndim != 1 or n_iterations < 1:
        raise ValueError(f"sample_indices must be 1-D with at least 1 entry; got shape {sample_indices.shape}")
    if sample_indices.min() < 0 or sample_indices.max() >= X.shape[0]:
        raise ValueError(f"sample_indices must lie in [0, {X.shape[0]}) (n_samples); "
                         f"got values from {sample_indices.min()} to {sample_indices.max()}")
    presented_empty = np.intersect1d(rows.empty, sample_indices)
    if presented_empty.shape[0]:
        raise ValueError(f"sample_indices presents row {presented_empty[0]} of X, which has no observed value of "
                         "weight > 0: it cannot be matched")
    schedules = []
    for name, values in (("learning_rate", learning_rate), ("sigma", sigma)):
        values = np.ascontiguousarray(values, dtype=np.float64)
        if values.shape != (n_iterations,):
            raise ValueError(f"{name} must have one value per iteration, shape ({n_iterations},); "
                             f"got shape {values.shape}")
        if not (np.isfinite(values).all() and (values > 0).all()):
            raise ValueError(f"{name} must be finite and > 0 at every iteration")
        schedules.append(values)
    trained = np.array(weights.reshape(n_rows * n_cols, n_features), order="C")
    bmus = np.empty(n_iterations, dtype=np.int64)
    learning_rate, sigma = schedules
    run_online(
        X, trained, *grid_module.make_grid(n_rows, n_cols, topology, toroidal),
        SampleOrder(sample_indices, X.shape[0], n_iterations),
        lambda start, stop: (learning_rate[start:stop], sigma[start:stop]),
        kind, metric, None, strict=strict, state=new_state(), bmus=bmus, feature_weights=feature_weights,
        incomplete=rows.incomplete,
    )
    return trained.reshape(n_rows, n_cols, n_features), bmus
