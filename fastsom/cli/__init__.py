"""The ``fastsom`` command line: ``main`` (the entry point), ``dispatch``, ``parser``, ``commands``, ``demos``."""

import sys


def main(argv=None):
    """The ``fastsom`` console script: run the command line; returns the exit status.

    The command line's modules (numba, NumPy's BLAS, the kernels) load here,
    inside the function, so Ctrl-C while they load ends with one line and
    status 130, as it does once a command runs.
    """
    try:
        from .dispatch import main as run
    except KeyboardInterrupt:
        print("fastsom: interrupted", file=sys.stderr)
        return 130
    return run(argv)


__all__ = ["main"]
