"""Numba kernels: pure functions of arrays.

No validation, no printing, no raising, no allocation inside hot loops.
Arguments are tagged IN / OUT / INOUT in each kernel's docstring. The
public layer (``fastsom.som``, ``fastsom.training.online``) validates and converts
before anything here runs.
"""
