"""
Looking at a map: U-matrix, hits, components, samples
=====================================================

A trained map is read through a few summaries, each a method of the
estimator returning an array, and a plot of each in
:mod:`fastsom.analysis.plot` (matplotlib). This example trains a hexagonal
map on the iris flowers and draws them all.
"""

# %%
from fastsom import SOM
from fastsom.analysis import plot
from fastsom.datasets import load_iris

X, y, species, feature_names = load_iris()
X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
som = SOM(10, 10, n_iterations=20_000, topology="hexagonal", random_state=0).fit(X)
print("U-matrix", som.umatrix().shape, "hit counts", som.hit_counts(X).shape,
      "component planes", som.component_planes().shape)

# %%
# The **U-matrix** shades each unit by its mean distance to its grid
# neighbours: dark ridges are borders between clusters. The **hit map**
# counts the samples each unit won; empty units sit on the borders.
plt = plot.pyplot()
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
plot.plot_umatrix(som, ax=left)
plot.plot_hits(som, X, ax=right)
fig.tight_layout()

# %%
# The **component planes**: one feature per panel, on the same grid.
fig = plot.plot_components(som, feature_names=feature_names)

# %%
# The **samples** on their units, coloured by a label training never saw;
# ``som.labels_map(X, y)`` counts them per unit.
ax = plot.plot_samples(som, X, y, label_names=species)
majority = som.labels_map(X, y).majority()
print("units whose majority is setosa:", int((majority == 0).sum()))
