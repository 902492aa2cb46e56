"""Where the units sit on the map, and which units are neighbours.

Units are numbered row-major, ``u = row * n_cols + col`` (the tutorial's
``for x: for y:`` order). Kernels get the geometry as two arrays, made by
:func:`make_grid` and nowhere else:

* ``coords`` (n_units, 2) float64, integer-valued lattice coordinates;
* ``geometry`` (4,) float64 = (period_r, period_c, weight_r, weight_c): the
  wrap-around length along each axis (0.0 = planar) and the weight of each
  axis in the squared distance, ``d2 = weight_r * dr**2 + weight_c * dc**2``.

Rectangular maps put unit (row, col) at (row, col) with weights (1, 1).
Hexagonal maps shift odd rows right by half a unit and space rows by
sqrt(3)/2, so all six neighbours are at distance 1. Their lattice
coordinates are (row, 2 * col + row % 2) ("doubled" columns) with weights
(3/4, 1/4): then ``d2 = (3 dr^2 + dc^2) / 4`` is exact in floating point,
and a neighbour is at exactly 1.0 rather than 1 +- 1 ulp, which matters to
cut-off neighbourhoods (bubble with sigma = 1) and to adjacency.

Toroidal maps wrap both axes (minimum image per axis, which for a box of
periods is the minimum over all images). A hexagonal torus needs an even
number of rows, or the row shift would not line up across the seam.
"""

from typing import NamedTuple

import numpy as np

from .options import TOPOLOGIES

#: Largest squared grid distance that counts as adjacent, by (topology,
#: connectivity). Rectangular: 4 = edge neighbours, 8 = edges and corners.
ADJACENCY = {
    ("rectangular", 4): 1.0,
    ("rectangular", 8): 2.0,
    ("hexagonal", 6): 1.0,
}

#: Connectivity used when none is given.
DEFAULT_CONNECTIVITY = {"rectangular": 8, "hexagonal": 6}


def check_grid(n_rows, n_cols, topology, toroidal):
    """Validate a grid's shape options (sizes are checked by the caller)."""
    if not isinstance(topology, str) or topology not in TOPOLOGIES:
        raise ValueError(f"topology={topology!r} is not one of {', '.join(map(repr, TOPOLOGIES))}")
    if not isinstance(toroidal, (bool, np.bool_)):
        raise TypeError(f"toroidal={toroidal!r} must be True or False")
    if toroidal and topology == "hexagonal" and n_rows % 2:
        raise ValueError(f"n_rows={n_rows} must be even for a hexagonal torus (toroidal=True): "
                         "with an odd number of rows the half-unit row shift does not line up across the seam")


class Grid(NamedTuple):
    """A map's geometry in the form kernels take."""

    coords: np.ndarray  # (n_units, 2) float64
    geometry: np.ndarray  # (4,) float64: period_r, period_c, weight_r, weight_c


def make_grid(n_rows, n_cols, topology="rectangular", toroidal=False):
    """Lattice coordinates and distance geometry of a map (no validation).

    Examples
    --------
    >>> grid = make_grid(2, 2, "hexagonal")
    >>> grid.coords.tolist()
    [[0.0, 0.0], [0.0, 2.0], [1.0, 1.0], [1.0, 3.0]]
    """
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    if topology == "rectangular":
        coords = np.column_stack([rows, cols])
        weights = (1.0, 1.0)
        periods = (n_rows, n_cols)
    elif topology == "hexagonal":
        coords = np.column_stack([rows, 2 * cols + rows % 2])
        weights = (0.75, 0.25)
        periods = (n_rows, 2 * n_cols)
    else:
        raise ValueError(f"topology={topology!r} is not one of {', '.join(map(repr, TOPOLOGIES))}")
    if not toroidal:
        periods = (0.0, 0.0)
    geometry = np.array([*periods, *weights], dtype=np.float64)
    return Grid(coords.astype(np.float64), geometry)


def plot_positions(n_rows, n_cols, topology="rectangular"):
    """Centre of each unit in the plane, (n_units, 2) as (x, y); y grows with the row."""
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    if topology == "hexagonal":
        return np.column_stack([cols + 0.5 * (rows % 2), rows * (np.sqrt(3) / 2)])
    return np.column_stack([cols, rows]).astype(np.float64)


def grid_squared_distances(grid, unit):
    """Squared grid distance from ``unit`` to every unit (NumPy; for tests and plots)."""
    coords, (period_r, period_c, weight_r, weight_c) = grid
    delta = np.abs(coords - coords[unit])
    for axis, period in enumerate((period_r, period_c)):
        if period > 0:
            delta[:, axis] = np.minimum(delta[:, axis], period - delta[:, axis])
    return weight_r * delta[:, 0] ** 2 + weight_c * delta[:, 1] ** 2


#: Lattice offsets (d_row, d_col) of the neighbours, by (topology, connectivity).
#: Hexagonal offsets are in doubled columns (see :func:`make_grid`).
_OFFSETS = {
    ("rectangular", 4): ((-1, 0), (1, 0), (0, -1), (0, 1)),
    ("rectangular", 8): ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)),
    ("hexagonal", 6): ((0, -2), (0, 2), (-1, -1), (-1, 1), (1, -1), (1, 1)),
}


def neighbors(n_rows, n_cols, topology="rectangular", toroidal=False, connectivity=None):
    """Each unit's grid neighbours, (n_units, k) int64 padded with -1.

    The units at squared grid distance <= ``ADJACENCY[(topology,
    connectivity)]`` other than the unit itself, found from lattice offsets
    (no n_units x n_units table). On small tori an offset and its opposite
    can land on the same unit; it is listed once.

    Examples
    --------
    >>> neighbors(2, 3, connectivity=4).tolist()
    [[1, 3, -1], [0, 2, 4], [1, 5, -1], [0, 4, -1], [1, 3, 5], [2, 4, -1]]
    """
    if connectivity is None:
        connectivity = DEFAULT_CONNECTIVITY[topology]
    offsets = np.array(_OFFSETS[(topology, connectivity)])
    coords, (period_r, period_c, _, _) = make_grid(n_rows, n_cols, topology, toroidal)
    rows = coords[:, :1].astype(np.int64) + offsets[:, 0]
    cols = coords[:, 1:].astype(np.int64) + offsets[:, 1]
    width = 2 * n_cols if topology == "hexagonal" else n_cols
    if toroidal:
        rows %= n_rows
        cols %= width
    valid = (rows >= 0) & (rows < n_rows) & (cols >= 0) & (cols < width)
    if topology == "hexagonal":
        cols = (cols - rows % 2) // 2  # back from doubled columns; parity always matches the row
    units = np.where(valid, rows * n_cols + cols, -1)
    units[units == np.arange(n_rows * n_cols)[:, None]] = -1  # a 1-wide torus axis wraps onto itself
    units = np.sort(units, axis=1)
    units[:, 1:][units[:, 1:] == units[:, :-1]] = -1  # repeats: a 2-wide torus axis reaches one unit twice
    # Listed units first, in ascending order; -1 padding last, trimmed to the longest list.
    order = np.argsort(units < 0, axis=1, kind="stable")
    units = np.take_along_axis(units, order, axis=1)
    width_used = int((units >= 0).sum(axis=1).max()) if units.size else 0
    return units[:, :width_used]
