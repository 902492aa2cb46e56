"""A dependency-free progress bar with an ETA, for ``verbose=True``.

Progress is reported only from the Python loop between kernel blocks,
never from inside a kernel.
"""

import sys
import time


def _format_seconds(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class ProgressBar:
    """Draws ``[#####-----]  45%  4500/10000 it  1s elapsed, ETA 2s`` on one line.

    Redraws at most every ``min_interval`` seconds (and always at the end),
    so a fast fit costs nothing for its bar.
    """

    def __init__(self, total, unit="it", stream=None, width=30, min_interval=0.1):
        self.total = total
        self.unit = unit
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.min_interval = min_interval
        self.start = time.perf_counter()
        self.last_draw = -float("inf")

    def update(self, done):
        now = time.perf_counter()
        if done < self.total and now - self.last_draw < self.min_interval:
            return
        self.last_draw = now
        elapsed = now - self.start
        fraction = done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        eta = elapsed * (self.total - done) / done if done else float("nan")
        eta_text = _format_seconds(eta) if done else "?"
        self.stream.write(
            f"\r[{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} "
            f"{done}/{self.total} {self.unit}  {_format_seconds(elapsed)} elapsed, ETA {eta_text}"
        )
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()
