"""MiniSom's API on fastsom's kernels: ``from fastsom.compat import MiniSom``.

``fastsom.compat.MiniSom`` is a drop-in replacement for MiniSom 2.3's
class: same constructor, methods and attributes, and the same maps, many
times faster. It draws its random numbers from a
``numpy.random.RandomState(random_seed)`` exactly as MiniSom does (the
initial weights, the sample order, ``random_weights_init``), and the
kernels of :mod:`fastsom.kernels.minisom` repeat MiniSom's floating-point
operations in MiniSom's order, so a seed gives MiniSom's map.
"""

from .minisom import MiniSom

__all__ = ["MiniSom"]
