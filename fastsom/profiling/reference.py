"""The pure-Python reference and the fast trainer on one plan: do they agree, and how much faster is fastsom?

``fastsom verify`` (on the tutorial's colours, uniform data or the user's
file) and ``fastsom profile --reference`` both run :func:`compare`. The
oracle is ``reference/`` in fastsom's source tree, installed as
``fastsom._reference``. In the tutorial's configuration (the cut-off
gaussian, a rectangular planar map, euclidean distance) it runs
``reference.tutorial.train``, the line-by-line port of the tutorial; with
another neighbourhood, topology or distance, ``reference.online.train_online``
with the tutorial's schedules. fastsom runs its exact (``strict``) kernel in
both cases.
"""

import time
from dataclasses import asdict, dataclass

import numpy as np

from ..training.online import train_online
from ..training.plan import make_plan
from ..tutorial import tutorial_schedules

#: Largest |w_fast - w_reference| accepted in the tutorial's configuration (float64).
VERIFY_ATOL = 1e-12

#: Other configurations: the mexican hat can grow weights to 1e3 and beyond, where
#: rounding differences of fused multiply-adds scale with the weights
#: (tests/test_online_equivalence.py uses the same bound).
VERIFY_RTOL = 1e-12

#: The tutorial's configuration, which ``reference.tutorial`` implements.
TUTORIAL = {"neighborhood": "gaussian_cutoff", "topology": "rectangular", "toroidal": False, "distance": "euclidean"}


def load_oracle():
    """The reference package (``fastsom._reference``), or an ImportError that says how to get it."""
    try:
        from .. import _reference  # installed from reference/ by pip (setup.cfg's package_dir)
        from .._reference import grid, online, tutorial  # noqa: F401  (loads the submodules)
    except ImportError:
        raise ImportError("the reference comparison needs fastsom._reference, which pip installs from reference/: "
                          "run pip install . (or pip install -e .) in fastsom's source tree") from None
    return _reference


@dataclass
class ReferenceCheck:
    """The outcome of :func:`compare`; ``to_dict()`` gives plain values."""

    n_rows: int
    n_cols: int
    n_features: int
    n_samples: int
    n_iterations: int
    seed: int
    options: dict
    max_abs_diff: float
    same_bmus: bool
    first_difference: int | None
    reference_seconds: float
    fastsom_seconds: float
    agree: bool

    @property
    def tutorial(self):
        """Whether the options are the tutorial's own (then the oracle is ``reference.tutorial``)."""
        return self.options == TUTORIAL

    @property
    def speedup(self):
        return self.reference_seconds / self.fastsom_seconds if self.fastsom_seconds > 0 else float("inf")

    def to_dict(self):
        return {**asdict(self), "tutorial": self.tutorial, "speedup": self.speedup}

    def lines(self):
        """The verdict in a few lines of text, as ``fastsom verify`` prints it."""
        if self.tutorial:
            setting = "the tutorial's settings"
        else:
            changed = ", ".join(f"{key}={value}" for key, value in self.options.items() if TUTORIAL[key] != value)
            setting = f"the tutorial's schedules, {changed}"
        tolerance = f"{VERIFY_ATOL:g}" if self.tutorial else f"{VERIFY_ATOL:g} + {VERIFY_RTOL:g} |w|"
        bmus = "match" if self.same_bmus else f"DIFFER (first at iteration {self.first_difference})"
        return [
            f"map {self.n_rows}x{self.n_cols}, {self.n_features} features, {self.n_samples} samples, "
            f"{self.n_iterations} iterations, seed {self.seed} ({setting})",
            f"max |w_fast - w_reference| = {self.max_abs_diff:.3g}  (tolerance {tolerance})",
            f"BMU sequences {bmus}",
            f"reference {self.reference_seconds:.4f} s, fastsom {self.fastsom_seconds:.6f} s (compile excluded), "
            f"speed-up {self.speedup:,.0f}x",
            "OK: fastsom equals the reference" if self.agree else "FAIL: fastsom and the reference differ",
        ]


def reference_train(X, plan, learning_rate, sigma, n_cols, options):
    """The oracle's map and BMUs on ``plan``: (weights (n_rows, n_cols, n_features) float64, bmus (n_iterations,))."""
    oracle = load_oracle()
    n_rows = plan.initial_weights.shape[0]
    n_features = X.shape[1]
    if options == TUTORIAL:
        with np.errstate(divide="ignore"):  # a map of width 2: the tutorial's infinite time constant
            weights, bmu_idx = oracle.tutorial.train(X.T, plan.initial_weights, plan.sample_indices)
        return weights, bmu_idx[:, 0] * n_cols + bmu_idx[:, 1]
    grid_d2 = oracle.grid.distance_function(n_rows, n_cols, options["topology"], options["toroidal"])
    weights, bmus = oracle.online.train_online(
        X, plan.initial_weights.reshape(n_rows * n_cols, n_features), grid_d2, plan.sample_indices, learning_rate,
        sigma, options["neighborhood"], options["distance"])
    return weights.reshape(n_rows, n_cols, n_features), bmus


def compare(X, n_rows, n_cols, n_iterations, seed=0, **options):
    """Train the reference and fastsom's strict kernel on the same plan; compare maps, BMUs and times.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features), float64
        Checked data (every row may be drawn).
    n_rows, n_cols, n_iterations : int
    seed : int
        Seeds the plan (initial weights uniform in [0, 1), sample order).
    **options
        ``neighborhood``, ``topology``, ``toroidal``, ``distance``; the
        tutorial's by default (:data:`TUTORIAL`).

    Returns
    -------
    ReferenceCheck
    """
    options = {**TUTORIAL, **options}
    n_samples, n_features = X.shape
    plan = make_plan(n_rows, n_cols, n_features, n_samples, n_iterations, random_state=seed)
    learning_rate, sigma = tutorial_schedules(n_rows, n_cols, n_iterations)

    def fast():
        return train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma, strict=True,
                            **options)

    load_oracle()  # fail before compiling anything
    fast()  # compile (or load from the cache) outside the timing
    start = time.perf_counter()
    fast_weights, fast_bmus = fast()
    fast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ref_weights, ref_bmus = reference_train(X, plan, learning_rate, sigma, n_cols, options)
    ref_seconds = time.perf_counter() - start

    diff = np.abs(fast_weights - ref_weights)
    tolerance = VERIFY_ATOL if options == TUTORIAL else VERIFY_ATOL + VERIFY_RTOL * np.abs(ref_weights)
    same_bmus = bool(np.array_equal(fast_bmus, ref_bmus))
    first = None if same_bmus else int(np.argmax(fast_bmus != ref_bmus))
    return ReferenceCheck(n_rows, n_cols, n_features, n_samples, n_iterations, seed, options, float(diff.max()),
                          same_bmus, first, ref_seconds, fast_seconds, same_bmus and bool(np.all(diff <= tolerance)))


def seconds_per_iteration(X, n_rows, n_cols, n_iterations=3, seed=0):
    """The reference's time per iteration in the tutorial's configuration, from a short run (for budgets)."""
    plan = make_plan(n_rows, n_cols, X.shape[1], X.shape[0], n_iterations, random_state=seed)
    learning_rate, sigma = tutorial_schedules(n_rows, n_cols, n_iterations)
    start = time.perf_counter()
    reference_train(X, plan, learning_rate, sigma, n_cols, TUTORIAL)
    return (time.perf_counter() - start) / n_iterations
