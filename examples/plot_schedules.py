"""
Schedules: how the learning rate and the radius decay
=====================================================

Training starts with a large radius and learning rate, so the map orders
itself as a whole, and ends with small ones, so each unit settles near its
samples (Kohonen's two phases). ``learning_rate_schedule`` and
``sigma_schedule`` choose the curve between ``start`` and ``end``; the
default ends are learning rate 0.5 to 0.01 and radius ``max(n_rows,
n_cols) / 2`` to 1.

* ``"exponential"`` (the default, the tutorial's): ``start * exp(-i / tau)``;
* ``"asymptotic"`` (MiniSom's): ``start / (1 + i / (n_steps / 2))``;
* ``"inverse_time"``: ``start / (1 + c i)``, a steep fall and a long tail;
* ``"linear"``: straight from ``start`` to ``end``;
* or any callable ``f(step, n_steps) -> value``.

The functions live in :mod:`fastsom.training.schedules`; training calls
them a block of iterations at a time and hands the values to the kernel, so
a custom schedule costs nothing.
"""

# %%
import numpy as np

from fastsom import SOM
from fastsom.analysis import plot
from fastsom.datasets import make_colours
from fastsom.training import schedules

n_steps = 10_000
plt = plot.pyplot()
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
for name in ["exponential", "asymptotic", "inverse_time", "linear"]:
    function = getattr(schedules, name)
    left.plot(function(0.5, 0.01, n_steps), label=name)
    right.plot(function(5.0, 1.0, n_steps), label=name)
left.set_title("learning rate, 0.5 to 0.01")
right.set_title("radius sigma, 5 to 1 (a 10x10 map)")
for ax in (left, right):
    ax.set_xlabel("iteration")
    ax.legend(fontsize=8)
fig.tight_layout()

# %%
# A callable schedule receives the step and the number of steps. Here a
# radius that stays wide for the first half of training, then shrinks
# linearly: pass it as ``SOM(sigma_schedule=two_phases)``. Written with
# NumPy, it is called once per block of steps (a plain ``if`` works too,
# called step by step).


def two_phases(step, n_steps):
    half = n_steps / 2
    return np.where(step < half, 5.0, 5.0 - 4.0 * (step - half) / half)


som = SOM(10, 10, n_iterations=n_steps, sigma_schedule=two_phases, random_state=0)
X = make_colours(500, random_state=0)
som.fit(X)
print(f"two-phase radius: QE {som.quantization_error(X):.4f}, TE {som.topographic_error(X):.3f}")
print("its values at steps 0, 5000, 9999:", np.round(two_phases(np.array([0, 5000, 9999]), n_steps), 3))
