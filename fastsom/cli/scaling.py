"""The scaling (and the columns read) that ``fastsom train`` keeps in a model's ``extra``.

``predict`` and ``plot`` read new data files through them exactly as
training did; a model file is untrusted, so :func:`checked_extra` checks
what it says before any command uses it.
"""

import numpy as np

#: ``--scale`` choices; see :func:`fit_scaling`.
SCALINGS = ("minmax", "standard", "none")


def fit_scaling(X, kind, names=None):
    """Per-feature scaling learnt from training data, as stored in a model's ``extra["scaling"]``.

    The scaled data is ``(X - offset) / scale``: ``minmax`` maps each
    feature to [0, 1] (offset = min, scale = max - min; the random init
    draws weights in [0, 1)); ``standard`` to mean 0 and standard deviation
    1 (offset = mean, scale = the population standard deviation, as
    scikit-learn's ``StandardScaler``); ``none`` leaves the data as it is.
    A constant feature gets scale 1 (it becomes 0), not a division by zero.
    Missing values (NaN, ``--missing ignore``) are left out of the
    statistics; a column with no value at all is refused.

    Parameters
    ----------
    X : ndarray (n_samples, n_features) float64, or a dask array
    kind : {"minmax", "standard", "none"}
    names : list of str, optional
        The columns' names, for the error about a column whose range overflows.

    Returns
    -------
    dict
        ``{"kind": kind, "offset": [...], "scale": [...]}`` (lists of
        float, exact through JSON), or ``{"kind": "none"}``.
    """
    if kind == "none":
        return {"kind": "none"}
    # The NaN-skipping statistics only for data with NaN (--missing ignore): the others keep their bits.
    missing = not hasattr(X, "dask") and bool(np.isnan(X).any())
    if missing and np.isnan(X).all(axis=0).any():
        column = int(np.argmax(np.isnan(X).all(axis=0)))
        raise ValueError(f"{_column(names, column)}: every value is missing; leave the column out with --columns")
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, with the column
        if kind == "minmax":
            offset = np.nanmin(X, axis=0) if missing else X.min(axis=0)
            scale = (np.nanmax(X, axis=0) if missing else X.max(axis=0)) - offset
        elif kind == "standard":
            offset = np.nanmean(X, axis=0) if missing else X.mean(axis=0)
            scale = np.nanstd(X, axis=0) if missing else X.std(axis=0)
        else:
            raise ValueError(f"scale={kind!r} is not one of {', '.join(map(repr, SCALINGS))}")
        if hasattr(offset, "dask"):  # a dask array: both vectors in one pass over the chunks
            import dask

            offset, scale = dask.compute(offset, scale)
    bad = ~(np.isfinite(offset) & np.isfinite(scale))
    if bad.any():
        column = int(np.argmax(bad))
        raise ValueError(f"{_column(names, column)}: its values span more than float64 can hold, so --scale {kind} "
                         "overflows; divide the column by a constant first, or use --scale none")
    scale = np.where(scale > 0, scale, 1.0)
    return {"kind": kind, "offset": offset.tolist(), "scale": scale.tolist()}


def _column(names, column):
    return f"column {names[column]!r}" if names is not None else f"feature column {column}"


def apply_scaling(X, scaling):
    """``(X - offset) / scale`` for a scaling from :func:`fit_scaling`; X itself if none. X is not modified."""
    if not scaling or scaling.get("kind", "none") == "none":
        return X
    scaled = X - np.asarray(scaling["offset"], dtype=np.float64)
    scaled /= np.asarray(scaling["scale"], dtype=np.float64)
    return scaled


def checked_extra(som, path):
    """The ``extra_`` a model file keeps (``fastsom train`` writes the scaling and the columns), checked.

    A model file is untrusted: a malformed ``extra`` is a ``ValueError``
    naming the file and the field, never a traceback later.
    """
    extra = getattr(som, "extra_", {})
    n_features = som.n_features_in_
    scaling = extra.get("scaling")
    if scaling is not None:
        kind = scaling.get("kind", "none") if isinstance(scaling, dict) else None
        if kind not in SCALINGS:
            raise ValueError(f"{path}: extra field 'scaling' must be an object with 'kind' one of "
                             f"{', '.join(map(repr, SCALINGS))}")
        for name in (("offset", "scale") if kind != "none" else ()):
            values = scaling.get(name)
            if not (isinstance(values, list) and len(values) == n_features
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and
                            (name == "offset" or v != 0) for v in values)):
                raise ValueError(f"{path}: extra field 'scaling.{name}' must hold one finite number per feature "
                                 f"({n_features})" + ("" if name == "offset" else ", none of them 0"))
    data = extra.get("data")
    if data is not None:
        columns = data.get("columns") if isinstance(data, dict) else ()
        indices = data.get("column_indices") if isinstance(data, dict) else ()
        if not ((columns is None or (isinstance(columns, list) and len(columns) == n_features
                                     and all(isinstance(c, str) for c in columns)))
                and (indices is None or (isinstance(indices, list) and len(indices) == n_features
                                         and all(isinstance(i, int) and not isinstance(i, bool) for i in indices)))
                and isinstance(data.get("file"), (str, type(None)))
                and isinstance(data.get("label_column"), (str, int, type(None)))):
            raise ValueError(f"{path}: extra field 'data' must be an object with 'columns' ({n_features} names or "
                             f"null), 'column_indices' ({n_features} integers or null), 'file' and 'label_column'")
    return extra
