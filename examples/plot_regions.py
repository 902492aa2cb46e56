"""
Regions: clusters of units
==========================

A map with a few hundred units is still too fine to read as clusters.
``som.cluster(k)`` groups the units into ``k`` regions (Ward's clustering
restricted to touching units by default, so every region is contiguous) and
``som.predict_cluster(X)`` gives each sample its unit's region. Needs
scikit-learn (``pip install "fastsom[cluster]"``).

The data: eight gaussian blobs on a ring, in three dimensions.
"""

# %%
import numpy as np

from fastsom import SOM
from fastsom.analysis import plot

rng = np.random.default_rng(0)
angles = np.arange(8) * 2 * np.pi / 8
centres = np.column_stack([np.cos(angles), np.sin(angles), 0.3 * np.cos(2 * angles)])
labels = rng.integers(0, 8, 1600)
X = centres[labels] + rng.normal(0, 0.12, (1600, 3))

som = SOM(15, 15, topology="hexagonal", n_iterations=500 * 225, random_state=0).fit(X)
regions = som.cluster(8, X=X)
found = som.predict_cluster(X)
print("regions", regions.shape, "samples per region", np.bincount(found))

# %%
# The regions' borders over the U-matrix fall on its ridges.
fig, (left, right) = plot.pyplot().subplots(1, 2, figsize=(10, 4.5))
plot.plot_regions(som, ax=left)
plot.plot_regions(som, ax=right, background="regions", title="the 8 regions")
fig.tight_layout()

# %%
# Every blob should land in one region. The contingency table counts, for
# each true blob (row), its samples in each region (column).
table = np.zeros((8, 8), dtype=int)
np.add.at(table, (labels, found), 1)
print(table)
print("share of samples in their blob's main region:", round(table.max(axis=1).sum() / len(X), 3))

# %%
# ``plot_codebook`` draws the units on the data's first two principal axes,
# with the grid's edges: a map that spreads well is a net over the data,
# and a folded one shows crossing edges.
ax = plot.plot_codebook(som, X)
