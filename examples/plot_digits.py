"""
Digits: one region per digit
============================

The tutorial's third use case: handwritten digits on a 20x20 map. Here they
are scikit-learn's 1,797 digits of 8x8 pixels (values 0..16, divided by 16),
trained for 40,000 iterations with the tutorial's algorithm.
``fastsom demo digits --data PATH`` runs the same on the real 70,000 MNIST
digits from files you have (:func:`fastsom.datasets.load_mnist`).
"""

# %%
import numpy as np

from fastsom import tutorial_som
from fastsom.analysis import metrics, plot
from fastsom.datasets import load_digits

X, y = load_digits()
X /= 16.0
som = tutorial_som(20, 20, n_iterations=40_000, random_state=0).fit(X)
print(f"quantization error {som.quantization_error(X):.3f}, "
      f"topographic error {som.topographic_error(X):.3f}, "
      f"BMU purity {metrics.bmu_purity(som.predict(X), y):.3f}")

# %%
# Every digit has its region; the 1s and the 9s come in two pieces each,
# the way they are written in two different ways.
ax = plot.plot_samples(som, X, y, markersize=6, title="1,797 8x8 digits on a 20x20 map")

# %%
# The units are prototypes: each holds an 8x8 image. Drawing every unit's
# weights as a picture shows how the digits blend into each other across
# the map.
weights = som.weights_.reshape(20, 20, 8, 8)
mosaic = np.zeros((20 * 9 - 1, 20 * 9 - 1))  # one blank pixel between units
for row in range(20):
    for col in range(20):
        mosaic[row * 9:row * 9 + 8, col * 9:col * 9 + 8] = weights[row, col]
fig, ax = plot.pyplot().subplots(figsize=(7, 7))
ax.imshow(mosaic, cmap="gray_r", interpolation="nearest")
ax.set_axis_off()
ax.set_title("each unit's weights as an 8x8 image")
