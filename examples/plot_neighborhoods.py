"""
Neighbourhoods: how far a sample pulls the map
==============================================

When a sample is presented, every unit moves towards it by
``learning_rate * h(d2, sigma)``, where ``d2`` is the unit's squared grid
distance to the best matching unit (BMU) and ``sigma`` the radius. fastsom
has five functions ``h``:

* ``"gaussian"`` (the default, MiniSom's): ``exp(-d2 / (2 sigma^2))``, every
  unit moves a little;
* ``"gaussian_cutoff"`` (the tutorial's): the same, but only units with
  ``d2 <= sigma^2`` move;
* ``"bubble"``: 1 inside the radius, 0 outside;
* ``"triangle"``: ``1 - d / sigma``, down to 0;
* ``"mexican_hat"``: ``(1 - d2 / sigma^2) exp(-d2 / (2 sigma^2))``, which
  pushes units just outside the radius away (it can make training diverge,
  which fastsom stops with :class:`fastsom.TrainingDiverged`).

Rather than plotting the formulas, this example measures them: one
iteration of the training kernel with learning rate 1, a sample of value 1
and a map of zeros whose centre unit, at 0.5, is the BMU. Each other unit's
new weight is then exactly ``h`` at its distance (the BMU's move is
divided by the half unit it had to go).
"""

# %%
import numpy as np

from fastsom import train_online
from fastsom.analysis import plot

NEIGHBORHOODS = ["gaussian", "gaussian_cutoff", "bubble", "triangle", "mexican_hat"]


def pull(neighborhood, topology, n=15, sigma=4.0):
    """Each unit's move after one iteration, learning rate 1, of a sample 1 won by the centre unit."""
    weights = np.zeros((n, n, 1))
    weights[n // 2, n // 2] = 0.5  # the unit nearest to the sample: the BMU
    moved, bmus = train_online(np.ones((1, 1)), weights, np.zeros(1, dtype=np.int64), np.ones(1),
                               np.full(1, sigma), neighborhood=neighborhood, topology=topology)
    assert bmus[0] == (n // 2) * n + n // 2
    influence = moved[..., 0]  # the others started at 0, one unit from the sample
    influence[n // 2, n // 2] = (influence[n // 2, n // 2] - 0.5) / 0.5  # the BMU started half a unit away
    return influence


# %%
# Along the BMU's row (rectangular grid, sigma = 4):
plt = plot.pyplot()
fig, ax = plt.subplots(figsize=(7, 3.8))
distance = np.arange(15) - 7
for name in NEIGHBORHOODS:
    ax.plot(distance, pull(name, "rectangular")[7], marker="o", label=name)
ax.axhline(0, color="grey", linewidth=0.8)
ax.set_xlabel("grid distance from the BMU (sigma = 4)")
ax.set_ylabel("h: share of the way moved")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# On the grid, rectangular (top) and hexagonal (bottom): the hexagonal grid
# puts six neighbours at distance 1, so each function's footprint is round
# in a different way.
fig, axes = plt.subplots(2, 5, figsize=(13, 5.6))
for row, topology in enumerate(["rectangular", "hexagonal"]):
    for ax, name in zip(axes[row], NEIGHBORHOODS, strict=True):
        influence = pull(name, topology)
        cells = plot.draw_cells(ax, 15, 15, topology, values=influence.ravel(), cmap="RdBu_r")
        cells.set_clim(-1, 1)  # white is 0: red units move towards the sample, blue ones away
        ax.set_title(f"{name}\n{topology}", fontsize=9)
fig.tight_layout()
