"""Pictures of a map (matplotlib, an optional extra: ``pip install fastsom[plot]``).

Every function draws on the ``ax`` it is given (or a new figure's) and
returns the Axes; none calls ``plt.show()``.
"""

import numpy as np


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "fastsom's plots need matplotlib: pip install 'fastsom[plot]' (or pip install matplotlib)"
        ) from error
    return plt


def plot_colours(weights, ax=None, title=None):
    """Show a map of 3 features as an image of RGB colours (the tutorial's picture).

    Parameters
    ----------
    weights : SOM or ndarray, shape (n_rows, n_cols, 3)
        A fitted ``SOM`` or its ``weights_``. Values are clipped to [0, 1].
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    weights = np.asarray(getattr(weights, "weights_", weights))
    if weights.ndim != 3 or weights.shape[2] != 3:
        raise ValueError(f"plot_colours needs a map of 3 features, shape (n_rows, n_cols, 3); got {weights.shape}")
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(4, 4))
    ax.imshow(np.clip(weights, 0.0, 1.0), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax
