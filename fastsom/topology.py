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

#: Topology names.
TOPOLOGIES = ("rectangular", "hexagonal")

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
