"""What happens between blocks (online) or epochs (batch) of training.

The kernels run a block of iterations or one epoch at a time; between
calls the estimator hands :class:`Monitor` the running quantization and
topographic errors that the kernels gathered during their own BMU searches
(no second pass over the data). The monitor draws the progress bar, calls
the user's callbacks and decides early stopping.
"""

import numpy as np

from .progress import ProgressBar


class StopTraining(Exception):
    """Raised by the monitor to end training early; caught by the estimator."""


class Monitor:
    """Progress, callbacks and early stopping for one training run.

    Parameters
    ----------
    total : int
        Iterations (online) or epochs (batch) planned.
    unit : str
        "it" or "epoch", for the progress bar.
    verbose : bool
    callbacks : list of callables ``callback(info)``
        ``info`` is a dict: ``step`` (block or epoch number, from 0),
        ``n_iter`` (iterations or epochs done), ``quantization_error``,
        ``topographic_error`` (both over the BMU searches of that block or
        epoch; see the estimator's docs for which weights they measure).
    early_stopping : bool
        Stop when the quantization error has not improved by more than
        ``tol`` for ``n_iter_no_change`` consecutive reports.
    """

    def __init__(self, total, unit, verbose, callbacks, early_stopping, tol, n_iter_no_change, progress=ProgressBar,
                 first_step=0):
        self.bar = progress(total, unit=unit) if verbose else None
        self.callbacks = callbacks
        self.early_stopping = early_stopping
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.best = float("inf")
        self.stale = 0
        self.step = first_step  # steps keep counting across partial_fit calls
        self.history = []

    def report(self, n_done, n_iter, quantization_error, topographic_error):
        """Record one block or epoch; raises :class:`StopTraining` to stop early.

        ``n_done`` counts this run (for the progress bar), ``n_iter`` the
        estimator's whole training (``n_iter_``, across ``partial_fit``).
        """
        info = dict(step=self.step, n_iter=n_iter, quantization_error=quantization_error,
                    topographic_error=topographic_error)
        # Recorded before anything that can be interrupted (the bar, the callbacks): a
        # trained block or epoch is never missing from history_.
        self.history.append(info)
        self.step += 1
        if self.bar is not None:
            self.bar.update(n_done)
        for callback in self.callbacks:
            callback(dict(info))
        if self.early_stopping:
            if quantization_error < self.best - self.tol:
                self.best = quantization_error
                self.stale = 0
            else:
                self.stale += 1
                if self.stale >= self.n_iter_no_change:
                    raise StopTraining

    def close(self):
        if self.bar is not None:
            self.bar.close()


class FiniteGuard:
    """Keeps the last finite map of a run that can diverge, and restores it if the map stops being finite.

    Only the mexican hat can make a map diverge: its negative weights push
    units away from a sample by a step that grows with their distance
    (online), and its denominators can vanish (batch). Other
    neighbourhoods, with a learning rate below 2, move units within the
    convex hull of the data and their start. So only a mexican-hat run pays
    for the snapshot (one copy of the map) and the checks (a pass over the
    map every :data:`CHECK_ELEMENTS` elements of training work).
    """

    #: Training work (weight elements touched) between two checks.
    CHECK_ELEMENTS = 2**28

    def __init__(self, weights, n_iter):
        self.last_finite = weights.copy()
        self.n_iter = n_iter
        self.work = 0

    def check(self, weights, n_iter, work, force=False):
        """After ``work`` more elements of training: snapshot a finite map, or restore the last and return False.

        Checks every :data:`CHECK_ELEMENTS` of work, or now if ``force``
        (the end of a run).
        """
        self.work += work
        if self.work < self.CHECK_ELEMENTS and not force:
            return True
        self.work = 0
        if is_finite(weights):
            self.last_finite[...] = weights
            self.n_iter = n_iter
            return True
        weights[...] = self.last_finite
        return False


def is_finite(weights):
    """True when every weight is finite; min and max find NaN and infinities without a temporary."""
    with np.errstate(invalid="ignore"):
        return bool(np.isfinite(weights.min()) and np.isfinite(weights.max()))
