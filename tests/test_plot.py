"""Plots run headless and draw what they claim."""

import numpy as np
import pytest

from fastsom import SOM, plot

plt = pytest.importorskip("matplotlib.pyplot")


def test_plot_colours_draws_the_weights_as_an_image():
    weights = np.random.default_rng(0).random((4, 5, 3)) * 1.2 - 0.1  # some values outside [0, 1]
    ax = plot.plot_colours(weights, title="map")
    images = ax.get_images()
    assert len(images) == 1
    np.testing.assert_array_equal(images[0].get_array(), np.clip(weights, 0, 1))
    assert ax.get_title() == "map"
    plt.close(ax.figure)


def test_plot_colours_accepts_a_fitted_som_and_an_axes():
    som = SOM(3, 3, n_iterations=100, random_state=0).fit(np.random.default_rng(1).random((20, 3)))
    fig, ax = plt.subplots()
    assert plot.plot_colours(som, ax=ax) is ax
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), np.clip(som.weights_, 0, 1))
    plt.close(fig)


def test_plot_colours_refuses_maps_without_three_features():
    with pytest.raises(ValueError, match=r"3 features.*\(2, 2, 4\)"):
        plot.plot_colours(np.zeros((2, 2, 4)))
