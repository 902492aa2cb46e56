"""
Topologies: rectangular, hexagonal, planar, toroidal
====================================================

A map's units sit on a grid. On a **rectangular** grid a unit has 4
neighbours at distance 1 (and 4 more diagonally at sqrt(2)); on a
**hexagonal** grid odd rows are shifted by half a unit and rows are
sqrt(3)/2 apart, so each unit has six neighbours at distance 1. A
**toroidal** map wraps both edges: the last column neighbours the first,
the last row the first, and no unit sits on a border (a hexagonal torus
needs an even number of rows).

The neighbourhood, the topographic error, the U-matrix and the plots all
use the grid's own distances, seams included.
"""

# %%
# The same data (1,000 colours) on the four kinds of grid, drawn as the
# map's colours. Hexagonal maps are drawn as hexagons. The toroidal maps
# have no edge: colours at one border continue at the opposite one.
from fastsom import SOM
from fastsom.analysis import plot
from fastsom.datasets import make_colours

X = make_colours(1000, random_state=0)
plt = plot.pyplot()
fig, axes = plt.subplots(2, 2, figsize=(9, 8.5))
for ax, (topology, toroidal) in zip(axes.ravel(), [("rectangular", False), ("hexagonal", False),
                                                    ("rectangular", True), ("hexagonal", True)], strict=True):
    som = SOM(12, 12, topology=topology, toroidal=toroidal, n_iterations=20_000, random_state=0).fit(X)
    kind = f"{topology}, {'toroidal' if toroidal else 'planar'}"
    plot.plot_colours(som, ax=ax, title=f"{kind}: TE {som.topographic_error(X):.3f}")
fig.tight_layout()

# %%
# The U-matrix of a hexagonal map averages each unit's distance to its six
# neighbours; ``full=True`` draws the SOM Toolbox's full U-matrix, with a
# cell between every pair of neighbours.
som = SOM(12, 12, topology="hexagonal", n_iterations=20_000, random_state=0).fit(X)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
plot.plot_umatrix(som, ax=left, title="U-matrix")
plot.plot_umatrix(som, ax=right, full=True, title="full U-matrix")
fig.tight_layout()
