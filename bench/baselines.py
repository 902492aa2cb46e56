"""What the fused online kernel is measured against, on the same plan.

* :func:`online_two_sweep` - the plain port of the tutorial's iteration in
  numba: one sweep over the units to find the BMU, a second sweep to update.
  It has the signature and semantics of
  :func:`fastsom.kernels.sweep.online_fast`, the same fastmath flag set and
  the same inline helpers (grid distance, neighbourhood), so the only
  difference measured is the fusion of the two sweeps.
* :func:`make_minisom` / :func:`run_minisom` - MiniSom driven through the
  loop of ``MiniSom.train`` on fastsom's plan (initial weights and sample
  order), so it presents the same samples in the same order.

MiniSom settings and their fastsom equivalents::

    MiniSom(..., sigma=sigma0, learning_rate=lr0,
            neighborhood_function="gaussian",
            decay_function="asymptotic_decay",
            sigma_decay_function="asymptotic_decay")
    == neighborhood "gaussian" (NEIGHBORHOODS["gaussian"]),
       learning_rate = schedules.asymptotic(lr0, None, n_iterations),
       sigma = schedules.asymptotic(sigma0, None, n_iterations)

MiniSom evaluates the gaussian as a product of two exponentials (one per
grid axis), so its weights agree with fastsom's to rounding (~1e-12 after a
few hundred float64 iterations), not bit for bit.
"""

import numpy as np

from fastsom._jit import fast_jit
from fastsom.kernels.bmu import nearest_units
from fastsom.kernels.sweep import _sweep


@fast_jit
def online_two_sweep(X, weights, grid, samples, learning_rate, sigma, kind, metric, max_d2, stop, run, bmus):
    """Run iterations run.counters[0] .. stop - 1 with a BMU sweep, then an update sweep.

    X             IN    (n_samples, n_features), same dtype as weights
    weights       INOUT (n_units, n_features), C-contiguous
    grid          IN    fastsom.topology.Grid (coords, geometry)
    samples       IN    (n_iterations,) int64, the sample of each iteration
    learning_rate IN    (n_iterations,) float64
    sigma         IN    (n_iterations,) float64
    kind          IN    int, a code from fastsom.kernels.neighborhoods
    stop          IN    int, first iteration not to run
    run           INOUT fastsom.kernels.sweep.OnlineState; a known BMU in
                        run.counters is not used (this kernel always
                        searches), and on return run.counters[:2] is [stop, -1]
    bmus          OUT   (stop - state[0],) int64, or length 0 to skip recording

    Both sweeps are the fused kernel's own inline helpers, so the one
    difference measured is the fusion.
    """
    state = run.counters
    n_units = weights.shape[0]
    start = state[0]
    record = bmus.shape[0] > 0
    factors = np.empty(n_units, dtype=weights.dtype)
    for i in range(start, stop):
        x = X[samples[i]]
        # Sweep 1: the BMU, smallest squared distance, ties to the lowest index.
        bmu = nearest_units(weights, x, metric, False)[1]
        if record:
            bmus[i - start] = bmu
        # Sweep 2: pull every unit towards x, with the fused kernel's own code
        # minus its distance to the next sample, so fusion is all that differs.
        _sweep(weights, grid, bmu, kind, metric, learning_rate[i], sigma[i], factors, x, x, False, False, 0, n_units)
    state[0] = stop
    state[1] = -1


def make_minisom(initial_weights, sigma, learning_rate, dtype):
    """A MiniSom with fastsom's equivalent settings and the plan's initial weights.

    Parameters
    ----------
    initial_weights : ndarray, shape (n_rows, n_cols, n_features)
        Copied and converted to ``dtype`` (the data's dtype).
    sigma, learning_rate : float
        Initial radius and learning rate; both decay as MiniSom's
        ``asymptotic_decay`` (fastsom's ``schedules.asymptotic(start, None, n)``).
    dtype : numpy dtype

    Returns
    -------
    minisom.MiniSom
    """
    from minisom import MiniSom

    n_rows, n_cols, n_features = initial_weights.shape
    som = MiniSom(n_rows, n_cols, n_features, sigma=sigma, learning_rate=learning_rate,
                  neighborhood_function="gaussian", decay_function="asymptotic_decay",
                  sigma_decay_function="asymptotic_decay", random_seed=0)
    som._weights = np.array(initial_weights, dtype=dtype, copy=True)
    return som


def run_minisom(som, X, samples, n_iterations, bmus=None):
    """The per-iteration loop of ``MiniSom.train`` on an explicit sample order.

    Parameters
    ----------
    som : minisom.MiniSom
        Trained in place.
    X : ndarray, shape (n_samples, n_features)
    samples : ndarray of int, shape (n_run,)
        Sample of each iteration run; may be a prefix of the plan.
    n_iterations : int
        Length of the whole plan: the ``max_iteration`` of the decays, so a
        prefix runs with the same learning rate and radius as the full plan.
    bmus : ndarray of int, shape (n_run,), optional
        Filled with the BMU of each iteration as ``row * n_cols + col``.
    """
    n_cols = som._weights.shape[1]
    # MiniSom.train with use_epochs=False and no fixed points:
    #     self.update(data[iteration], self.winner(data[iteration]), t, num_iteration)
    for t, idx in enumerate(samples):
        x = X[idx]
        win = som.winner(x)
        if bmus is not None:
            bmus[t] = win[0] * n_cols + win[1]
        som.update(x, win, t, n_iterations)


def train_minisom(X, initial_weights, samples, sigma, learning_rate, n_iterations=None):
    """Train MiniSom on a plan; return the weights and the BMU of every iteration.

    Returns
    -------
    weights : ndarray, shape (n_rows, n_cols, n_features), dtype of ``X``
    bmus : ndarray, shape (len(samples),), int64
    """
    if n_iterations is None:
        n_iterations = len(samples)
    som = make_minisom(initial_weights, sigma, learning_rate, X.dtype)
    bmus = np.empty(len(samples), dtype=np.int64)
    run_minisom(som, X, samples, n_iterations, bmus)
    return som._weights, bmus
