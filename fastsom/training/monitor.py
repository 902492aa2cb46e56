"""What happens between blocks (online) or epochs (batch) of training.

The kernels run a block of iterations or one epoch at a time; between
calls the estimator hands :class:`Monitor` the running quantization and
topographic errors that the kernels gathered during their own BMU searches
(no second pass over the data). The monitor draws the progress bar, calls
the user's callbacks and decides early stopping.
"""

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
        if self.bar is not None:
            self.bar.update(n_done)
        info = dict(step=self.step, n_iter=n_iter, quantization_error=quantization_error,
                    topographic_error=topographic_error)
        self.history.append(info)
        self.step += 1
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
