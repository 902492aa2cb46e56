"""Slow, literal, obviously-correct implementations: the test oracle.

Nothing here imports fastsom or numba, and nothing here is ever optimised.

* :mod:`reference.tutorial` - line-by-line port of "Self-Organising Maps: In
  Depth" (the colour map walkthrough).
* :mod:`reference.online` - the same loop with any neighbourhood function
  and any per-iteration schedule, for checking the general online kernel.
"""
