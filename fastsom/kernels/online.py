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

import numpy as np

from .._jit import fast_jit, inline_jit, parallel_jit, prange, strict_jit
from .distances import row_distance, update_row, update_row_and_distance, vector_norm
from .grid import position_d2
from .neighborhoods import neighborhood


@inline_jit
def _nearest_unit(weights, x, metric):
    """Plain BMU search: smallest rank distance, ties to the lowest index."""
    x_norm = vector_norm(x)
    best = np.inf
    best_u = 0
    for u in range(weights.shape[0]):
        acc = row_distance(metric, weights, u, x, x_norm)
        if acc < best:
            best = acc
            best_u = u
    return best_u


@inline_jit
def _sweep(weights, coords, bmu, geometry, kind, metric, lr, s, factors, x, y, has_next, lo, hi):
    """One iteration's work on units lo .. hi - 1; returns the next BMU among them.

    Pass 1, over scalars: each unit's factor l * influence, grouped as the
    tutorial does, w + (l * h) * (t - w). Keeping the exp and the grid
    geometry out of the weight sweep lets them pipeline; inline in the sweep
    they cost 1.6x on the tutorial's map.

    Pass 2, the fused sweep over the weights: pull each unit towards x, then
    take its distance to y while the row is in cache. Returns (smallest
    rank distance, its unit), the lowest index on ties; with no next sample
    (``has_next`` False) only the update runs and (inf, lo) returns.
    """
    real = weights.dtype.type  # float32 maps stay float32 in the loops
    bmu_r = coords[bmu, 0]
    bmu_c = coords[bmu, 1]
    period_r, period_c, weight_r, weight_c = geometry[0], geometry[1], geometry[2], geometry[3]
    for u in range(lo, hi):
        d2 = position_d2(coords[u, 0], coords[u, 1], bmu_r, bmu_c, period_r, period_c, weight_r, weight_c)
        factors[u] = real(lr * neighborhood(kind, d2, s))
    y_norm = vector_norm(y) if has_next else 0.0
    best = np.inf
    best_u = lo  # a valid unit even if every distance overflowed
    for u in range(lo, hi):
        f = factors[u]
        if has_next:
            if f != 0.0:
                acc = update_row_and_distance(metric, weights, u, f, x, y, y_norm)
            else:
                acc = row_distance(metric, weights, u, y, y_norm)
            if acc < best:
                best = acc
                best_u = u
        elif f != 0.0:
            update_row(weights, u, f, x)
    return best, best_u


@inline_jit
def _online_body(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus,
                 n_chunks):
    """Run iterations state[0] .. stop - 1 of an online training plan.

    X             IN    (n_samples, n_features), same dtype as weights
    weights       INOUT (n_units, n_features), C-contiguous
    coords        IN    (n_units, 2) float64, grid position of each unit
    geometry      IN    (4,) float64, see kernels.grid
    samples       IN    (n_iterations,) int64, the sample of each iteration
    learning_rate IN    (n_iterations,) float64
    sigma         IN    (n_iterations,) float64
    kind          IN    int, a code from kernels.neighborhoods
    metric        IN    int, a code from kernels.distances
    stop          IN    int, first iteration not to run
    state         INOUT (2,) int64: [next iteration, its BMU or -1 if unknown];
                        on return [stop, BMU of iteration stop or -1]
    bmus          OUT   (stop - state[0],) int64, the BMU of each iteration
                        run, or a length-0 array to skip recording them
    n_chunks      IN    int, contiguous unit ranges swept in parallel (1 = serial)

    Weights are indexed as ``weights[u, k]`` rather than through a row view
    ``weights[u]``: building a view per unit cost a third of the time of the
    tutorial's 5x5 map.

    Every unit's arithmetic is the same whatever ``n_chunks``, and the
    per-chunk minima are reduced in unit order with a strict ``<``, so the
    map and the BMUs do not depend on the number of chunks or threads.
    """
    n_units = weights.shape[0]
    n_iterations = samples.shape[0]
    start = state[0]
    record = bmus.shape[0] > 0
    factors = np.empty(n_units, dtype=weights.dtype)
    chunk_best = np.empty(n_chunks)
    chunk_unit = np.empty(n_chunks, dtype=np.int64)
    bmu = state[1]
    if bmu < 0 and start < stop:
        bmu = _nearest_unit(weights, X[samples[start]], metric)
    for i in range(start, stop):
        if record:
            bmus[i - start] = bmu
        x = X[samples[i]]
        has_next = i + 1 < n_iterations
        y = X[samples[i + 1]] if has_next else x
        if n_chunks == 1:
            best, next_bmu = _sweep(weights, coords, bmu, geometry, kind, metric, learning_rate[i], sigma[i],
                                    factors, x, y, has_next, 0, n_units)
        else:
            for c in prange(n_chunks):
                lo = c * n_units // n_chunks
                hi = (c + 1) * n_units // n_chunks
                chunk_best[c], chunk_unit[c] = _sweep(weights, coords, bmu, geometry, kind, metric,
                                                      learning_rate[i], sigma[i], factors, x, y, has_next, lo, hi)
            best = chunk_best[0]
            next_bmu = chunk_unit[0]
            for c in range(1, n_chunks):
                if chunk_best[c] < best:
                    best = chunk_best[c]
                    next_bmu = chunk_unit[c]
        bmu = next_bmu
    state[0] = stop
    state[1] = bmu if stop < n_iterations else -1


@strict_jit
def online_strict(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus):
    """Fused online iterations, exact IEEE arithmetic. See :func:`_online_body`."""
    _online_body(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus, 1)


@fast_jit
def online_fast(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus):
    """Fused online iterations, fastmath flag set. See :func:`_online_body`."""
    _online_body(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus, 1)


@parallel_jit
def online_parallel(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus,
                    n_chunks):
    """Fused online iterations, fastmath, each sweep split into ``n_chunks`` parallel unit ranges.

    Bit for bit the result of :func:`online_fast`. ``n_chunks`` is passed in
    (normally ``numba.get_num_threads()``): calling that inside the kernel
    makes numba refuse to cache it.
    """
    _online_body(X, weights, coords, geometry, samples, learning_rate, sigma, kind, metric, stop, state, bmus,
                 n_chunks)
