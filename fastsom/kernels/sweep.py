"""The fused online kernel: BMU search and neighbourhood update in one sweep.

The tutorial's iteration i reads every unit's weights twice: once to find
the BMU of sample t_i, once to update. Here iteration i makes one sweep over
the units: each unit's row is pulled towards t_i and, while it is in cache,
its squared distance to the *next* sample t_{i+1} is accumulated into a
running argmin, which is the BMU of iteration i + 1. This is exactly the
tutorial's sequential order (each distance to t_{i+1} is taken from weights
already updated for t_i), with one pass over the map per iteration instead
of two; only the first iteration needs a plain BMU search. (Before the
sweep, a pass over n_units scalars computes each unit's neighbourhood
factor; it reads no weights.)

Two entry points share one body (see ``fastsom._jit``):

* :func:`online_strict` - no fastmath. In the tutorial's configuration it
  reproduces ``reference.tutorial`` to the last few ulps (exact BMU
  sequence; the only differences are the last bit of libm's ``exp`` against
  NumPy's and NumPy's pairwise summation of >= 8 features).
* :func:`online_fast` - reassociation and contraction allowed, so the
  distance reduction vectorises and updates use FMA.
"""

from typing import NamedTuple

import numpy as np

from .._jit import fast_jit, inline_jit, parallel_jit, prange, strict_jit
from .bmu import keep, masked_top_two, nearest_units, offer
from .distances import (
    COSINE,
    EUCLIDEAN,
    masked_distance,
    masked_norm,
    observed_weight,
    reported_scale,
    row_distance,
    to_metric,
    update_row,
    update_row_and_distance,
    update_row_observed,
    vector_norm,
)
from .grid import grid_d2, position_d2
from .neighborhoods import neighborhood


class OnlineState(NamedTuple):
    """Where an online run stands between two kernel calls, and what it has gathered (one INOUT argument).

    Kernels take it, and the map's ``fastsom.topology.Grid``, as namedtuples
    of arrays: 12 positional arguments instead of 14, at no cost (numba
    passes the members as it passed the arrays). Measured against the loose
    arrays, alternating processes, medians, 2 shared cores: the tutorial's
    5x5 map 0.95-1.01x, 20x20 on 784 features 0.95x.
    """

    counters: np.ndarray  # (3,) int64: [next iteration, its BMU or -1 if unknown, its second-best unit]
    errors: np.ndarray  # (4,) float64: running sums, see below, and the pending BMU's distance
    # errors: each iteration run adds its sample's distance to its BMU
    # (errors[0]), 1 if its two best units are not adjacent (errors[1]) and 1
    # to the count (errors[2]): the running quantization and topographic
    # errors, for free. errors[3] carries the distance of the next
    # iteration's BMU (found by a call's last sweep) to the call that runs it.


@inline_jit
def _sweep_euclidean(weights, factors, x, y, has_next, lo, hi):
    """The fused sweep for the common case: euclidean BMUs, no running errors.

    Same results as the general loop of :func:`_sweep`, written out: calling
    the metric-generic distance helpers and keeping a top two cost 1.4x on
    the tutorial's map (0.46 against 0.33 ms for 2,000 iterations), so the
    case the tutorial and MiniSom-style training use gets its own loop.
    Returns (best squared distance to y, its unit).

    Its ``acc < best`` is a second copy of the BMU rule's scan step
    (:func:`fastsom.kernels.bmu.keep`: units in increasing order, strict
    ``<``, so ties go to the lowest index); ``tests/test_bmu_rule.py`` runs
    both loops on exact and near ties and checks they agree.
    """
    n_features = weights.shape[1]
    acc0 = weights.dtype.type(0.0)
    best = np.inf
    best_u = lo  # a valid unit even if every distance overflowed
    for u in range(lo, hi):
        f = factors[u]
        if has_next:
            acc = acc0
            if f != 0.0:
                for k in range(n_features):
                    wk = weights[u, k] + f * (x[k] - weights[u, k])
                    weights[u, k] = wk
                    d = wk - y[k]
                    acc += d * d
            else:
                for k in range(n_features):
                    d = weights[u, k] - y[k]
                    acc += d * d
            if acc < best:
                best = acc
                best_u = u
        elif f != 0.0:
            update_row(weights, u, f, x)
    return best, best_u


@inline_jit
def _factors(grid, bmu, kind, lr, s, factors, lo, hi):
    """Pass 1 of a sweep: ``factors[u] = lr * h(d2(u, bmu), s)`` for units lo .. hi - 1, in the map's dtype."""
    real = factors.dtype.type  # float32 maps stay float32 in the loops
    coords, geometry = grid.coords, grid.geometry
    bmu_r = coords[bmu, 0]
    bmu_c = coords[bmu, 1]
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    for u in range(lo, hi):
        d2 = position_d2(coords[u, 0], coords[u, 1], bmu_r, bmu_c, period_r, period_c, weight_r, weight_c)
        factors[u] = real(lr * neighborhood(kind, d2, s))


@inline_jit
def _sweep(weights, grid, bmu, kind, metric, lr, s, factors, x, y, has_next, track, lo, hi):
    """One iteration's work on units lo .. hi - 1; returns the top two for y among them.

    Pass 1, over scalars: each unit's factor l * influence, grouped as the
    tutorial does, w + (l * h) * (t - w). Keeping the exp and the grid
    geometry out of the weight sweep lets them pipeline; inline in the sweep
    they cost 1.6x on the tutorial's map.

    Pass 2, the fused sweep over the weights: pull each unit towards x, then
    take its distance to y while the row is in cache. Returns the top two
    (best distance, best unit, second distance, second unit) for y, the
    next sample; with no next sample (``has_next`` False) only the update
    runs and (inf, lo, inf, -1) returns.
    """
    _factors(grid, bmu, kind, lr, s, factors, lo, hi)
    if metric == EUCLIDEAN and not track:
        best_d, best_u = _sweep_euclidean(weights, factors, x, y, has_next, lo, hi)
        return best_d, best_u, np.inf, -1
    y_norm = vector_norm(y) if has_next and metric == COSINE else 0.0
    best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
    for u in range(lo, hi):
        f = factors[u]
        if has_next:
            if f != 0.0:
                d = update_row_and_distance(metric, weights, u, f, x, y, y_norm)
            else:
                d = row_distance(metric, weights, u, y, y_norm)
            best_d, best_u, second_d, second_u = keep(track, best_d, best_u, second_d, second_u, d, u)
        elif f != 0.0:
            update_row(weights, u, f, x)
    # lo, not -1, when every distance overflowed: always a valid unit (the
    # data are checked not to overflow, so settling ties at inf is not needed)
    return best_d, max(best_u, lo), second_d, second_u


@strict_jit
def masked_sweep(weights, grid, bmu, kind, metric, lr, s, factors, x, x_missing, y, y_masked, has_next, track, mu,
                 total, lo, hi):
    """:func:`_sweep` for an iteration with a masked sample: x has NaN, or y is masked.

    Pulls each unit towards x (its observed features only when
    ``x_missing``), then takes its rank distance to y (masked when
    ``y_masked``: :func:`fastsom.kernels.distances.masked_distance`, weighted
    by ``mu``, (n_features,) float64: the map's feature weights, or ones;
    ``total`` their sum). A masked y's distances are returned as reported
    (rescaled, ``distances.reported_scale``), ready for the running errors.

    Not inlined: compiled once per dtype, in exact IEEE arithmetic, and
    called by every flavour of the online kernel (strict, fast, parallel:
    masked iterations run on one thread). Two passes over each row instead
    of the fused one; iterations without a masked sample run :func:`_sweep`.
    """
    _factors(grid, bmu, kind, lr, s, factors, lo, hi)
    y_norm = 0.0
    if has_next and metric == COSINE:
        y_norm = masked_norm(y, mu) if y_masked else vector_norm(y)
    best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
    for u in range(lo, hi):
        f = factors[u]
        if f != 0.0:
            if x_missing:
                update_row_observed(weights, u, f, x)
            else:
                update_row(weights, u, f, x)
        if has_next:
            if y_masked:
                d = np.float64(masked_distance(metric, weights, u, y, y_norm, mu))
            else:
                d = np.float64(row_distance(metric, weights, u, y, y_norm))
            best_d, best_u, second_d, second_u = keep(track, best_d, best_u, second_d, second_u, d, u)
    scale = reported_scale(metric, total, observed_weight(y, mu)) if y_masked else 1.0
    return best_d * scale, max(best_u, lo), second_d * scale, second_u


@inline_jit
def _count_errors(errors, metric, grid, max_d2, best_d, best_u, second_u):
    """Add one BMU search to the running errors: [sum of BMU distances, not-adjacent count, searches]."""
    errors[0] += to_metric(metric, best_d)
    if second_u >= 0 and grid_d2(grid.coords, grid.geometry, best_u, second_u) > max_d2:
        errors[1] += 1.0
    errors[2] += 1.0


@inline_jit
def _sample_masked(masks, sample):
    """Whether sample ``sample`` of X is masked: the map is weighted or its row holds NaN."""
    return masks.weighted or (masks.incomplete.shape[0] > 0 and masks.incomplete[sample] != 0)


@inline_jit
def _online_body(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, n_chunks,
                 masks):
    """Run iterations run.counters[0] .. stop - 1 of an online training plan.

    X             IN    (n_samples, n_features), same dtype as weights
    weights       INOUT (n_units, n_features), C-contiguous
    grid          IN    ``fastsom.topology.Grid``: coords (n_units, 2) and
                        geometry (4,) float64, see kernels.grid
    samples       IN    (n_iterations,) int64, the sample of each iteration
    learning_rate IN    (n_iterations,) float64
    sigma         IN    (n_iterations,) float64
    kind          IN    int, a code from kernels.neighborhoods
    metric        IN    int, a code from kernels.distances
    max_d2        IN    float, largest squared grid distance counted as adjacent;
                        negative: do not gather running errors (faster)
    stop          IN    int, first iteration not to run
    run           INOUT :class:`OnlineState`, where the run stands and its
                        running errors; on return, the same for iteration
                        ``stop``
    bmus          OUT   (stop - run.counters[0],) int64, the BMU of each
                        iteration run, or a length-0 array to skip recording them
    n_chunks      IN    int, contiguous unit ranges swept in parallel (1 = serial)
    masks         IN    ``distances.Masks`` or None (the kernels' omitted
                        argument, pruned at compile time): a sample is
                        masked when the map is weighted or its row holds NaN
                        (``masks.incomplete``); an iteration with a masked
                        sample (or next sample) runs :func:`masked_sweep`

    Weights are indexed as ``weights[u, k]`` rather than through a row view
    ``weights[u]``: building a view per unit cost a third of the time of the
    tutorial's 5x5 map.

    Every unit's arithmetic is the same whatever ``n_chunks``, and the
    per-chunk top twos merge by (distance, unit index), so the map and the
    BMUs do not depend on the number of chunks or threads.
    """
    state = run.counters
    errors = run.errors
    n_units = weights.shape[0]
    n_iterations = samples.shape[0]
    start = state[0]
    record = bmus.shape[0] > 0
    factors = np.empty(n_units, dtype=weights.dtype)
    top = np.empty((n_chunks, 4))  # per chunk: best d, best u, second d, second u
    track = max_d2 >= 0.0
    bmu = state[1]
    second_u = state[2]
    best_d = errors[3]
    if bmu < 0 and start < stop:
        best_d, bmu, _, second_u = nearest_units(weights, X[samples[start]], metric, track)
        if masks is not None:
            if _sample_masked(masks, samples[start]):
                best_d, bmu, _, second_u = masked_top_two(weights, X[samples[start]], metric, masks.mu, masks.total)
                bmu = max(bmu, 0)  # (never -1: rows with nothing observed are not trained on)
    for i in range(start, stop):
        if record:
            bmus[i - start] = bmu
        if track:
            _count_errors(errors, metric, grid, max_d2, best_d, bmu, second_u)
        x = X[samples[i]]
        has_next = i + 1 < n_iterations
        y = X[samples[i + 1]] if has_next else x
        if masks is not None:
            x_missing = masks.incomplete.shape[0] > 0 and masks.incomplete[samples[i]] != 0
            y_masked = has_next and _sample_masked(masks, samples[i + 1])
            if x_missing or y_masked:  # on one thread: see masked_sweep
                best_d, bmu, _, second_u = masked_sweep(weights, grid, bmu, kind, metric, learning_rate[i], sigma[i],
                                                        factors, x, x_missing, y, y_masked, has_next, track,
                                                        masks.mu, masks.total, 0, n_units)
                continue
        if n_chunks == 1:
            best_d, best_u, _, second_u = _sweep(weights, grid, bmu, kind, metric, learning_rate[i], sigma[i],
                                                 factors, x, y, has_next, track, 0, n_units)
        else:
            for c in prange(n_chunks):
                lo = c * n_units // n_chunks
                hi = (c + 1) * n_units // n_chunks
                top[c, 0], top[c, 1], top[c, 2], top[c, 3] = _sweep(
                    weights, grid, bmu, kind, metric, learning_rate[i], sigma[i], factors, x, y, has_next, track,
                    lo, hi)
            best_d, best_u, second_d, second_u = np.inf, -1, np.inf, -1
            for c in range(n_chunks):
                for rank in range(2):
                    u = int(top[c, 2 * rank + 1])
                    if u >= 0:
                        best_d, best_u, second_d, second_u = offer(best_d, best_u, second_d, second_u,
                                                                    top[c, 2 * rank], u)
        bmu = best_u
    state[0] = stop
    state[1] = bmu if stop < n_iterations else -1
    state[2] = second_u
    errors[3] = best_d


@strict_jit
def online_strict(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, masks=None):
    """Fused online iterations, exact IEEE arithmetic. See :func:`_online_body`."""
    _online_body(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, 1, masks)


@fast_jit
def online_fast(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, masks=None):
    """Fused online iterations, fastmath flag set. See :func:`_online_body`."""
    _online_body(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, 1, masks)


@parallel_jit
def online_parallel(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, n_chunks,
                    masks=None):
    """Fused online iterations, fastmath, each sweep split into ``n_chunks`` parallel unit ranges.

    Bit for bit the result of :func:`online_fast`. ``n_chunks`` is passed in
    (normally ``numba.get_num_threads()``): calling that inside the kernel
    makes numba refuse to cache it.
    """
    _online_body(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus, n_chunks,
                 masks)
