"""Grid distances between units, from their positions in the plane.

Units are numbered row-major, u = row * n_cols + col. A rectangular unit
(row, col) sits at x = col, y = row. A hexagonal unit sits at x = col + 1/2
on odd rows, y = row * sqrt(3) / 2, so its six neighbours are at distance 1.

Squared distances are computed exactly, with ``fractions.Fraction``: y
only enters squared, y^2 = 3/4 * row^2, so no square root is needed and a
neighbour is at exactly 1. On a torus the distance is the minimum over the
nine images of the other unit shifted by a whole map width and/or height
(n_cols along x, n_rows rows along y).
"""

from fractions import Fraction
from functools import lru_cache


def position(u, n_cols, topology):
    """(x, row) of unit u: its x coordinate (exact) and its row."""
    row, col = divmod(u, n_cols)
    if topology == "hexagonal" and row % 2 == 1:
        return Fraction(col) + Fraction(1, 2), row
    return Fraction(col), row


@lru_cache(maxsize=1 << 16)  # a pure function of small ints; exact Fractions are slow
def squared_distance(u, v, n_rows, n_cols, topology="rectangular", toroidal=False):
    """Squared distance between units u and v on the map, as a float."""
    x_u, row_u = position(u, n_cols, topology)
    x_v, row_v = position(v, n_cols, topology)
    row_scale = Fraction(3, 4) if topology == "hexagonal" else Fraction(1)
    shifts = (-1, 0, 1) if toroidal else (0,)
    best = None
    for i in shifts:
        for j in shifts:
            dx = x_u - (x_v + i * n_cols)
            drow = row_u - (row_v + j * n_rows)
            d2 = dx * dx + row_scale * drow * drow
            if best is None or d2 < best:
                best = d2
    return float(best)


def distance_function(n_rows, n_cols, topology="rectangular", toroidal=False):
    """A function (u, v) -> squared grid distance for one map."""

    def grid_d2(u, v):
        return squared_distance(u, v, n_rows, n_cols, topology, toroidal)

    return grid_d2
