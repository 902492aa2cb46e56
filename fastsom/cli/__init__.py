"""The ``fastsom`` command line: ``main`` (entry point), ``parser``, ``commands``, ``scaling``, ``demos``."""

from .main import main

__all__ = ["main"]
