"""Phase timers: where a fit's time goes, measured by the code that trains.

The estimator and the training drivers wrap the blocks they already run in
``with phases("bmu"):``-style blocks. By default ``phases`` is
:data:`NO_PHASES`, which does nothing (one shared ``nullcontext``: about
0.1 us a block, against blocks of 0.05-0.2 s of work). ``fastsom profile``
hands them a :class:`PhaseTimer` instead, so its phase figures are the
training code's own, not those of an imitation of the training loop.

Phase names used by the estimator and the drivers (:data:`PHASES`):

``validate``  input checks and conversion (``fit``'s ``check_X``);
``init``      the training plan and the initial map;
``bmu``       batch: the BMU search (GEMM and the best-two scan, or the
              direct distances);
``update``    batch: sums and counts per unit, the division and the commit
              of the new map;
``smooth``    batch: the neighbourhood smoothing ``H @ [S, n]``;
``sweep``     online: the fused kernel, BMU search and update in one sweep;
``python``    the Python between kernel calls: schedules, sample order,
              per-epoch set-up, callbacks and progress.
"""

import contextlib
import time

#: Every phase name, in the order reports list them.
PHASES = ("validate", "init", "bmu", "update", "smooth", "sweep", "python")


class _NoPhases:
    """The do-nothing timer: ``with NO_PHASES(name):`` costs one call and a shared ``nullcontext``."""

    __slots__ = ()
    _block = contextlib.nullcontext()

    def __call__(self, name):
        return self._block


#: The default ``phases`` argument of the drivers: times nothing.
NO_PHASES = _NoPhases()


class PhaseTimer:
    """Accumulates wall time per phase name; ``with timer("bmu"): ...``.

    Phases are exclusive: a phase opened inside another pauses the outer one
    until it closes, so no interval is counted twice and the phases of a fit
    never add up to more than its wall time.

    Attributes
    ----------
    seconds : dict of str to float
        Wall time spent in each phase so far.
    calls : dict of str to int
        Blocks timed per phase.
    """

    def __init__(self):
        self.seconds = {}
        self.calls = {}
        self._open = []  # [name, start] of the phases open, innermost last

    def __call__(self, name):
        return _Phase(self, name)

    def _charge(self, name, now, start):
        self.seconds[name] = self.seconds.get(name, 0.0) + (now - start)

    def _enter(self, name):
        now = time.perf_counter()
        if self._open:  # pause the enclosing phase
            outer = self._open[-1]
            self._charge(outer[0], now, outer[1])
        self._open.append([name, now])
        self.calls[name] = self.calls.get(name, 0) + 1

    def _exit(self):
        now = time.perf_counter()
        name, start = self._open.pop()
        self._charge(name, now, start)
        if self._open:  # resume the enclosing phase
            self._open[-1][1] = now

    def total(self):
        """Sum of every phase's seconds."""
        return sum(self.seconds.values())


class _Phase:
    __slots__ = ("_timer", "_name")

    def __init__(self, timer, name):
        self._timer = timer
        self._name = name

    def __enter__(self):
        self._timer._enter(self._name)
        return self

    def __exit__(self, *exc_info):
        self._timer._exit()
        return False
