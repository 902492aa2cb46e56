"""
Colours: the tutorial's first map
=================================

The tutorial "Self-Organising Maps: In Depth" starts with 100 random
colours: three features (red, green, blue) in [0, 1], and a 5x5 map trained
for 2,000 iterations with its own algorithm. :func:`fastsom.tutorial_som`
is that configuration (learning rate 0.01, radius ``max(rows, cols) / 2``
decaying to 1, gaussian influence only inside the radius, exact arithmetic),
and the map it trains equals the pure-Python port of the tutorial to
1e-12 on the same plan (see :doc:`/guide/reference`).
"""

# %%
# The data: 100 colours drawn as the tutorial draws them (integers 0..254,
# divided by their maximum), one colour per row.
from fastsom import SOM, tutorial_som
from fastsom.analysis import plot
from fastsom.datasets import make_colours

X = make_colours(100, random_state=0)
print(X.shape, X.min().round(3), X.max())

# %%
# Train the tutorial's map and draw each unit's weights as its colour. Units
# that are close on the map have similar colours: the map has ordered itself.
som = tutorial_som(5, 5, n_iterations=2000, random_state=0).fit(X)
print(f"quantization error {som.quantization_error(X):.3f}, "
      f"topographic error {som.topographic_error(X):.3f}")
ax = plot.plot_colours(som, title="5x5 map, 2,000 iterations (the tutorial)")

# %%
# A larger map with fastsom's defaults (learning rate 0.5 to 0.01, a full
# gaussian neighbourhood, 500 iterations per unit) shows the colour space as
# smooth gradients. The U-matrix beside it shades each unit by its mean
# distance to its neighbours: dark cells are where neighbouring units differ
# most.
big = SOM(20, 20, random_state=0).fit(make_colours(1000, random_state=0))
fig, (left, right) = plot.pyplot().subplots(1, 2, figsize=(9, 4.2))
plot.plot_colours(big, ax=left, title="20x20 map, fastsom's defaults")
plot.plot_umatrix(big, ax=right)
fig.tight_layout()
