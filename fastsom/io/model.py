"""Saving and loading trained maps, without pickle.

A model file is a NumPy ``.npz`` archive holding

* ``weights``: (n_rows, n_cols, n_features), the map, in its dtype;
* ``header``: UTF-8 JSON (stored as uint8 bytes) with ``format``
  ("fastsom.SOM"), ``format_version``, ``fastsom_version``, every
  parameter that JSON can hold, the fitted counters (``n_iter_``,
  ``n_features_in_``, ``feature_names_in_``) and the state of the random
  generator, so a loaded map predicts exactly as the saved one and
  ``partial_fit`` continues where it stood; and ``extra``, a dict the
  caller chose to keep with the model (``{}`` by default).

Files are read with ``allow_pickle=False``: a model file can carry no code.
Writes are atomic (a temporary file in the same folder, then a rename), so
a crash never leaves half a file under the model's name.
"""

import json
import os
import zipfile

import numpy as np

from .files import atomic_write

#: Bumped when the layout changes; files of a newer version are refused.
FORMAT_VERSION = 1
FORMAT = "fastsom.SOM"

#: Parameters not stored: they hold code or arrays, not settings.
_NOT_STORED = ("callbacks",)


def _jsonable(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def save(som, path, extra=None):
    """Write a fitted ``SOM`` to ``path`` (``.npz``); see the module docstring for the format.

    ``extra`` is an optional JSON-able dict stored as is (the command line
    keeps its data scaling there); the loaded estimator has it as ``extra_``.

    Parameters that JSON cannot hold (an ``init`` array, a callable
    schedule, a Generator as ``random_state``) are not stored: the loaded
    estimator has their defaults and lists them in ``unsaved_params_``.
    """
    from .. import __version__

    som._check_fitted()
    params, unsaved = {}, []
    for name, value in som.get_params().items():
        if name in _NOT_STORED:
            continue
        if _jsonable(value):
            params[name] = value
        else:
            params[name] = None
            unsaved.append(name)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fastsom_version": __version__,
        "params": params,
        "unsaved_params": unsaved,
        "n_iter": int(som.n_iter_),
        "n_features_in": int(som.n_features_in_),
        "feature_names_in": (list(som.feature_names_in_) if hasattr(som, "feature_names_in_") else None),
        "rng_state": som._rng.bit_generator.state,
        "extra": {} if extra is None else dict(extra),
    }
    if not _jsonable(header["extra"]):
        raise TypeError("extra must be a dict of JSON-able values (str, numbers, lists, dicts)")
    path = os.fspath(path)
    with atomic_write(path) as stream:
        np.savez(stream, weights=som.weights_,
                 header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8))
    return path


def _read(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"no fastsom model file at {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if {"weights", "header"} <= names:
                weights = archive["weights"]
                header = json.loads(archive["header"].tobytes().decode("utf-8"))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, UnicodeDecodeError) as error:
        # ValueError: not an npz, a pickled object array, or bad JSON
        raise ValueError(f"{path} is not a readable fastsom model file (damaged, truncated or not .npz): "
                         f"{error}") from None
    if not {"weights", "header"} <= names:
        raise ValueError(f"{path} is not a fastsom model file: it holds {sorted(names)}, not 'weights' and 'header'")
    return weights, header


def load(path):
    """Read a model written by :func:`save` (or ``SOM.save``); returns a fitted ``SOM``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A damaged, truncated or foreign file, a file written by a newer
        fastsom (format version), or a header that does not match the weights.
    """
    from ..som import SOM

    weights, header = _read(os.fspath(path))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not a fastsom model file (format {header.get('format')!r})"
                         if isinstance(header, dict) else f"{path} is not a fastsom model file")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"{path} has format version {version!r}; this fastsom reads version {FORMAT_VERSION} "
                         "and older: upgrade fastsom to load it")
    unsaved = list(header.get("unsaved_params", []))
    som = SOM().set_params(**{k: v for k, v in header["params"].items() if k not in unsaved})
    settings = som._resolved()
    expected = (settings["n_rows"], settings["n_cols"], header["n_features_in"])
    if weights.shape != expected or weights.dtype != settings["dtype"] or not np.isfinite(weights).all():
        raise ValueError(f"{path} is inconsistent: weights of shape {weights.shape} and dtype {weights.dtype}, "
                         f"header says {expected} and {settings['dtype'].name}, or non-finite weights")
    state = header["rng_state"]
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    som._set_fitted(np.ascontiguousarray(weights.reshape(-1, weights.shape[2])), settings,
                    n_iter=header["n_iter"], rng=np.random.Generator(bit_generator))
    som.unsaved_params_ = unsaved
    som.extra_ = dict(header.get("extra") or {})
    if header.get("feature_names_in") is not None:
        som.feature_names_in_ = np.asarray(header["feature_names_in"], dtype=object)
    return som
