"""Resident memory of this process, from ``/proc/self/status`` (Linux).

Peak memory is measured in a fresh process per contender: reset the peak
once the interpreter, the libraries and the data are in memory
(:func:`reset_peak`), note the resident set (:func:`rss_mib`), train, and
read the peak (:func:`peak_mib`); the difference is what training added.

``VmHWM`` rather than ``getrusage``'s ``ru_maxrss``: Linux carries a
parent's peak across fork + exec into ``ru_maxrss``, so a child of a large
process would report its parent's figure; and ``VmHWM`` can be reset
(writing 5 to ``/proc/self/clear_refs``, Linux >= 4.0), so the temporaries
of building the data do not hide what training adds.
"""


def _status_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def rss_mib():
    """Current resident set size, MiB."""
    return _status_kib("VmRSS") / 1024


def peak_mib():
    """Peak resident set size since the start or the last :func:`reset_peak`, MiB."""
    return _status_kib("VmHWM") / 1024


def reset_peak():
    """Set the peak to the current resident size; False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True
