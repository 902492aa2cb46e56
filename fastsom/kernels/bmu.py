"""BMU search over many samples: predict, transform and the metrics.

Parallel over chunks of samples (``prange``); each sample's result depends
only on that sample, so outputs are identical for any number of threads.
Distances are computed directly (not as ||w||^2 - 2 x.w + ||x||^2, whose
cancellation can reorder near-ties), by :mod:`fastsom.kernels.distances`,
with ties going to the lowest unit index, the same rule as training.
"""


from .._jit import fast_jit, parallel_jit, prange
from .distances import nearest_two, row_distance, vector_norm
from .grid import grid_d2

#: Samples per parallel task: large enough to amortise scheduling, small
#: enough to balance two to a few dozen threads.
CHUNK = 256


@parallel_jit
def best_two_units(X, weights, metric, bmu, dist_bmu, second, dist_second):
    """First and second best matching unit of every sample.

    X           IN  (n_samples, n_features)
    weights     IN  (n_units, n_features)
    metric      IN  int, a code from kernels.distances
    bmu         OUT (n_samples,) int64, the best unit (lowest index on ties)
    dist_bmu    OUT (n_samples,) float64, its rank distance
    second      OUT (n_samples,) int64, the second best unit, -1 if n_units == 1
    dist_second OUT (n_samples,) float64, its rank distance (inf if none)
    """
    n_samples = X.shape[0]
    n_chunks = (n_samples + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        for i in range(c * CHUNK, min(n_samples, (c + 1) * CHUNK)):
            best, best_d, next_u, next_d = nearest_two(weights, X[i], metric)
            bmu[i] = best
            dist_bmu[i] = best_d
            second[i] = next_u
            dist_second[i] = next_d


@parallel_jit
def rank_distances(X, weights, metric, out):
    """Rank distance of every sample to every unit (squared for euclidean).

    X       IN  (n_samples, n_features)
    weights IN  (n_units, n_features)
    metric  IN  int, a code from kernels.distances
    out     OUT (n_samples, n_units), float64
    """
    n_samples = X.shape[0]
    n_units = weights.shape[0]
    n_chunks = (n_samples + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        for i in range(c * CHUNK, min(n_samples, (c + 1) * CHUNK)):
            x = X[i]
            x_norm = vector_norm(x)
            for u in range(n_units):
                out[i, u] = row_distance(metric, weights, u, x, x_norm)


@fast_jit
def count_not_adjacent(bmu, second, coords, geometry, max_d2, out):
    """Flag samples whose two best units are not grid neighbours.

    bmu, second IN  (n_samples,) int64
    coords      IN  (n_units, 2) float64
    geometry    IN  (4,) float64, see kernels.grid
    max_d2      IN  float, largest squared grid distance counted as adjacent
    out         OUT (n_samples,) bool
    """
    n_samples = bmu.shape[0]
    for i in range(n_samples):
        # Exact: lattice distances are exact in floating point (see fastsom.topology).
        out[i] = grid_d2(coords, geometry, bmu[i], second[i]) > max_d2
