"""Checks of user input, run before any kernel.

Every message names the parameter, the constraint and the value received,
e.g. ``n_rows=0 must be >= 1``; string options list the valid choices.
"""

import numbers
import os
import sys
import warnings

import numpy as np

from .options import DTYPES

#: fastsom's folder: frames in files under it are not the user's.
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def check_int(name, value, minimum):
    """An integer (not bool) >= minimum; returns it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r} must be an integer")
    if value < minimum:
        raise ValueError(f"{name}={value!r} must be >= {minimum}")
    return int(value)


def check_positive(name, value):
    """A finite real number > 0; returns it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} must be a real number")
    number = float(value)  # Fraction, Decimal-like reals and NumPy scalars alike
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name}={value!r} must be a finite number > 0")
    return number


def check_option(name, value, options):
    """``value`` is one of the keys of ``options``; returns ``options[value]``."""
    try:
        known = not isinstance(value, bool) and value in options
    except TypeError:  # unhashable
        known = False
    if not known:
        valid = ", ".join(repr(k) for k in options)
        raise ValueError(f"{name}={value!r} is not one of {valid}")
    return options[value]


def check_dtype(dtype):
    """float32 or float64, given as a name, a NumPy type or a dtype."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in DTYPES:
        valid = ", ".join(repr(k) for k in DTYPES)
        raise ValueError(f"dtype={dtype!r} is not one of {valid}")
    return np.dtype(DTYPES[name])


def is_chunked(X):
    """Whether ``X`` is a dask array or DataFrame, without importing dask (see :mod:`fastsom.chunked`)."""
    module = type(X).__module__
    return module == "dask" or module.startswith(("dask.", "dask_expr"))


def check_X(X, dtype, n_features=None, name="X", owner="SOM", missing="error"):
    """Validate and convert a data matrix.

    Returns a C-contiguous array of ``dtype`` with shape (n_samples,
    n_features). The caller's array is never modified: when it already has
    the right dtype and layout it is returned as is (read-only use), else a
    converted copy is. Messages follow scikit-learn's wording where its
    estimator checks expect it ("Reshape your data", "0 feature(s)",
    "contains NaN", "is expecting N features as input").

    Raises
    ------
    TypeError
        Sparse matrices, non-numeric data (strings, objects that are not
        numbers).
    ValueError
        Complex numbers, not 2-D, no samples or no features, NaN (unless
        ``missing="ignore"``: then NaN marks a missing value) or infinity,
        values whose squared distances would overflow, or (when
        ``n_features`` is given) a different number of features.
    """
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(f"{name} is a sparse matrix; sparse input is not supported: pass {name}.toarray()")
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        try:
            array = np.asarray(X)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"{name} must be a rectangular 2-D array: {error}") from None
    else:
        raise TypeError(f"{name} must be array-like (n_samples, n_features); got {type(X).__name__}")
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {array.dtype}")
    if array.dtype.kind == "O":  # numbers held as Python objects (e.g. from pandas)
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name} must be numeric: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be numeric (int, float or bool); got dtype {array.dtype}"
            + (" (strings)" if array.dtype.kind in "US" else "")
        )
    if array.ndim != 2:
        hint = ""
        if array.ndim == 1:
            hint = ". Reshape your data: X.reshape(-1, 1) for one feature, X.reshape(1, -1) for one sample"
        raise ValueError(f"{name} must be 2-D (n_samples, n_features); got shape {array.shape}{hint}")
    n_samples, n_cols = array.shape
    if n_samples == 0:
        raise ValueError(f"{name} has 0 sample(s) (shape={array.shape}) while a minimum of 1 is required.")
    if n_cols == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is required.")
    if n_features is not None and n_cols != n_features:
        raise ValueError(f"{name} has {n_cols} features, but {owner} is expecting {n_features} features as input")
    original_dtype = array.dtype
    with np.errstate(over="ignore"):  # reported below as infinity
        array = np.ascontiguousarray(array, dtype=dtype)
    # min and max find NaN (they propagate it) and infinities without the
    # n_samples x n_features boolean temporary of np.isfinite(array).all()
    # (55 MB for MNIST): validation adds no memory in proportion to the data.
    with np.errstate(invalid="ignore"):
        low, high = float(array.min()), float(array.max())
    if missing == "ignore" and (np.isnan(low) or np.isnan(high)):
        # fmin/fmax skip NaN, with no temporary either; all NaN: nan, allowed
        low, high = float(np.fmin.reduce(array, axis=None)), float(np.fmax.reduce(array, axis=None))
        low, high = (0.0, 0.0) if np.isnan(low) else (low, high)
    if not (np.isfinite(low) and np.isfinite(high)):
        row, col = np.argwhere(~np.isfinite(array))[0]
        what = "NaN" if np.isnan(array[row, col]) else f"infinity ({array[row, col]})"
        converted = "" if original_dtype == array.dtype else f" after conversion to {array.dtype}"
        hint = (f" (or pass missing='ignore' to {owner}: NaN then marks a missing value)"
                if what == "NaN" and missing != "ignore" else "")
        raise ValueError(f"{name} contains {what}{converted} at row {row}, column {col}; it must be finite{hint}")
    check_magnitude(name, array, max(high, -low))
    return array


def largest_safe_value(dtype, n_features):
    """Largest |value| whose squared distances cannot overflow ``dtype``.

    Two vectors with entries in [-v, v] are at squared distance at most
    n_features * (2 v)^2; that must stay below the dtype's maximum.
    """
    return float(np.sqrt(np.finfo(dtype).max / n_features) / 2)


def check_magnitude(name, array, largest=None):
    """Refuse values so large that squared distances would overflow to inf.

    ``largest``: max |value| of ``array`` when the caller already knows it.
    """
    limit = largest_safe_value(array.dtype, array.shape[-1])
    if largest is None:
        # max and -min rather than max(abs(...)): no temporary as large as the data.
        largest = max(float(np.max(array)), -float(np.min(array))) if array.size else 0.0
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g}; above {limit:.3g} squared distances overflow "
            f"{array.dtype} with {array.shape[-1]} features. Scale the data (e.g. to [0, 1])"
        )


def check_memory(n_units, n_features, dtype, name="the map"):
    """Refuse a map whose weights alone would not fit in physical memory."""
    needed = n_units * n_features * np.dtype(dtype).itemsize
    try:
        available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not POSIX: skip the check
        return
    if needed > available:
        raise MemoryError(
            f"{name} needs {needed / 2**30:.1f} GiB for its weights ({n_units} units x "
            f"{n_features} features x {np.dtype(dtype).itemsize} bytes), more than this "
            f"machine's {available / 2**30:.1f} GiB"
        )


def feature_names(X):
    """X's column names when it is a DataFrame with all-string column names, else None."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(list(columns), dtype=object)
    if len(names) and all(isinstance(name, str) for name in names):
        return names
    return None


def user_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` in the calling function: the first frame outside fastsom.

    Counted, not passed down: the depth from a public method to the warning
    changes with decorators (fastsom._threads.within_n_jobs) and with methods
    calling methods (hit_counts -> predict).
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def check_feature_names(X, fitted, reset, owner="SOM"):
    """scikit-learn's feature-name rules; returns X's names (or None).

    ``reset`` (fit): the names are simply returned. Otherwise they must
    equal ``fitted`` (the names seen in fit, or None): different names are
    an error, names on one side only a warning, as scikit-learn words them.
    """
    names = feature_names(X)
    if reset:
        return names
    if fitted is not None and names is not None and not np.array_equal(fitted, names):
        raise ValueError(f"The feature names should match those that were passed during fit: "
                         f"fitted with {list(fitted)}, got {list(names)}")
    if fitted is not None and names is None:
        warnings.warn(f"X does not have valid feature names, but {owner} was fitted with feature names",
                      UserWarning, stacklevel=user_stacklevel())
    if fitted is None and names is not None:
        warnings.warn(f"X has feature names, but {owner} was fitted without feature names", UserWarning,
                      stacklevel=user_stacklevel())
    return names
