"""Reading users' data files: the values, names and labels written, and one-line errors that say where."""

import csv
import io
import re
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastsom.io import tables as readers
from fastsom.io.tables import DataFileError, read_table


def write(folder, name, content):
    """A file holding exactly ``content`` (str as UTF-8, or bytes): no newline translation."""
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def csv_text(rows, header=None, line_end="\n"):
    """CSV text written by the csv module; floats in repr, so they read back exactly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def ref_read_csv(text, header, features, label=None, delimiter=","):
    """The obvious reading: every non-blank record, ``float`` on every feature field."""
    records = [fields for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if fields]
    records = records[1:] if header else records
    X = np.array([[float(fields[i]) for i in features] for fields in records], dtype=np.float64)
    return X, None if label is None else [fields[label].strip() for fields in records]


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(3)
    return rng.normal(size=(50, 4)) * [1.0, 1e-8, 1e6, 3.0]


# ---------------------------------------------------------------- CSV, good


def test_csv_with_header_reads_every_value_exactly(tmp_path, X):
    path = write(tmp_path, "data.csv", csv_text(X.tolist(), header=["a", "b", "c", "d"]))
    table = read_table(path)
    assert_array_equal(table.X, X)
    assert table.X.dtype == np.float64 and table.X.flags.c_contiguous
    assert table.feature_names == ["a", "b", "c", "d"]
    assert table.labels is None and table.label_name is None
    assert table.feature_columns == [0, 1, 2, 3]


def test_csv_without_header_is_detected_and_its_first_row_is_data(tmp_path, X):
    table = read_table(write(tmp_path, "data.csv", csv_text(X.tolist())))
    assert_array_equal(table.X, X)
    assert table.feature_names is None


def test_header_option_overrides_the_detection(tmp_path):
    path = write(tmp_path, "numbers.csv", "1,2\n3,4\n5,6\n")
    table = read_table(path, header=True)
    assert table.feature_names == ["1", "2"]
    assert_array_equal(table.X, [[3, 4], [5, 6]])
    assert_array_equal(read_table(path, header="auto").X, [[1, 2], [3, 4], [5, 6]])
    with pytest.raises(DataFileError, match=r"names\.csv: line 1, column index 0: non-numeric value 'x'"):
        read_table(write(tmp_path, "names.csv", "x,y\n1,2\n"), header=False)


def test_label_column_is_returned_apart_and_left_out_of_the_features(tmp_path, X):
    labels = ["setosa", "versi, color", ' "quoted" ', "virginica", "x"] * 10
    rows = [[*row[:2], label, *row[2:]] for row, label in zip(X.tolist(), labels, strict=True)]
    path = write(tmp_path, "flowers.csv", csv_text(rows, header=["a", "b", "species", "c", "d"]))
    table = read_table(path, label_column="species")
    assert_array_equal(table.X, X)
    assert table.feature_names == ["a", "b", "c", "d"]
    assert table.label_name == "species"
    assert table.feature_columns == [0, 1, 3, 4]
    assert list(table.labels) == [label.strip() for label in labels]
    by_index = read_table(path, label_column=2)
    assert_array_equal(by_index.X, X)
    assert list(by_index.labels) == list(table.labels)


def test_text_labels_in_the_first_row_do_not_make_it_a_header(tmp_path):
    # Only the feature columns decide whether the first line is a header.
    table = read_table(write(tmp_path, "labelled.csv", "1.5,2,setosa\n3,4,virginica\n"), label_column=-1)
    assert table.feature_names is None
    assert_array_equal(table.X, [[1.5, 2], [3, 4]])
    assert list(table.labels) == ["setosa", "virginica"]


def test_columns_by_name_and_index_come_in_the_order_given(tmp_path, X):
    path = write(tmp_path, "data.csv", csv_text(X.tolist(), header=["a", "b", "c", "d"]))
    table = read_table(path, columns=["c", 0, -1])
    assert_array_equal(table.X, X[:, [2, 0, 3]])
    assert table.feature_names == ["c", "a", "d"]
    assert table.feature_columns == [2, 0, 3]


def test_columns_not_chosen_may_hold_text(tmp_path):
    table = read_table(write(tmp_path, "ids.csv", "id,x\nA-1,0.5\nB-2,0.25\n"), columns=["x"])
    assert_array_equal(table.X, [[0.5], [0.25]])


def test_quotes_line_breaks_blank_lines_bom_crlf(tmp_path):
    text = '\ufeffa,note,b\r\n\r\n1,"two\r\nlines",2\r\n"3","x, y",4\r\n\r\n'
    table = read_table(write(tmp_path, "messy.csv", text), label_column="note")
    assert table.feature_names == ["a", "b"]
    assert_array_equal(table.X, [[1, 2], [3, 4]])
    assert list(table.labels) == ["two\r\nlines", "x, y"]


def test_tsv_is_tab_separated(tmp_path):
    table = read_table(write(tmp_path, "data.tsv", "a\tb\n1\t2\n3\t4\n"))
    assert table.feature_names == ["a", "b"]
    assert_array_equal(table.X, [[1, 2], [3, 4]])


@pytest.mark.parametrize("block_lines", [1, 3, 32768])
def test_blocks_equal_the_reference_reading(tmp_path, X, monkeypatch, block_lines):
    # Line breaks inside quoted labels and blank lines shift lines against
    # records; every block size must still give the reference's values.
    labels = [f"label {i}" if i % 7 else f"two\nlines {i}" for i in range(len(X))]
    rows = [[*row, label] for row, label in zip(X.tolist(), labels, strict=True)]
    text = csv_text(rows, header=["a", "b", "c", "d", "label"]).replace("\n1", "\n\n1", 3)
    path = write(tmp_path, "data.csv", text)
    monkeypatch.setattr(readers, "BLOCK_LINES", block_lines)
    ref_X, ref_labels = ref_read_csv(text, header=True, features=[0, 1, 2, 3], label=4)
    comp = read_table(path, label_column="label")
    assert_array_equal(comp.X, ref_X, err_msg=f"block_lines={block_lines}")
    assert list(comp.labels) == ref_labels


@pytest.mark.parametrize("block_lines", [1, 4, 32768])
@pytest.mark.parametrize("last", ["bad,v", 'bad,"v\nw"'])
def test_line_numbers_count_lines_as_an_editor_does(tmp_path, monkeypatch, block_lines, last):
    # Line 9 holds the bad value; records above it span two lines or are
    # blank; the bad record itself may go on to line 10.
    text = 'a,b\n1,"x\ny"\n\n2,z\n3,"p\nq"\n4,w\n' + last + "\n"
    assert text.splitlines()[8].startswith("bad,")
    monkeypatch.setattr(readers, "BLOCK_LINES", block_lines)
    with pytest.raises(DataFileError, match=r"lines\.csv: line 9, column 'a' \(index 0\): non-numeric value 'bad'"):
        read_table(write(tmp_path, "lines.csv", text), label_column="b")


def test_good_files_are_parsed_by_numpy_not_cell_by_cell(tmp_path, X, monkeypatch):
    # The cell-by-cell reading is for locating errors; a good file with
    # labels, quotes and chosen columns must not need it (it is much slower).
    def no_cells(*args):
        raise AssertionError("a good file fell back to the cell-by-cell reading")

    monkeypatch.setattr(readers, "_block_by_cell", no_cells)
    rows = [[f"id {i}", *row, "a, b"] for i, row in enumerate(X.tolist())]
    path = write(tmp_path, "data.csv", csv_text(rows, header=["id", "a", "b", "c", "d", "label"]))
    table = read_table(path, columns=["d", "a"], label_column="label")
    assert_array_equal(table.X, X[:, [3, 0]])
    assert_array_equal(read_table(write(tmp_path, "plain.csv", csv_text(X.tolist()))).X, X)


@pytest.mark.parametrize("block_lines", [1, 32768])
def test_the_first_bad_line_is_reported(tmp_path, monkeypatch, block_lines):
    # A ragged line after a NaN: the NaN, earlier in the file, is reported,
    # whether or not it sits in the ragged line's block.
    text = "a,b\n1,2\n3,nan\n4,5,6\n"
    monkeypatch.setattr(readers, "BLOCK_LINES", block_lines)
    with pytest.raises(DataFileError, match=r"line 3, column 'b' \(index 1\): NaN"):
        read_table(write(tmp_path, "two.csv", text))


# -------------------------------------------------------------------- NumPy


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_npy_is_read_as_float64(tmp_path, dtype):
    array = (np.arange(12).reshape(4, 3) % 2 if dtype is np.bool_ else np.arange(12).reshape(4, 3) / 4).astype(dtype)
    path = tmp_path / "data.npy"
    np.save(path, array)
    table = read_table(path)
    assert table.X.dtype == np.float64
    assert_array_equal(table.X, array.astype(np.float64), err_msg=f"dtype={dtype}")
    assert table.feature_names is None


def test_npy_columns_and_label_by_index(tmp_path):
    array = np.arange(12.0).reshape(4, 3)
    np.save(tmp_path / "data.npy", array)
    table = read_table(tmp_path / "data.npy", columns=[2, 0], label_column=1)
    assert_array_equal(table.X, array[:, [2, 0]])
    assert_array_equal(table.labels, array[:, 1])
    with pytest.raises(DataFileError, match=r"data\.npy: no column is named 'a': a \.npy array has no column names"):
        read_table(tmp_path / "data.npy", columns=["a"])


# ------------------------------------------------------------------ Parquet


def test_parquet_names_labels_and_values(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"a": [0.5, 1.5, 2.5], "n": [1, 2, 3], "kind": ["x", "y", "x"]}), path)
    table = read_table(path, label_column="kind")
    assert_array_equal(table.X, [[0.5, 1], [1.5, 2], [2.5, 3]])
    assert table.feature_names == ["a", "n"]
    assert list(table.labels) == ["x", "y", "x"] and table.label_name == "kind"
    with pytest.raises(DataFileError, match=r"data\.parquet: column 'kind' \(index 2\) holds string, not numbers"):
        read_table(path)


def test_parquet_nulls_are_refused_with_their_row(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "holes.parquet"
    pq.write_table(pa.table({"a": [0.5, 1.5, 2.5], "b": [1.0, None, 3.0]}), path)
    with pytest.raises(DataFileError, match=r"holes\.parquet: row index 1, column 'b' \(index 1\): missing value"):
        read_table(path)


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportError, match=r"data\.parquet needs pyarrow: pip install pyarrow"):
        read_table(write(tmp_path, "data.parquet", b"PAR1"))


# ------------------------------------------------------------------- errors


def _npy(array, **save):
    def make(folder, name):
        np.save(folder / name, array, **save)
        return folder / name
    return make


#: (file name, content or maker, read_table arguments, what the message must say after the file name)
BAD_FILES = {
    "missing": ("absent.csv", None, {}, r": no such file"),
    "empty": ("empty.csv", "", {}, r": the file is empty"),
    "blank lines only": ("blank.csv", "\n\n", {}, r": the file holds only blank lines"),
    "header only": ("head.csv", "a,b\n", {}, r": has a header line \(line 1\) but no data rows"),
    "short row": ("short.csv", "a,b,c\n1,2,3\n4,5\n", {}, r": line 3 has 2 field\(s\), expected 3 like the header"),
    "long row, unread column": ("long.csv", "1,2,3\n4,5,6,7\n", {"columns": [0]},
                                r": line 2 has 4 field\(s\), expected 3 like line 1"),
    "text": ("text.csv", "a,b\n1,2\n3,abc\n", {}, r": line 3, column 'b' \(index 1\): non-numeric value 'abc'"),
    "empty cell": ("hole.csv", "a,b\n1,2\n,4\n", {}, r": line 3, column 'a' \(index 0\): empty cell"),
    "NaN": ("nan.csv", "1,2\n3,NaN\n", {}, r": line 2, column index 1: NaN \('NaN'\)"),
    "infinity": ("inf.csv", "a,b\n1,-inf\n", {}, r": line 2, column 'b' \(index 1\): '-inf' is infinite"),
    "overflow": ("big.csv", "a,b\n1,1e999\n", {}, r": line 2, column 'b' \(index 1\): '1e999' is infinite"),
    "underscore": ("under.csv", "a\n1_000\n", {}, r": line 2, column 'a' \(index 0\): non-numeric value '1_000'"),
    "not UTF-8": ("latin.csv", b"a,b\n1,2\n3,\xe94\n", {}, r": line 3: not UTF-8 text \(byte 0xe9"),
    "unknown name": ("names.csv", "a,b\n1,2\n", {"columns": ["a", "z"]},
                     r": no column named 'z'; the columns are 'a', 'b'"),
    "index out of range": ("few.csv", "1,2\n", {"columns": [2]},
                           r": column index 2 is out of range: the file has 2 column\(s\), indices 0 to 1"),
    "name without header": ("plain.csv", "1,2\n", {"label_column": "y", "header": False},
                            r": no column is named 'y': the file has no header line"),
    "label among features": ("both.csv", "a,b\n1,2\n", {"columns": ["a", "b"], "label_column": "b"},
                             r": column 'b' \(index 1\) is the label column and cannot be a feature too"),
    "only a label": ("one.csv", "a\nx\n", {"label_column": "a"}, r": no feature column"),
    "unsupported": ("data.xlsx", "a,b\n", {}, r": unsupported file type '\.xlsx'; fastsom reads \.csv"),
    "npy 1-D": ("flat.npy", _npy(np.arange(3.0)), {}, r": is 1-D with shape \(3,\); expected a 2-D array"),
    "npy 3-D": ("cube.npy", _npy(np.zeros((2, 2, 2))), {}, r": is 3-D with shape \(2, 2, 2\)"),
    "npy text": ("words.npy", _npy(np.array([["a", "b"]])), {}, r": has dtype <U1; expected numbers"),
    "npy objects": ("objects.npy", _npy(np.array([[1, None]], dtype=object), allow_pickle=True), {},
                    r": holds Python objects"),
    "npy NaN": ("gap.npy", _npy(np.array([[1.0, 2.0], [np.nan, 3.0]])), {},
                r": row index 1, column index 0: NaN"),
    "npy empty": ("none.npy", _npy(np.zeros((0, 2))), {}, r": is empty \(shape \(0, 2\)\)"),
    "npy damaged": ("broken.npy", b"\x93NUMPY\x01\x00garbage", {}, r": not a readable \.npy file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_raise_one_line_naming_file_and_place(tmp_path, case):
    name, content, kwargs, message = BAD_FILES[case]
    if callable(content):
        path = content(tmp_path, name)
    else:
        path = tmp_path / name if content is None else write(tmp_path, name, content)
    with pytest.raises(DataFileError, match="^" + re.escape(str(path)) + message) as error:
        read_table(path, **kwargs)
    assert "\n" not in str(error.value), case


def test_a_folder_is_not_a_data_file(tmp_path):
    (tmp_path / "data.csv").mkdir()
    with pytest.raises(DataFileError, match=r"data\.csv: is a folder"):
        read_table(tmp_path / "data.csv")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"header": "yes"}, ValueError, r"header='yes' must be 'auto', True or False"),
    ({"columns": [1.5]}, TypeError, r"by name \(str\) or 0-based index \(int\); got 1\.5"),
    ({"columns": []}, ValueError, r"columns=\[\] chooses no column"),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        read_table(write(tmp_path, "data.csv", "1,2\n"), **kwargs)
