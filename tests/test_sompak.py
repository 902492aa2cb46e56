"""SOM_PAK codebook files: unit placement, exact round trips, tolerated extras, and every refused file.

Files in the tests are written by hand (or by plain string formatting), and
exported files are read back by plain string parsing, so neither direction
is checked only against the other. Maps stay tiny (at most 3x4).
"""

import os
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastsom import SOM, NotFittedError, export_cod, import_cod
from fastsom.io import sompak
from fastsom.topology import grid_squared_distances

# 2 rows (ydim) x 3 columns (xdim), x running fastest: line k is unit (row k // 3, col k % 3).
RECT_2x3 = """\
2 rect 3 2 bubble
0.5 -1
1.5 -2
2.5 -3
3.5 -4
4.5 -5
5.5 -6
"""

HEXA_2x2 = """\
1 hexa 2 2 gaussian
10
20
30
40
"""


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((40, 3))


def write(tmp_path, text, name="map.cod"):
    path = tmp_path / name
    path.write_text(text)
    return path


def bits(array):
    """The raw bits of a float array, so -0.0 != 0.0 and every last bit counts."""
    return array.view(np.uint64 if array.dtype == np.float64 else np.uint32)


def ref_hexa_dist(bx, by, tx, ty):
    """SOM_PAK's map distance on a hexagonal lattice (som_rout.c, hexa_dist), restated."""
    diff = bx - tx
    if (by - ty) % 2 != 0:
        diff += -0.5 if by % 2 == 0 else 0.5
    return np.sqrt(diff * diff + 0.75 * (by - ty) ** 2)


# ---------------------------------------------------------------- import: placement


def test_a_rect_file_fills_rows_with_x_running_fastest(tmp_path):
    som = import_cod(write(tmp_path, RECT_2x3))
    assert (som.n_rows, som.n_cols, som.topology, som.neighborhood) == (2, 3, "rectangular", "bubble")
    assert som.weights_.shape == (2, 3, 2) and som.weights_.dtype == np.float64
    assert_array_equal(som.weights_[0, 1], [1.5, -2])  # 2nd line: row 0, col 1
    assert_array_equal(som.weights_[1, 0], [3.5, -4])  # 4th line: row 1, col 0
    assert_array_equal(som.weights_, [[[0.5, -1], [1.5, -2], [2.5, -3]],
                                      [[3.5, -4], [4.5, -5], [5.5, -6]]])
    assert som.n_features_in_ == 2 and som.n_iter_ == 0 and som.history_ == []


def test_a_hexa_file_keeps_its_topology_and_placement(tmp_path):
    som = import_cod(write(tmp_path, HEXA_2x2))
    assert (som.n_rows, som.n_cols, som.topology, som.neighborhood) == (2, 2, "hexagonal", "gaussian")
    assert_array_equal(som.weights_[:, :, 0], [[10, 20], [30, 40]])


def test_hexagonal_units_sit_where_sompak_puts_them(tmp_path):
    """Every pairwise grid distance of an imported 3x4 hexa map equals SOM_PAK's hexa_dist with x = col, y = row."""
    n_rows, n_cols = 3, 4
    text = f"1 hexa {n_cols} {n_rows} bubble\n" + "".join(f"{k}\n" for k in range(n_rows * n_cols))
    som = import_cod(write(tmp_path, text))
    for unit in range(n_rows * n_cols):
        by, bx = divmod(unit, n_cols)
        ref_d = [ref_hexa_dist(bx, by, tx, ty) for ty in range(n_rows) for tx in range(n_cols)]
        comp_d = np.sqrt(grid_squared_distances(som.settings_.grid, unit))
        np.testing.assert_allclose(comp_d, ref_d, rtol=0, atol=1e-12, err_msg=f"unit={unit}")


def test_comments_blank_lines_and_labels_are_ignored(tmp_path):
    text = ("# written by hand\n"
            "#n first second\n"
            "2 rect 2 1 gaussian\n"
            "\n"
            "1.0 2.0 apple weight=3 fixed=0,0\n"
            "# between units\n"
            "  \t\n"
            "-3e-2\t+.5   pear 7 8\r\n")
    som = import_cod(write(tmp_path, text))
    assert_array_equal(som.weights_, [[[1.0, 2.0], [-0.03, 0.5]]])


def test_params_reach_the_estimator_and_neighborhood_can_be_overridden(tmp_path):
    path = write(tmp_path, RECT_2x3)
    som = import_cod(path, dtype="float32", distance="manhattan", neighborhood="triangle", random_state=4,
                     n_rows=2, topology="rectangular")
    assert som.weights_.dtype == np.float32 and som.distance == "manhattan" and som.neighborhood == "triangle"
    assert som.random_state == 4
    assert_array_equal(som.transform([[0.5, -1]])[0, :2], [0.0, 2.0])  # manhattan distances to units 0 and 1


def test_an_imported_map_predicts_and_continues_training(tmp_path, X):
    text = "3 rect 2 2 gaussian\n" + "0 0 0\n1 0 0\n0 1 0\n1 1 1\n"
    som = import_cod(write(tmp_path, text), n_iterations=10, random_state=0)
    assert_array_equal(som.predict([[0.9, 0.1, 0.0], [0.1, 0.9, 0.1], [1, 1, 0.9]]), [1, 2, 3])
    before = som.weights_.copy()
    som.partial_fit(X)  # continues from the codebook: one pass over X
    assert som.n_iter_ == len(X) and som.weights_.shape == (2, 2, 3)
    assert not np.array_equal(som.weights_, before)


# ---------------------------------------------------------------- export


@pytest.mark.parametrize("topology, neighborhood, name", [("rectangular", "gaussian", "rect"),
                                                          ("hexagonal", "bubble", "hexa")])
def test_export_writes_header_and_units_in_sompak_order(tmp_path, X, topology, neighborhood, name):
    som = SOM(2, 3, n_iterations=50, topology=topology, neighborhood=neighborhood, random_state=0).fit(X)
    path = export_cod(som, tmp_path / "out.cod")
    assert path == os.fspath(tmp_path / "out.cod")
    lines = (tmp_path / "out.cod").read_text().split("\n")
    assert lines[0] == f"3 {name} 3 2 {neighborhood}"  # dim, lattice, xdim = n_cols, ydim = n_rows
    assert lines[-1] == "" and len(lines) == 1 + 6 + 1
    for row in range(2):
        for col in range(3):
            values = [float(token) for token in lines[1 + row * 3 + col].split(" ")]
            assert values == som.weights_[row, col].tolist(), f"row={row}, col={col}"
    assert os.listdir(tmp_path) == ["out.cod"]  # no temporary left behind


@pytest.mark.parametrize(
    "params",
    [dict(), dict(dtype="float32"), dict(topology="hexagonal", neighborhood="bubble"),
     dict(topology="hexagonal", dtype="float32")],
    ids=["float64-rect", "float32-rect", "float64-hexa", "float32-hexa"],
)
def test_a_round_trip_is_bit_exact_and_predicts_identically(tmp_path, X, params):
    som = SOM(3, 4, n_iterations=200, random_state=1, **params).fit(X)
    path = export_cod(som, tmp_path / "m.cod")
    back = import_cod(path, dtype=som.dtype)
    assert back.weights_.dtype == som.weights_.dtype
    assert_array_equal(bits(back.weights_), bits(som.weights_), err_msg=str(params))
    assert (back.n_rows, back.n_cols, back.topology, back.neighborhood) == (3, 4, som.topology, som.neighborhood)
    assert_array_equal(back.predict(X), som.predict(X))
    assert_array_equal(back.transform(X), som.transform(X))
    assert back.topographic_error(X) == som.topographic_error(X)


@pytest.mark.parametrize("dtype, low, high", [(np.float64, -320, 150), (np.float32, -44, 15)])
def test_awkward_values_survive_import_and_export_bit_for_bit(tmp_path, dtype, low, high):
    """Subnormals, -0.0 and values with every mantissa bit set, written by plain repr, read, exported, re-read."""
    rng = np.random.default_rng(7)
    original = (rng.random((2, 3, 4)) * 10.0 ** rng.integers(low, high, (2, 3, 4))).astype(dtype)
    original[0, 0, :2] = [-0.0, np.nextafter(dtype(1), dtype(2))]
    original[1, 2, 3] = -np.finfo(dtype).smallest_subnormal
    text = "4 rect 3 2 gaussian\n" + "".join(" ".join(repr(float(v)) for v in unit) + "\n"
                                              for unit in original.reshape(6, 4))
    first = import_cod(write(tmp_path, text), dtype=dtype)
    assert_array_equal(bits(first.weights_), bits(original))
    again = import_cod(export_cod(first, tmp_path / "again.cod"), dtype=dtype)
    assert_array_equal(bits(again.weights_), bits(original))


def test_exact_names_export_without_warnings(tmp_path, X):
    som = SOM(2, 2, n_iterations=20, neighborhood="bubble", random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_cod(som, tmp_path / "m.cod")


@pytest.mark.parametrize("neighborhood", ["gaussian_cutoff", "triangle", "mexican_hat"])
def test_neighborhoods_sompak_lacks_are_written_as_gaussian_with_a_warning(tmp_path, X, neighborhood):
    som = SOM(2, 2, n_iterations=20, neighborhood=neighborhood, random_state=0).fit(X)
    with pytest.warns(UserWarning, match=f"SOM_PAK has no '{neighborhood}' neighborhood; the file says 'gaussian'"):
        path = export_cod(som, tmp_path / "m.cod")
    assert (tmp_path / "m.cod").read_text().split("\n")[0] == "3 rect 2 2 gaussian"
    assert import_cod(path, neighborhood=neighborhood).neighborhood == neighborhood


def test_a_toroidal_map_is_exported_as_planar_with_a_warning(tmp_path, X):
    som = SOM(2, 3, n_iterations=50, topology="hexagonal", toroidal=True, random_state=0).fit(X)
    with pytest.warns(UserWarning, match="SOM_PAK has no toroidal maps"):
        path = export_cod(som, tmp_path / "m.cod")
    assert not import_cod(path).toroidal
    back = import_cod(path, toroidal=True)
    assert back.toroidal and back.topographic_error(X) == som.topographic_error(X)
    assert_array_equal(bits(back.weights_), bits(som.weights_))


def test_exporting_an_unfitted_map_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        export_cod(SOM(2, 2), tmp_path / "m.cod")
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, X, monkeypatch):
    path = tmp_path / "m.cod"
    path.write_text("old content\n")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sompak.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        export_cod(SOM(2, 2, n_iterations=20, random_state=0).fit(X), path)
    assert path.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["m.cod"]


# ---------------------------------------------------------------- refused files


def test_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no SOM_PAK codebook file at .*nothing.cod"):
        import_cod(tmp_path / "nothing.cod")


@pytest.mark.parametrize(
    "text, dtype, match",
    [
        ("", "float64", r"is empty"),
        ("# only a comment\n\n", "float64", r"is empty"),
        ("3 hexa 10 8\n", "float64", r"line 1: the header '3 hexa 10 8' has 4 fields; .* has 5"),
        ("3\n1 2 3\n", "float64", r"line 1: .* has 1 fields \(a SOM_PAK data file or an LVQ codebook\?\)"),
        ("# c\n3 hex 2 2 gaussian\n", "float64", r"line 2: topology 'hex' in the header is not one of 'rect', 'hexa'"),
        ("1 rect 2.0 2 gaussian\n", "float64", r"line 1: xdim='2\.0' in the header must be an integer >= 1"),
        ("1 rect 2 two gaussian\n", "float64", r"line 1: ydim='two' in the header must be an integer >= 1"),
        ("0 rect 2 2 gaussian\n", "float64", r"line 1: dim='0' in the header must be an integer >= 1"),
        ("1 rect 1 1 ep\n", "float64", r"line 1: neighborhood 'ep' in the header is not one of 'gaussian', 'bubble'"),
        ("2 rect 1 2 bubble\n1 2\n3\n", "float64", r"line 3: 1 values, but the header \(line 1\) says dim=2"),
        ("2 rect 1 1 bubble\n1 2 3\n", "float64", r"line 2: 3 values, but the header \(line 1\) says dim=2"),
        ("2 rect 1 1 bubble\n1 2 3 label\n", "float64",
         r"line 2: 3 values, .*\(labels after the values must not start with a number\)"),
        ("2 rect 1 1 bubble\n1 abc\n", "float64", r"line 2: value 2 'abc' is not a number"),
        ("2 rect 1 1 bubble\n1_0 1\n", "float64", r"line 2: value 1 '1_0' is not a number"),
        ("2 rect 1 1 bubble\nx 1\n", "float64", r"line 2: value 1 is 'x', SOM_PAK's mark for a missing value"),
        ("2 rect 1 1 bubble\n1 nan\n", "float64", r"line 2: value 2 is 'nan'; NaN and infinity are not allowed"),
        ("2 rect 1 1 bubble\n-inf 1\n", "float64", r"line 2: value 1 is '-inf'; NaN and infinity"),
        ("1 rect 2 2 bubble\n1\n# c\n2\n3\n", "float64",
         r"line 6: the file ends after 3 unit lines; the header \(line 1\) says 2 x 2 = 4 units"),
        ("1 rect 1 2 bubble\n1\n2\n\n3\n", "float64",
         r"line 5: one unit line too many; the header \(line 1\) says 1 x 2 = 2 units"),
        ("1 rect 1 2 bubble\n1\n1e39\n", "float32", r"line 3: a value overflows float32"),
        ("1 rect 1 2 bubble\n1\n-1e200\n", "float64", r"line 3: a value of 1e\+200 is above .* overflow float64"),
    ],
    ids=["empty", "only-comments", "four-fields", "data-file", "unknown-topology", "float-size", "word-size",
         "zero-dim", "unknown-neighborhood", "too-few-values", "too-many-values", "numeric-label", "non-numeric",
         "underscore", "missing-x", "nan", "inf", "too-few-units", "too-many-units", "float32-overflow",
         "too-large"],
)
def test_a_bad_file_is_refused_naming_file_and_line(tmp_path, text, dtype, match):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=match) as error:
        import_cod(path, dtype=dtype)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    "params, match",
    [(dict(n_rows=3), r"n_rows=3 contradicts .*map.cod: its header \(line 1\) gives n_rows=2"),
     (dict(topology="hexagonal"), r"topology='hexagonal' contradicts"),
     (dict(colour="red"), r"'colour' is not a parameter of SOM"),
     (dict(dtype="float16"), r"dtype='float16' is not one of")],
)
def test_params_that_contradict_the_file_or_are_invalid_are_refused(tmp_path, params, match):
    with pytest.raises(ValueError, match=match):
        import_cod(write(tmp_path, RECT_2x3), **params)
