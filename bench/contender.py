"""One contender of the peer benchmarks: what it is and how to drive it (the registry is bench.contenders)."""

import contextlib
import importlib
import importlib.metadata
import importlib.util
import io
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Contender:
    """One implementation the bench races, and how to drive it.

    ``train(X, initial, wl)`` returns the codebook (n_rows, n_cols,
    n_features), or None for a floor; ``settings(wl)`` says in one line how
    it was called; ``dtype(wl)`` is the precision it computes in;
    ``memory_need(wl)`` predicts the bytes it must allocate beyond the data
    (None: nothing out of the ordinary), so one that cannot fit is skipped
    before it starts.
    """

    name: str
    label: str
    algorithm: str  # "online", "batch", "mini-batch"; floors: "floor (online)" / "floor (batch)"
    distribution: str  # whose version to print
    module: str  # what must import for it to run
    train: Callable
    settings: Callable
    dtype: Callable = staticmethod(lambda wl: "float32")
    memory_need: Callable = staticmethod(lambda wl: None)
    install: str = ""  # how to install it, for the skip reason

    @property
    def is_floor(self):
        return self.algorithm.startswith("floor")

    @property
    def is_fastsom(self):
        return self.name.startswith("fastsom")

    @property
    def family(self):
        """"online" or "batch": which fastsom a row is compared with (mini-batch counts as batch)."""
        return "online" if "online" in self.algorithm else "batch"

    def runs(self, wl):
        """Whether ``wl`` sets the amount of training this contender needs."""
        return bool(wl.n_iterations) if self.family == "online" else bool(wl.n_epochs)

    def unavailable(self):
        """Why this contender cannot run here, or None."""
        hint = f"; {self.install}" if self.install else ""
        if importlib.util.find_spec(self.module.split(".")[0]) is None:
            return f"{self.distribution} is not installed{hint}"
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                importlib.import_module(self.module)
        except Exception as error:  # a broken install: report it, run the rest
            return f"{self.distribution} does not import ({type(error).__name__}: {error}){hint}"
        return None

    def version(self):
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None
