"""The tutorial's configuration ("article mode") in one place.

"Self-Organising Maps: In Depth" trains a 5x5 map on 100 random colours for
2,000 iterations with

* initial radius ``max(n_rows, n_cols) / 2``, decaying exponentially with
  time constant ``n_iterations / ln(initial radius)`` (so it ends at 1);
* learning rate 0.01, decaying with time constant ``n_iterations``;
* the gaussian influence ``exp(-d^2 / (2 r^2))`` applied only where
  ``d^2 <= r^2``;
* uniform [0, 1) initial weights and one uniformly drawn sample per
  iteration (see :func:`fastsom.make_plan`).

With ``strict=True`` (no fastmath) fastsom reproduces ``reference.tutorial``
on the same plan; ``fastsom verify`` shows it.
"""

from .som import SOM
from .training import schedules
from .training.schedules import initial_radius

#: The tutorial's settings, as ``SOM`` parameters.
TUTORIAL_PARAMS = dict(
    learning_rate=0.01,
    learning_rate_end=None,
    sigma=None,
    sigma_end=1.0,
    learning_rate_schedule="exponential",
    sigma_schedule="exponential",
    neighborhood="gaussian_cutoff",
    init="random",
    strict=True,
    dtype="float64",
)


def tutorial_schedules(n_rows, n_cols, n_iterations, init_learning_rate=0.01):
    """The tutorial's per-iteration learning rate and radius.

    Returns
    -------
    learning_rate, sigma : ndarray, shape (n_iterations,), float64
        Bit for bit the values of the tutorial's ``decay_learning_rate`` and
        ``decay_radius`` at i = 0 .. n_iterations - 1.
    """
    learning_rate = schedules.exponential(init_learning_rate, None, n_iterations)
    sigma = schedules.exponential(initial_radius(n_rows, n_cols), 1.0, n_iterations)
    return learning_rate, sigma


def tutorial_som(n_rows=5, n_cols=5, n_iterations=2000, random_state=None, **params):
    """A ``SOM`` configured as the tutorial; keyword ``params`` override any setting.

    Examples
    --------
    >>> from fastsom import tutorial_som
    >>> from fastsom.datasets import make_colours
    >>> som = tutorial_som(random_state=0).fit(make_colours(random_state=0))
    >>> som.weights_.shape
    (5, 5, 3)
    """
    return SOM(n_rows, n_cols, n_iterations=n_iterations, random_state=random_state,
               **{**TUTORIAL_PARAMS, **params})
