"""Learning-rate and radius schedules: one value per iteration.

A schedule is a plain function ``(start, end, n_steps, i=None) -> ndarray``
of float64 (its values at steps ``i``, default all), evaluated in Python a
block of steps at a time as training goes; kernels receive the arrays,
so they do not know which schedule made them and a custom one costs
nothing. ``end=None`` means the schedule's own conventional end.

``exponential`` is the tutorial's (section 3, "Update the SOM Learning
Parameters"): ``start * exp(-i / tau)`` with ``tau = n_steps / ln(start /
end)``. With the tutorial's ends it reproduces the tutorial bit for bit:
the radius decays to ``end = 1`` (``tau = n_iterations / ln(r0)``) and the
learning rate has ``tau = n_iterations``, which is ``end=None`` here (it
ends at start / e).

``asymptotic`` is MiniSom's default: ``start / (1 + i / (n_steps / 2))``,
which ends at start / 3 (``end=None``). ``inverse_time`` is the same
family, ``start / (1 + c i)``, with MiniSom's ``inverse_decay_to_zero``
as its default end (start / 101): a steep early fall, then a long tail.
``linear`` goes straight to ``end`` (default 0).

A schedule may also be a user callable ``f(step, n_steps) -> value``; see
:func:`evaluate`.
"""

import numpy as np


def exponential(start, end, n_steps, i=None):
    """``start * exp(-i / tau)``, i = 0 .. n_steps - 1 (or the steps ``i`` given).

    ``tau = n_steps / ln(start / end)``, so the value would reach ``end`` at
    i = n_steps; ``end=None`` takes ``tau = n_steps`` (ends near start / e).
    ``start == end`` gives a constant.
    """
    i = _steps(i, n_steps)
    if end is None:
        time_constant = n_steps
    else:
        # ln(1) = 0: an infinite time constant, a constant schedule (the
        # tutorial's radius on a map of width 2).
        with np.errstate(divide="ignore"):
            time_constant = n_steps / np.log(start / end)
    return start * np.exp(-i / time_constant)


def asymptotic(start, end, n_steps, i=None):
    """``start / (1 + c * i / n_steps)`` with c chosen to reach ``end`` at n_steps.

    ``end=None`` is MiniSom's ``start / (1 + i / (n_steps / 2))`` (c = 2,
    ending at start / 3), written as MiniSom writes it.
    """
    i = _steps(i, n_steps)
    if end is None:
        return start / (1 + i / (n_steps / 2))
    return start / (1 + (start / end - 1) * (i / n_steps))


def inverse_time(start, end, n_steps, i=None):
    """``start / (1 + (start / end - 1) * i / n_steps)``; ``end=None`` is start / 101.

    MiniSom's ``inverse_decay_to_zero`` (``start * C / (C + i)``, C = n / 100).
    """
    if end is None:
        end = start / 101
    return asymptotic(start, end, n_steps, i)


def linear(start, end, n_steps, i=None):
    """From ``start`` at i = 0 straight to ``end`` at i = n_steps (default 0)."""
    if end is None:
        end = 0.0
    i = _steps(i, n_steps)
    return start + (end - start) * (i / n_steps)


def _steps(i, n_steps):
    return np.arange(n_steps) if i is None else i


#: Named schedules.
SCHEDULES = {"exponential": exponential, "asymptotic": asymptotic, "inverse_time": inverse_time, "linear": linear}


def initial_radius(n_rows, n_cols):
    """The tutorial's ``init_radius = max(network_dimensions[0], network_dimensions[1]) / 2``, the default sigma."""
    return max(n_rows, n_cols) / 2


def evaluate(schedule, start, end, n_steps, name="schedule", steps=None):
    """The values of a schedule at ``steps`` (default 0 .. n_steps - 1), as float64, all finite and > 0.

    ``schedule`` is a name from :data:`SCHEDULES` (then ``start`` and ``end``
    apply) or a callable ``f(step, n_steps)`` returning the value itself
    (then ``start`` and ``end`` are not used). A callable is first tried
    once on the whole array of steps (fast when it is written with NumPy),
    and called step by step if that fails or gives the wrong shape.
    ``steps`` past the run's end (``>= n_steps``) take the value of the
    last step: training past the schedule's end (``partial_fit``) stays at
    its final value. Training evaluates a block of steps at a time, so no
    array of ``n_steps`` values is ever made for a long run.

    Raises
    ------
    ValueError
        Unknown name, or a value that is not a finite number > 0 (the
        message gives the first bad step).
    """
    steps = np.arange(n_steps) if steps is None else np.minimum(np.asarray(steps, dtype=np.int64), n_steps - 1)
    if callable(schedule):
        # One call at a single step first: a function returning a list of values
        # per step could otherwise pass for a vectorised one.
        try:
            first = schedule(int(steps[0]), n_steps) if len(steps) else 0.0
        except Exception as error:
            raise ValueError(f"{name} failed at step {int(steps[0])}: {error!r}") from error
        if np.ndim(first) != 0:
            raise ValueError(f"{name} must return one number per step, f(step, n_steps) -> float; at step "
                             f"{int(steps[0])} it returned {first!r}")
        try:
            values = np.asarray(schedule(steps, n_steps), dtype=np.float64)
        except Exception:  # not vectorisable: call it step by step
            values = None
        if values is None or values.shape != steps.shape:
            try:
                values = np.array([schedule(int(i), n_steps) for i in steps], dtype=np.float64)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name} must return one number per step, f(step, n_steps) -> float: "
                                 f"{error}") from None
            if values.shape != steps.shape:
                raise ValueError(f"{name} must return one number per step, f(step, n_steps) -> float; "
                                 f"it returned values of shape {values.shape[1:]}")
    else:
        if not isinstance(schedule, str) or schedule not in SCHEDULES:
            valid = ", ".join(repr(k) for k in SCHEDULES)
            raise ValueError(f"{name}={schedule!r} is not one of {valid}, nor a callable (step, n_steps) -> value")
        values = SCHEDULES[schedule](start, end, n_steps, steps)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(f"{name} gives {float(values[first])} at step {int(steps[first])}; every value must be a "
                         "finite number > 0")
    return np.ascontiguousarray(values, dtype=np.float64)
