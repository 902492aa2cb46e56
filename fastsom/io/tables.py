"""Reading users' data files into a float64 matrix, with errors that say where.

:func:`read_table` reads

* **CSV** (``.csv``; ``.tsv`` is tab-separated) with the standard library's
  ``csv`` module: quoted fields, a header line or none, blank lines skipped
  (as pandas does), UTF-8 with or without a byte-order mark;
* **NumPy** ``.npy``: one 2-D numeric array, read with ``allow_pickle=False``;
* **Parquet** (``.parquet``, ``.pq``) when pyarrow is installed.

Any problem with the file raises :class:`DataFileError` with a one-line
message naming the file, the place (CSV: ``line 7`` as a text editor counts
lines; arrays and Parquet: ``row index 6``; columns by name and 0-based
index) and what is wrong there, e.g.
``iris.csv: line 7, column 'petal_width' (index 3): non-numeric value 'abc'``.

How CSV stays fast: the ``csv`` module splits every record (it alone knows
quoting, and it checks the field count of each line), and NumPy's C parser
(``numpy.loadtxt``) turns blocks of the same lines into numbers. Only a
block where NumPy fails, or which holds NaN or infinity, is parsed again
cell by cell to name the line and column of the first bad value.
"""

import csv
import math
import os
import warnings
from typing import NamedTuple

import numpy as np

#: File suffixes read, and the reader of each.
FORMATS = {".csv": "csv", ".tsv": "csv", ".npy": "npy", ".parquet": "parquet", ".pq": "parquet"}

#: Lines of CSV handed to NumPy at a time: large enough to amortise the
#: call, small enough that a block's text stays a few MB.
BLOCK_LINES = 32768


class DataFileError(ValueError):
    """A data file that cannot be read as a table of numbers.

    The message is one line: the file, where (line or row, column) and what
    is wrong there.
    """


class Table(NamedTuple):
    """What :func:`read_table` returns."""

    X: np.ndarray
    """(n_samples, n_features) float64, finite, C-contiguous."""
    feature_names: list | None
    """Names of the feature columns, or None when the file has none."""
    labels: np.ndarray | None
    """(n_samples,) values of the label column (str for CSV), or None."""
    label_name: str | None
    """Name of the label column, when it has one."""
    feature_columns: list
    """0-based indices of the feature columns in the file."""


def read_table(path, columns=None, header="auto", label_column=None, missing=False) -> Table:
    """Read a table of numbers from a CSV, ``.npy`` or Parquet file.

    Parameters
    ----------
    path : str or os.PathLike
        The format follows the suffix: ``.csv``, ``.tsv``, ``.npy``,
        ``.parquet`` / ``.pq``.
    columns : sequence of str or int, optional
        Feature columns, in the order wanted, by name (needs a header) or
        0-based index (negative counts from the end). Default: every column
        but the label column.
    header : {"auto", True, False}, default "auto"
        CSV only: whether the first line holds column names. "auto": it
        does when a column is chosen by name, or when one of the feature
        columns of the first line is text that is not a number (an empty
        field is not taken for a name). Give True for a header of numbers.
    label_column : str or int, optional
        A column returned separately (CSV: any text, stripped of surrounding
        spaces; other formats: its values as stored), and not a
        feature.
    missing : bool, default False
        True: an empty CSV cell, a NaN and a Parquet null are missing
        values, read as NaN (``SOM(missing="ignore")``); False: each is an
        error naming its cell.

    Returns
    -------
    Table
        ``(X, feature_names, labels, label_name, feature_columns)``; ``X``
        is float64 (n_samples, n_features).

    Raises
    ------
    DataFileError
        Missing, empty or unreadable file; header without data; a CSV line
        with the wrong number of fields; a feature value that is not a
        finite number (text, empty, NaN, infinity); an unknown column name
        or an index out of range; an array that is not 2-D or not numeric;
        an unsupported suffix.
    ImportError
        A Parquet file without pyarrow installed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "flowers.csv"
    >>> _ = path.write_text("length,width,species\\n5.1,3.5,setosa\\n7.0,3.2,versicolor\\n")
    >>> table = read_table(path, label_column="species")
    >>> table.X
    array([[5.1, 3.5],
           [7. , 3.2]])
    >>> table.feature_names, table.labels.tolist(), table.label_name
    (['length', 'width'], ['setosa', 'versicolor'], 'species')
    """
    shown = os.fspath(path)
    if header not in ("auto", True, False):
        raise ValueError(f"header={header!r} must be 'auto', True or False")
    for spec in [*(columns if columns is not None else []), *([] if label_column is None else [label_column])]:
        if isinstance(spec, bool) or not isinstance(spec, (str, int, np.integer)):
            raise TypeError(f"columns are chosen by name (str) or 0-based index (int); got {spec!r}")
    if columns is not None:
        columns = [spec if isinstance(spec, str) else int(spec) for spec in columns]
        if not columns:
            raise ValueError("columns=[] chooses no column; give None for every column")
    if label_column is not None and not isinstance(label_column, str):
        label_column = int(label_column)

    if not os.path.exists(shown):
        raise DataFileError(f"{shown}: no such file")
    if os.path.isdir(shown):
        raise DataFileError(f"{shown}: is a folder, not a data file")
    suffix = os.path.splitext(shown)[1].lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        raise DataFileError(f"{shown}: unsupported file type {suffix or '(no suffix)'!r}; fastsom reads "
                            f"{', '.join(FORMATS)}")
    if kind == "csv":
        return _read_csv(shown, "\t" if suffix == ".tsv" else ",", columns, header, label_column, missing)
    if kind == "npy":
        return _read_npy(shown, columns, label_column, missing)
    return _read_parquet(shown, columns, label_column, missing)


# ------------------------------------------------------------------ columns


def _column_text(index, names):
    """How a message names a column: ``column 'b' (index 1)`` or ``column index 1``."""
    if names is not None and names[index] != "":
        return f"column {names[index]!r} (index {index})"
    return f"column index {index}"


def _list_names(names, most=12):
    shown = ", ".join(repr(name) for name in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _positions(names):
    """Column indices by name (a list per name: names may repeat), built once per file: O(columns)."""
    positions = {}
    for i, name in enumerate(names or ()):
        positions.setdefault(name, []).append(i)
    return positions


def _resolve(path, spec, names, n_columns, no_names_hint, positions):
    """0-based index of the column ``spec`` (a name or an index, negative from the end)."""
    if isinstance(spec, str):
        if names is None:
            raise DataFileError(f"{path}: no column is named {spec!r}: {no_names_hint}")
        hits = positions.get(spec, [])
        if not hits:
            raise DataFileError(f"{path}: no column named {spec!r}; the columns are {_list_names(names)}")
        if len(hits) > 1:
            raise DataFileError(f"{path}: {len(hits)} columns are named {spec!r} (indices "
                                f"{', '.join(map(str, hits))}); choose one by index")
        return hits[0]
    if not -n_columns <= spec < n_columns:
        raise DataFileError(f"{path}: column index {spec} is out of range: the file has {n_columns} column(s), "
                            f"indices 0 to {n_columns - 1}")
    return spec % n_columns


def _select(path, columns, label_column, names, n_columns, no_names_hint):
    """Indices of the feature columns and of the label column (or None)."""
    positions = _positions(names)
    label = (None if label_column is None
             else _resolve(path, label_column, names, n_columns, no_names_hint, positions))
    if columns is None:
        features = [i for i in range(n_columns) if i != label]
        if not features:
            raise DataFileError(f"{path}: no feature column: the only column is the label column")
        return features, label
    features = [_resolve(path, spec, names, n_columns, no_names_hint, positions) for spec in columns]
    seen = set()
    for index in features:
        if index == label:
            raise DataFileError(f"{path}: {_column_text(index, names)} is the label column and cannot be a feature too")
        if index in seen:
            raise DataFileError(f"{path}: {_column_text(index, names)} is chosen twice")
        seen.add(index)
    return features, label


# ---------------------------------------------------------------------- CSV


def _is_number(text):
    """True when CSV reading accepts ``text`` as a number (see :func:`_cell`)."""
    try:
        float(text)
    except ValueError:
        return False
    return "_" not in text


def _cell(path, line, index, names, text, missing=False):
    """The number in one CSV field, or a DataFileError naming its line and column.

    NumPy's parser, which reads the blocks, refuses the underscores that
    Python's ``float`` allows ("1_000"); so does this, so the two agree.
    ``missing``: an empty field or NaN is a missing value (NaN).
    """
    where = f"{path}: line {line}, {_column_text(index, names)}"
    if text.strip() == "":
        if missing:
            return math.nan
        raise DataFileError(f"{where}: empty cell; every feature value must be a number (or, on the command "
                            "line, --missing ignore)")
    try:
        if "_" in text:
            raise ValueError
        value = float(text)
    except ValueError:
        raise DataFileError(f"{where}: non-numeric value {text!r}") from None
    if math.isnan(value) and not missing:
        raise DataFileError(f"{where}: NaN ({text.strip()!r}); missing values are not allowed")
    if math.isinf(value):
        raise DataFileError(f"{where}: {text.strip()!r} is infinite (or too large for float64)")
    return value


class _Lines:
    """Iterates over a text file's lines for ``csv.reader``, keeping those of the current block."""

    def __init__(self, stream):
        self.stream = stream
        self.block = []

    def __iter__(self):
        for line in self.stream:
            self.block.append(line)
            yield line


def _start_line(end_line, fields):
    """First line of a record that ends on ``end_line`` (quoted fields may hold line breaks)."""
    return end_line - sum(field.count("\n") for field in fields)


def _read_csv(path, delimiter, columns, header, label_column, missing=False):
    with open(path, newline="", encoding="utf-8-sig") as stream:
        lines = _Lines(stream)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)  # strict: an unclosed quote is an error
        records = _records(path, reader)
        first = next(records, None)
        if first is None:
            raise DataFileError(f"{path}: the file is empty" if reader.line_num == 0
                                else f"{path}: the file holds only blank lines")
        first_end_line = reader.line_num
        first_line = _start_line(first_end_line, first)
        n_columns = len(first)
        hint = ("the file has no header line (pass header=True, --header on the command line, if its first line "
                "holds the names), so choose columns by 0-based index")
        wants_names = any(isinstance(spec, str) for spec in [*(columns or []), label_column])
        if header == "auto":
            if wants_names:
                header = True
            else:
                features, _ = _select(path, columns, label_column, None, n_columns, hint)
                header = any(first[i].strip() != "" and not _is_number(first[i]) for i in features)
        names = [field.strip() for field in first] if header else None
        features, label = _select(path, columns, label_column, names, n_columns, hint)
        usecols = None if features == list(range(n_columns)) else features

        blocks, labels, line_numbers = [], [] if label is not None else None, []
        if header:
            lines.block.clear()
        else:
            line_numbers.append(first_end_line)
            if labels is not None:
                labels.append(first[label].strip())
        for fields in records:
            if len(fields) != n_columns:
                start = _start_line(reader.line_num, fields)
                if line_numbers:  # a bad value on an earlier line of the block is the first error
                    earlier = lines.block[:len(lines.block) - (reader.line_num - start + 1)]
                    _block(path, earlier, delimiter, usecols, features, names, line_numbers, missing)
                like = f"the header (line {first_line})" if header else f"line {first_line}"
                raise DataFileError(f"{path}: line {start} has {len(fields)} field(s), expected {n_columns} "
                                    f"like {like}")
            line_numbers.append(reader.line_num)
            if labels is not None:
                labels.append(fields[label].strip())
            if len(lines.block) >= BLOCK_LINES:
                blocks.append(_block(path, lines.block, delimiter, usecols, features, names, line_numbers, missing))
                lines.block, line_numbers = [], []
        if line_numbers:
            blocks.append(_block(path, lines.block, delimiter, usecols, features, names, line_numbers, missing))
    if not blocks:
        raise DataFileError(f"{path}: has a header line (line {first_line}) but no data rows")
    X = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return Table(X, [names[i] for i in features] if names else None,
                 None if labels is None else np.asarray(labels, dtype=str),
                 None if label is None or names is None else names[label], features)


def _records(path, reader):
    """The non-blank records of ``reader``; decoding and csv errors become DataFileError."""
    while True:
        start = reader.line_num + 1  # where the record begins (a quoted field may run over lines)
        try:
            fields = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise DataFileError(_not_utf8(path)) from None
        except csv.Error as error:
            if reader.line_num > start or "end of data" in str(error):
                raise DataFileError(f"{path}: line {start}: a quoted field opened on this line is not closed "
                                    f"(read to line {reader.line_num}: {error})") from None
            raise DataFileError(f"{path}: line {reader.line_num}: {error}") from None
        if fields:
            yield fields


def _not_utf8(path):
    """Message for a file that is not UTF-8: the first line holding a byte that does not decode.

    The text reader decodes ahead in chunks, so its line count does not say
    where; UTF-8 never uses the newline byte inside a character, so the
    file can be decoded line by line instead.
    """
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                return (f"{path}: line {number}: not UTF-8 text (byte 0x{raw[error.start]:02x} at position "
                        f"{error.start + 1}); save the file as UTF-8")
    return f"{path}: not UTF-8 text"


def _block(path, block_lines, delimiter, usecols, features, names, line_numbers, missing=False):
    """The feature values of one block of CSV lines, already split and counted by the csv module.

    ``line_numbers`` holds the last line of each record of the block. NumPy
    parses the numbers; if it fails, or finds NaN or infinity, the block is
    read again cell by cell to report the first bad one.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data" on a block of blank lines
            values = np.loadtxt(block_lines, delimiter=delimiter, quotechar='"', comments=None, usecols=usecols,
                                dtype=np.float64, ndmin=2)
    except ValueError:
        values = None
    if (values is not None and values.shape == (len(line_numbers), len(features))
            and (np.isfinite(values).all() or (missing and not np.isinf(values).any()))):
        return values
    return _block_by_cell(path, block_lines, delimiter, features, names, line_numbers[0], missing)


def _block_by_cell(path, block_lines, delimiter, features, names, first_end_line, missing=False):
    """The slow, exact twin of NumPy's block parse: one ``float`` per cell, in file order."""
    rows = []
    reader = csv.reader(block_lines, delimiter=delimiter)
    before = None
    for fields in reader:
        if not fields:
            continue
        if before is None:  # line numbers within the block are offsets from its first record
            before = first_end_line - reader.line_num
        line = before + _start_line(reader.line_num, fields)
        rows.append([_cell(path, line, index, names, fields[index], missing) for index in features])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(features))


# -------------------------------------------------------------------- NumPy


def _read_npy(path, columns, label_column, missing=False):
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataFileError(f"{path}: holds Python objects (a pickled object array); fastsom reads numeric "
                                "arrays only, without pickle") from None
        raise DataFileError(f"{path}: not a readable .npy file: {error}") from None
    except (OSError, EOFError) as error:
        raise DataFileError(f"{path}: not a readable .npy file (damaged or truncated): {error}") from None
    if not isinstance(array, np.ndarray):  # an .npz archive under a .npy name
        array.close()
        raise DataFileError(f"{path}: is an .npz archive, not a .npy array")
    if array.dtype.kind not in "biuf":
        raise DataFileError(f"{path}: has dtype {array.dtype}; expected numbers (int, float or bool)")
    if array.ndim != 2:
        raise DataFileError(f"{path}: is {array.ndim}-D with shape {array.shape}; expected a 2-D array "
                            "(n_samples, n_features)" + (", e.g. X.reshape(-1, 1)" if array.ndim == 1 else ""))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise DataFileError(f"{path}: is empty (shape {array.shape})")
    features, label = _select(path, columns, label_column, None, array.shape[1],
                              "a .npy array has no column names; choose columns by 0-based index")
    X = np.ascontiguousarray(array[:, features], dtype=np.float64)
    _check_finite(path, X, features, None, missing)
    return Table(X, None, None if label is None else array[:, label].copy(), None, features)


def _check_finite(path, X, features, names, missing=False):
    """Refuse NaN (unless ``missing``) and infinity (after conversion to float64) in an array read whole."""
    if np.isfinite(X).all() or (missing and not np.isinf(X).any()):
        return
    bad = np.isinf(X) if missing else ~np.isfinite(X)
    row, col = np.argwhere(bad)[0]
    what = "NaN; missing values are not allowed" if np.isnan(X[row, col]) else f"{X[row, col]} is infinite"
    raise DataFileError(f"{path}: row index {row}, {_column_text(features[col], names)}: {what}")


# ------------------------------------------------------------------ Parquet


def _read_parquet(path, columns, label_column, missing=False):
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(f"reading the Parquet file {path} needs pyarrow: pip install pyarrow") from None
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataFileError(f"{path}: not a readable Parquet file: {first_line}") from None
    names = [str(name) for name in table.column_names]
    if not names:
        raise DataFileError(f"{path}: has no columns")
    if table.num_rows == 0:
        raise DataFileError(f"{path}: has no rows")
    features, label = _select(path, columns, label_column, names, len(names), "")
    X = np.empty((table.num_rows, len(features)), dtype=np.float64)
    for j, index in enumerate(features):
        column = table.column(index)
        kind = column.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
                or pa.types.is_decimal(kind)):
            raise DataFileError(f"{path}: {_column_text(index, names)} holds {kind}, not numbers")
        if column.null_count and not missing:
            row = int(np.flatnonzero(column.is_null().to_numpy())[0])
            raise DataFileError(f"{path}: row index {row}, {_column_text(index, names)}: missing value (null)")
        try:
            X[:, j] = column.cast(pa.float64()).to_numpy(zero_copy_only=False)  # nulls: NaN
        except pa.ArrowInvalid as error:  # e.g. uint64 above 2**53: float64 would round it
            raise DataFileError(f"{path}: {_column_text(index, names)}: {kind} values that float64 cannot hold "
                                f"exactly ({str(error).splitlines()[0]}); convert the column first") from None
    _check_finite(path, X, features, names, missing)
    labels = None if label is None else np.asarray(table.column(label).to_pylist())
    return Table(X, [names[i] for i in features], labels, None if label is None else names[label], features)
