"""``fastsom cluster`` and ``fastsom plot --clusters`` (issue 14, item 1's command line)."""

import csv

import numpy as np
import pytest

from fastsom import cli

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Three blobs in a CSV with a label column, and a 6 x 6 map trained on them by the command line."""
    folder = tmp_path_factory.mktemp("regions")
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    X = np.array([[0.1, 0.1], [0.9, 0.2], [0.5, 0.9]])[truth] + 0.03 * rng.standard_normal((300, 2))
    data = folder / "blobs.csv"
    with open(data, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["x", "y", "kind"])
        writer.writerows([*row, f"k{label}"] for row, label in zip(X.tolist(), truth.tolist(), strict=True))
    model = folder / "m.npz"
    assert cli.main(["train", str(data), "--rows", "6", "--cols", "6", "--iterations", "4000", "--label-column",
                     "kind", "-q", "-o", str(model)]) == 0
    return folder, data, model, truth


def read(path):
    with open(path, newline="") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


def test_cluster_writes_each_unit_and_each_sample_region(trained, capsys):
    folder, data, model, truth = trained
    prefix = folder / "out"
    assert cli.main(["cluster", str(model), "-k", "3", "--data", str(data), "--label-column", "kind",
                     "-o", str(prefix)]) == 0
    head, units = read(f"{prefix}-units.csv")
    assert head == ["row", "col", "cluster"] and len(units) == 36
    region = {(int(r), int(c)): int(k) for r, c, k in units}
    assert set(region.values()) == {0, 1, 2}
    head, samples = read(f"{prefix}-samples.csv")
    assert head == ["row", "col", "cluster", "kind"] and len(samples) == 300
    # each sample's region is its unit's, and the three regions are the three blobs
    assert all(region[(int(r), int(c))] == int(k) for r, c, k, _ in samples)
    pairs = {(k, label) for _, _, k, label in samples}
    assert len(pairs) == 3, f"regions and blobs do not match one to one: {sorted(pairs)}"
    assert "3 regions (ward, units weighted by their hits in" in capsys.readouterr().out


def test_without_k_the_scores_are_printed(trained, capsys):
    folder, _, model, _ = trained
    assert cli.main(["cluster", str(model), "-o", str(folder / "auto")]) == 0
    out = capsys.readouterr().out
    assert "Davies-Bouldin index (lower is better): k=2: " in out and "k=6: " in out


@pytest.mark.parametrize("k", ["1", "two"])
def test_a_bad_k_exits_2(trained, capsys, k):
    _, _, model, _ = trained
    with pytest.raises(SystemExit) as stop:
        cli.main(["cluster", str(model), "-k", k])
    assert stop.value.code == 2
    assert "-k/--clusters" in capsys.readouterr().err


def test_plot_clusters_writes_the_regions_picture(trained):
    folder, data, model, _ = trained
    prefix = folder / "pic"
    assert cli.main(["plot", str(model), "--clusters", "3", "--data", str(data), "-o", str(prefix)]) == 0
    assert (folder / "pic-clusters.png").stat().st_size > 1000
