"""Squared distances between units on the map grid.

Every kernel takes grid geometry from here: ``coords`` (n_units, 2) float64
lattice positions and ``geometry`` (4,) float64 = (period_r, period_c,
weight_r, weight_c), made by :func:`fastsom.topology.make_grid`:
``d2 = weight_r * dr**2 + weight_c * dc**2`` with each axis difference
wrapped to its minimum image when its period is > 0.
"""

from .._jit import inline_jit


@inline_jit
def _axis_distance(a, b, period):
    d = abs(a - b)
    if period > 0.0 and period - d < d:
        d = period - d
    return d


@inline_jit
def position_d2(ur, uc, vr, vc, period_r, period_c, weight_r, weight_c):
    """Squared grid distance between lattice positions (ur, uc) and (vr, vc).

    Takes scalars: hot loops load the BMU's position and the geometry once
    and call this per unit. Numba cannot prove that ``coords`` and
    ``geometry`` do not alias the arrays the loop writes, so it would
    otherwise reload them for every unit (15% of the tutorial map's time).
    """
    dr = _axis_distance(ur, vr, period_r)
    dc = _axis_distance(uc, vc, period_c)
    return weight_r * (dr * dr) + weight_c * (dc * dc)


@inline_jit
def grid_d2(coords, geometry, u, v):
    """Squared grid distance between units u and v."""
    return position_d2(coords[u, 0], coords[u, 1], coords[v, 0], coords[v, 1],
                       geometry[0], geometry[1], geometry[2], geometry[3])
