"""The tutorial's three use cases: each writes its picture and the map it draws is a good one."""

import numpy as np
import pytest

from fastsom.cli import demos

plt = pytest.importorskip("matplotlib.pyplot")


def _picture(path):
    image = plt.imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) > 200
    assert image[..., :3].std() > 0.05  # not a blank canvas
    return image


def test_colours_demo(tmp_path, fitted_som):
    som, found = demos.colours(tmp_path / "c.png")
    image = _picture(tmp_path / "c.png")
    # Smooth regions: neighbouring units hold similar colours, far closer than units of a random map do.
    untrained = fitted_som(np.random.default_rng(0).random((5, 5, 3)))
    assert som.umatrix().mean() < untrained.umatrix().mean() / 2
    assert found["topographic error"] < 0.2 and found["quantization error"] > 0
    assert image.shape[0] > 300


def test_iris_demo_separates_the_species(tmp_path):
    _, found = demos.iris(tmp_path / "iris.png")
    _picture(tmp_path / "iris.png")
    # Setosa is linearly separable, versicolor and virginica overlap a little: purity well above the
    # 1/3 of a map that ignores species, and not perfect only through that overlap.
    assert found["BMU purity"] > 0.9
    assert found["topographic error"] < 0.1


@pytest.mark.slow
def test_digits_demo_forms_one_region_per_digit(tmp_path):
    pytest.importorskip("sklearn")
    _, found = demos.digits(tmp_path / "digits.png", n_iterations=20_000)
    _picture(tmp_path / "digits.png")
    assert found["BMU purity"] > 0.9  # chance level would be about 0.1 per unit


def test_digits_demo_reads_real_mnist_files(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (30, 28, 28)).astype(np.uint8)
    y = rng.integers(0, 10, 30)
    np.savez(tmp_path / "mnist.npz", x_train=X, y_train=y)
    _, found = demos.digits(tmp_path / "m.png", data=tmp_path / "mnist.npz", n_iterations=200, max_points=20)
    _picture(tmp_path / "m.png")
    assert set(found) == {"quantization error", "topographic error", "BMU purity"}
    assert 0 < found["quantization error"] and 0 <= found["topographic error"] <= 1
