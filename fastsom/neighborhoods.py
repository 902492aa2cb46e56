"""Neighbourhood functions by name.

=================== ========================================================
name                influence of a unit at squared grid distance d2 from
                    the BMU (d = sqrt(d2), in grid units)
=================== ========================================================
``gaussian``        ``exp(-d2 / (2 sigma^2))`` on the whole map (MiniSom's
                    default)
``gaussian_cutoff`` the tutorial's: the same gaussian, but only where
                    ``d2 <= sigma^2``; units outside the radius do not move
``bubble``          1 where ``d2 <= sigma^2``, else 0: a disc (MiniSom's
                    bubble is a square of side 2 sigma with strict bounds)
``triangle``        ``max(0, 1 - d / sigma)``: a cone (MiniSom's triangle is
                    a product of one triangle per axis)
``mexican_hat``     ``(1 - d2 / sigma^2) exp(-d2 / (2 sigma^2))``: pulls the
                    near units in and pushes units beyond sigma out
=================== ========================================================

All are functions of the grid distance, so they honour hexagonal spacing
and toroidal wrap-around. The kernels implement them in
:mod:`fastsom.kernels.neighborhoods`; this module owns the names.
"""

from .kernels import neighborhoods as _kernels

NEIGHBORHOODS = {
    "gaussian": _kernels.GAUSSIAN,
    "gaussian_cutoff": _kernels.GAUSSIAN_CUTOFF,
    "bubble": _kernels.BUBBLE,
    "triangle": _kernels.TRIANGLE,
    "mexican_hat": _kernels.MEXICAN_HAT,
}
