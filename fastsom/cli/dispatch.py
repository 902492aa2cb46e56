"""Dispatch: parse the arguments, run the command, turn unusable input into one line and exit status 2."""

import os
import sys
import warnings

from ..io.tables import DataFileError
from .parser import build_parser


def _one_line(error):
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__


def main(argv=None):
    """Run the command line; returns the exit status (2 for unusable input)."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            # Models from `fastsom train` keep the file's column names; the
            # command line itself always hands them plain arrays in that order.
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return args.run(args)
    except BrokenPipeError:
        # The reader of standard output left (``fastsom predict ... | head``).
        # Point stdout at /dev/null so the interpreter's final flush is quiet.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1
    except KeyboardInterrupt:
        print("fastsom: interrupted", file=sys.stderr)
        return 130
    except (DataFileError, ValueError, OSError, ImportError, MemoryError) as error:
        # Unusable input: data or model files, settings the map refuses.
        print(f"fastsom: {_one_line(error)}", file=sys.stderr)
        return 2
