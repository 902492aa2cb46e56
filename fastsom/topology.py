"""Where the units sit on the map, and which units are neighbours.

Units are numbered row-major, ``u = row * n_cols + col`` (the tutorial's
``for x: for y:`` order). Kernels get the geometry as two arrays, made
here and nowhere else:

* ``coords`` (n_units, 2) float64: rectangular grids put unit (row, col) at
  (row, col);
* ``periods`` (2,) float64: wrap-around length along rows and columns, 0.0
  for a planar map.
"""

import numpy as np

#: Largest squared grid distance that still counts as adjacent, per
#: rectangular connectivity: 4 = edge neighbours only, 8 = edges and corners.
RECTANGULAR_ADJACENCY = {4: 1.0, 8: 2.0}


def rectangular_coords(n_rows, n_cols):
    """Grid positions of a rectangular map, shape (n_units, 2), float64."""
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    return np.column_stack([rows, cols]).astype(np.float64)


def planar_periods():
    """No wrap-around along either axis."""
    return np.zeros(2, dtype=np.float64)
