"""Slow, literal, obviously-correct implementations: the test oracle.

Nothing here imports fastsom or numba, and nothing here is ever optimised.
The tests import it as ``reference`` from the repository; installs ship it
inside fastsom as ``fastsom._reference`` (setup.cfg), so ``fastsom verify``
works from an installed package and nothing claims the top-level name
``reference`` in site-packages. Imports between its modules are relative,
which keeps both names working.

* :mod:`reference.tutorial` - line-by-line port of "Self-Organising Maps: In
  Depth" (the colour map walkthrough).
* :mod:`reference.online` - the same loop with any neighbourhood function
  and any per-iteration schedule, for checking the general online kernel.
* :mod:`reference.regions` - Ward's clustering of the units restricted to
  touching regions, recomputed from scratch at every merge.
"""
