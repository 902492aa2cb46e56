"""Neighbourhood functions by name.

=================== ========================================================
name                influence of a unit at squared grid distance d2
=================== ========================================================
``gaussian``        ``exp(-d2 / (2 sigma^2))`` on the whole map (MiniSom's
                    default neighbourhood)
``gaussian_cutoff`` the tutorial's: the same gaussian, but only where
                    ``d2 <= sigma^2``; units outside the radius do not move
=================== ========================================================

The kernels implement them in :mod:`fastsom.kernels.neighborhoods`; this
module owns the names users type.
"""

from .kernels import neighborhoods as _kernels

NEIGHBORHOODS = {
    "gaussian": _kernels.GAUSSIAN,
    "gaussian_cutoff": _kernels.GAUSSIAN_CUTOFF,
}
