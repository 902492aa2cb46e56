"""
Iris: three species on a 10x10 map
==================================

The tutorial's second use case: Fisher's 150 iris flowers (shipped with
fastsom), four measurements each, scaled to [0, 1] per feature as the
tutorial's ``normalise_by_column`` does, on a 10x10 map trained for 20,000
iterations with the tutorial's algorithm. The labels are not used in
training; they only colour the picture.
"""

# %%
from fastsom import tutorial_som
from fastsom.analysis import metrics, plot
from fastsom.datasets import load_iris

X, y, species, feature_names = load_iris()
X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
som = tutorial_som(10, 10, n_iterations=20_000, random_state=0).fit(X)

# %%
# Each flower is drawn on its best matching unit (with a little jitter so
# that flowers sharing a unit stay visible), over the U-matrix. Setosa takes
# a region of its own behind a dark wall; versicolor and virginica meet
# along one border, the tutorial's "overlap between the versicolor and
# virginica types".
ax = plot.plot_samples(som, X, y, label_names=species, title="150 irises on a 10x10 map")

# %%
# Three numbers say how good the map is: the quantization error (mean
# distance from a flower to its unit), the topographic error (share of
# flowers whose two best units are not neighbours) and the BMU purity (share
# of flowers whose unit's majority species is theirs).
print(f"quantization error {som.quantization_error(X):.3f}")
print(f"topographic error  {som.topographic_error(X):.3f}")
print(f"BMU purity         {metrics.bmu_purity(som.predict(X), y):.3f}")

# %%
# The component planes show one feature each across the map: the petal
# measurements separate setosa (one corner) from the others, the sepal width
# much less.
fig = plot.plot_components(som, feature_names=feature_names)
