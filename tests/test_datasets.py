"""The shipped data and the labelled-map measure."""

import numpy as np
import pytest

from fastsom import datasets
from fastsom.analysis import metrics
from fastsom.datasets import load_digits, load_iris, make_colours


def test_iris_is_fishers():
    X, y, names, features = load_iris()
    assert X.shape == (150, 4)
    assert names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    np.testing.assert_array_equal(X[0], [5.1, 3.5, 1.4, 0.2])  # the first flower of Fisher's table
    # Published class means of petal length: 1.462, 4.260, 5.552 cm.
    np.testing.assert_allclose([X[y == k, 2].mean() for k in range(3)], [1.462, 4.260, 5.552], atol=5e-4)
    assert features[2] == "petal_length_cm"


def test_digits_come_from_scikit_learn():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


def test_colours_are_the_tutorials_normalised_integers():
    X = make_colours(100, random_state=0)
    assert X.shape == (100, 3) and X.max() == 1.0 and X.min() >= 0
    # raw integers 0..254 divided by their maximum: X * max is integral
    raw_max = np.random.default_rng(0).integers(0, 255, (3, 100)).max()
    np.testing.assert_allclose(X * raw_max, np.round(X * raw_max), atol=1e-9)


def test_bmu_purity_by_hand():
    # unit 0: labels a, a, b -> 2 of 3 in the majority; unit 3: c -> 1 of 1
    assert metrics.bmu_purity([0, 0, 0, 3], ["a", "a", "b", "c"]) == 0.75
    assert metrics.bmu_purity([1, 1, 2, 2], [0, 0, 1, 1]) == 1.0


def _write_idx(path, array, type_byte=0x08):
    import gzip
    import struct

    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(">" + "i" * array.ndim, *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as stream:
        stream.write(payload)


@pytest.fixture
def fake_mnist(tmp_path):
    rng = np.random.default_rng(0)
    parts = {"train": (rng.integers(0, 256, (6, 28, 28)).astype(np.uint8), rng.integers(0, 10, 6).astype(np.uint8)),
             "t10k": (rng.integers(0, 256, (4, 28, 28)).astype(np.uint8), rng.integers(0, 10, 4).astype(np.uint8))}
    for name, (images, labels) in parts.items():
        _write_idx(tmp_path / f"{name}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{name}-labels-idx1-ubyte.gz", labels)
    return tmp_path, parts


def test_mnist_from_a_folder_of_idx_files(fake_mnist):
    folder, parts = fake_mnist
    X, y = datasets.load_mnist(folder)
    images = np.concatenate([parts["train"][0], parts["t10k"][0]]).reshape(10, 784)
    np.testing.assert_array_equal(X, (images / np.float32(255)).astype(np.float32))
    np.testing.assert_array_equal(y, np.concatenate([parts["train"][1], parts["t10k"][1]]))
    assert X.dtype == np.float32 and y.dtype == np.int64


def test_mnist_from_one_idx_file_and_from_npz(fake_mnist, tmp_path):
    folder, parts = fake_mnist
    X, y = datasets.load_mnist(folder / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(y, parts["t10k"][1])
    np.savez(tmp_path / "mnist.npz", x_train=parts["train"][0], y_train=parts["train"][1],
             x_test=parts["t10k"][0], y_test=parts["t10k"][1])
    X_npz, y_npz = datasets.load_mnist(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(X_npz, datasets.load_mnist(folder)[0])
    assert len(y_npz) == 10


def test_bad_mnist_files_are_named(fake_mnist, tmp_path):
    folder, _ = fake_mnist
    with pytest.raises(FileNotFoundError, match="no MNIST data"):
        datasets.load_mnist(tmp_path / "missing")
    (tmp_path / "junk-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04 not idx")
    (tmp_path / "junk-labels-idx1-ubyte").write_bytes(b"\x01\x02\x03\x04 not idx")
    with pytest.raises(ValueError, match="junk-images-idx3-ubyte is not an IDX file"):
        datasets.load_mnist(tmp_path / "junk-images-idx3-ubyte")
    good = (folder / "train-images-idx3-ubyte.gz").read_bytes()
    import gzip

    (tmp_path / "cut-images-idx3-ubyte").write_bytes(gzip.decompress(good)[:-100])
    (tmp_path / "cut-labels-idx1-ubyte").write_bytes(gzip.decompress((folder / "train-labels-idx1-ubyte.gz")
                                                                     .read_bytes()))
    with pytest.raises(ValueError, match="truncated or damaged"):
        datasets.load_mnist(tmp_path / "cut-images-idx3-ubyte")
    (tmp_path / "lonely-images-idx3-ubyte").write_bytes(gzip.decompress(good))
    with pytest.raises(FileNotFoundError, match="lonely-labels-idx1-ubyte is missing"):
        datasets.load_mnist(tmp_path / "lonely-images-idx3-ubyte")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="expected x_train/y_train"):
        datasets.load_mnist(tmp_path / "other.npz")
