"""
Missing values: a map of incomplete digits, and what it fills in
================================================================

``SOM(missing="ignore")`` trains on data with holes: each row is matched
on the features it has, and only those move the map. ``som.impute(X)``
then fills each hole with the value of its row's best matching unit (the
SOM Toolbox's ``som_fillnans``). Needs scikit-learn for the digits
(``pip install "fastsom[cluster]"``).

The data: scikit-learn's 1,797 digits of 8x8 pixels, scaled to [0, 1],
with a third of their pixels removed at random.
"""

# %%
import numpy as np

from fastsom import SOM
from fastsom.analysis import plot
from fastsom.datasets import load_digits

X, y = load_digits()
X /= 16.0
rng = np.random.default_rng(0)
removed = rng.random(X.shape) < 0.3
X_holes = np.where(removed, np.nan, X)

som = SOM(20, 20, missing="ignore", algorithm="batch", init="pca", random_state=0).fit(X_holes)
filled = som.impute(X_holes)

# %%
# The error of the filled values against the pixels that were removed,
# next to filling each hole with its pixel's mean over the rows that have it.
# The quantization error is measured on the complete digits.
column_mean = np.nanmean(X_holes, axis=0)
by_mean = np.where(removed, column_mean, X)
print(f"RMSE of impute      {np.sqrt(np.mean((filled - X)[removed] ** 2)):.3f}")
print(f"RMSE of column mean {np.sqrt(np.mean((by_mean - X)[removed] ** 2)):.3f}")
complete = SOM(20, 20, algorithm="batch", init="pca", random_state=0).fit(X)
print(f"quantization error on the true digits: map of complete data {complete.quantization_error(X):.3f}, "
      f"map of incomplete data {som.quantization_error(X):.3f}")

# %%
# Six digits: as they are, with their holes (red), and filled in by the
# map. The filled pixels come from a prototype of the same shape, so the
# strokes close up.
rows = [0, 1, 2, 3, 4, 5]
fig, axes = plot.pyplot().subplots(3, len(rows), figsize=(9, 4.8))
cmap = plot.pyplot().get_cmap("gray_r").with_extremes(bad="tab:red")
for col, row in enumerate(rows):
    for ax, image in zip(axes[:, col], (X[row], X_holes[row], filled[row]), strict=True):
        ax.imshow(image.reshape(8, 8), cmap=cmap, vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
for ax, name in zip(axes[:, 0], ("true", "30% removed", "impute"), strict=True):
    ax.set_ylabel(name)
fig.tight_layout()
