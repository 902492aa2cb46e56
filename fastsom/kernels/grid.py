"""Squared distances between units on the map grid.

Every kernel takes grid geometry from here: ``coords`` (n_units, 2) float64
positions and ``periods`` (2,) float64, the wrap-around length along each
axis (0.0 = no wrap). Toroidal maps use the minimum image along each axis;
for a period box that is the same as the minimum over all images, because
the squared distance is a sum of one term per axis.
"""

from .._jit import inline_jit


@inline_jit
def _axis_distance(a, b, period):
    d = abs(a - b)
    if period > 0.0 and period - d < d:
        d = period - d
    return d


@inline_jit
def position_d2(ur, uc, vr, vc, period_r, period_c):
    """Squared grid distance between positions (ur, uc) and (vr, vc).

    Hot loops load the BMU's position once and call this per unit: numba
    cannot prove that ``coords`` does not alias the weights being written,
    so it would otherwise reload the BMU's coordinates for every unit.
    """
    dr = _axis_distance(ur, vr, period_r)
    dc = _axis_distance(uc, vc, period_c)
    return dr * dr + dc * dc


@inline_jit
def grid_d2(coords, periods, u, v):
    """Squared grid distance between units u and v."""
    return position_d2(coords[u, 0], coords[u, 1], coords[v, 0], coords[v, 1], periods[0], periods[1])
