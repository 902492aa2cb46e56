"""Saving and loading trained maps, without pickle.

A model file is a NumPy ``.npz`` archive holding

* ``weights``: (n_rows, n_cols, n_features), the map, in its dtype;
* ``header``: UTF-8 JSON (stored as uint8 bytes) with ``format``
  ("fastsom.SOM"), ``format_version``, ``fastsom_version``, the parameters
  the map was fitted with (its ``settings_``) that JSON can hold, the fitted
  counters (``n_iter``, ``n_features_in``, ``feature_names_in``) and the
  state of the random generator, so a loaded map predicts exactly as the
  saved one and ``partial_fit`` continues where it stood; and ``extra``, a
  dict the caller chose to keep with the model (``{}`` by default).

A model file is untrusted input. It is read with ``allow_pickle=False``, so
it can carry no code; each member's size is checked against the file's own
size before anything is allocated; every header field is checked (type,
range, agreement with the weights), and a malformed one is a
``ValueError`` naming the file and the field; the random generator is
rebuilt only from the bit generators fastsom writes, looked up in a fixed
table (a file never names a function that gets called). Writes are atomic
(a temporary file in the same folder, then a rename), so a crash never
leaves half a file under the model's name.
"""

import json
import numbers
import os
import zipfile
from typing import NamedTuple

import numpy as np

from .._version import __version__
from ..settings import resolve
from .files import atomic_write

#: Bumped when the layout changes; files of a newer version are refused.
FORMAT_VERSION = 1
FORMAT = "fastsom.SOM"

#: Parameters not stored: they hold code or arrays, not settings.
_NOT_STORED = ("callbacks",)

#: The bit generators a model file may name (those of numpy.random that
#: ``SOM(random_state=...)`` can hold). Looked up here, never by getattr.
BIT_GENERATORS = {cls.__name__: cls for cls in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937,
                                                 np.random.Philox, np.random.SFC64)}

#: A header larger than this is not one we wrote (ours are a few kB).
MAX_HEADER_BYTES = 2**24


def jsonable(value):
    """Whether JSON holds ``value`` exactly (no NaN, no infinity, nothing but JSON's types)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def storable(value):
    """A parameter's value as a model file stores it: NumPy scalars as numbers, 1-D numeric arrays as lists.

    So ``feature_weights`` given as an array is kept (its numbers, exactly:
    JSON writes floats with every digit of their shortest repr); an ``init``
    array (3-D) is not, see :func:`save`.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "biuf":
        return value.tolist()
    return value


def save(som, path, extra=None):
    """Write a fitted ``SOM`` to ``path`` (``.npz``); see the module docstring for the format.

    ``extra`` is an optional JSON-able dict stored as is (the command line
    keeps its data scaling there); the loaded estimator has it as ``extra_``.

    The parameters written are those the map was fitted with
    (``som.settings_.params``), whatever ``set_params`` did since. Those
    that JSON cannot hold (an ``init`` array, a callable schedule, a
    Generator as ``random_state``) are not stored: the loaded estimator has
    their defaults and lists them in ``unsaved_params_``.
    """
    som._check_fitted()
    params, unsaved = {}, []
    for name, value in som.settings_.params.items():
        if name in _NOT_STORED:
            continue
        value = storable(value)  # NumPy scalars (GridSearchCV's grids) as numbers, feature_weights as a list
        if jsonable(value):
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
        "extra": {} if extra is None else extra,
    }
    if not isinstance(header["extra"], dict) or not jsonable(header["extra"]):
        raise TypeError("extra must be a dict of JSON-able values (str, numbers, lists, dicts)")
    path = os.fspath(path)
    # Never write a file that read() would refuse: check the header as it will be read back.
    _checked_settings(path, json.loads(json.dumps(header)), type(som)().get_params())
    with atomic_write(path) as stream:
        np.savez(stream, weights=som.weights_,
                 header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8))
    return path


class ModelFile(NamedTuple):
    """A model file, read and checked: what :func:`fastsom.load` builds the estimator from."""

    weights: np.ndarray  # (n_rows, n_cols, n_features)
    header: dict  # every field checked
    settings: object  # fastsom.settings.Settings of the stored parameters
    rng: np.random.Generator


def read(path, defaults):
    """Read and check a model file; returns a :class:`ModelFile`.

    ``defaults``: every ``SOM`` parameter with its default (the parameters
    a file does not store take these). This module knows the file, not the
    estimator: :func:`fastsom.load` builds the estimator from what it returns,
    and documents the errors (FileNotFoundError, ValueError naming the field).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no fastsom model file at {path}")
    weights, header = _read_members(path)
    if not isinstance(header, dict):
        raise ValueError(f"{path} is not a fastsom model file: its header is not a JSON object")
    if header.get("format") != FORMAT:
        raise ValueError(f"{path} is not a fastsom model file (format {header.get('format')!r})")
    version = header.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{path}: header field 'format_version' must be an integer >= 1; got {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} has format version {version}; this fastsom reads version {FORMAT_VERSION} "
                         "and older: upgrade fastsom to load it")
    settings = _checked_settings(path, header, defaults)
    n_iter = _field(path, header, "n_iter", numbers.Integral)
    n_features = _field(path, header, "n_features_in", numbers.Integral)
    if n_iter < 0 or n_features < 1:
        raise ValueError(f"{path}: header fields 'n_iter' (>= 0) and 'n_features_in' (>= 1) are out of range: "
                         f"{n_iter}, {n_features}")
    names = header.get("feature_names_in")
    if names is not None and (not isinstance(names, list) or len(names) != n_features
                              or not all(isinstance(name, str) for name in names)):
        raise ValueError(f"{path}: header field 'feature_names_in' must be null or {n_features} strings")
    _field(path, header, "extra", dict)
    expected = (settings.n_rows, settings.n_cols, n_features)
    if weights.shape != expected or weights.dtype != settings.dtype:
        raise ValueError(f"{path} is inconsistent: weights of shape {weights.shape} and dtype {weights.dtype}, "
                         f"header says {expected} and {settings.dtype.name}")
    if not np.isfinite(weights).all():
        raise ValueError(f"{path}: the weights hold NaN or infinity")
    header = {**header, "n_iter": int(n_iter), "feature_names_in": names}
    return ModelFile(weights, header, settings, _checked_rng(path, header.get("rng_state")))


def _field(path, header, name, kind):
    value = header.get(name)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"{path}: header field {name!r} must be {_KIND_NAMES[kind]}; got {value!r}")
    return value


_KIND_NAMES = {numbers.Integral: "an integer", dict: "a JSON object", list: "a list"}


def _checked_settings(path, header, valid):
    """The stored parameters, validated as ``SOM`` validates them, as Settings."""
    params = _field(path, header, "params", dict)
    unsaved = _field(path, header, "unsaved_params", list)
    for name in [*params, *unsaved]:
        if not isinstance(name, str) or name not in valid:
            raise ValueError(f"{path}: header field 'params' names {name!r}, which is not a parameter of SOM")
    try:
        return resolve({**valid, **{k: v for k, v in params.items() if k not in unsaved}})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: header field 'params': {error}") from None


def _checked_rng(path, state):
    """The generator a header's ``rng_state`` describes; only bit generators of :data:`BIT_GENERATORS`."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise ValueError(f"{path}: header field 'rng_state' must be the state of one of "
                         f"{', '.join(BIT_GENERATORS)}; got {str(state)[:80]!r}")
    bit_generator = BIT_GENERATORS[name]()
    try:
        bit_generator.state = state
    except Exception as error:  # numpy raises TypeError, ValueError, KeyError, OverflowError... on a bad state
        raise ValueError(f"{path}: header field 'rng_state' is not a valid {name} state: {error}") from None
    return np.random.Generator(bit_generator)


def _read_members(path):
    """(weights array, header object) of the archive, every size checked before it is allocated."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not {"weights.npy", "header.npy"} <= names:
                raise ValueError(f"{path} is not a fastsom model file: it holds "
                                 f"{sorted(name.removesuffix('.npy') for name in names)}, not 'weights' and 'header'")
            file_size = os.path.getsize(path)
            weights = _read_array(archive, "weights.npy", ("<f4", "<f8"), 3, file_size, path)
            raw = _read_array(archive, "header.npy", ("|u1",), 1, min(file_size, MAX_HEADER_BYTES), path)
    except MemoryError:
        raise
    except Exception as error:
        # zipfile and zlib raise many kinds on damaged bytes (NotImplementedError for an unknown
        # compression, zlib.error, struct.error...): to the user they all mean the same
        message = str(error)
        if isinstance(error, ValueError) and message.startswith(path):
            raise
        raise ValueError(f"{path} is not a readable fastsom model file (damaged, truncated or not .npz): "
                         f"{message}") from None
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: its header is not UTF-8 JSON: {error}") from None
    return weights, header


def _read_array(archive, member, dtypes, ndim, limit, path):
    """One .npy member: dtype in ``dtypes``, ``ndim`` dimensions, at most ``limit`` bytes, no pickle."""
    info = archive.getinfo(member)
    if info.file_size > limit:
        raise ValueError(f"{path}: member {member!r} claims {info.file_size} bytes, more than the file holds")
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            raise ValueError(f"{path}: member {member!r} has an unsupported .npy version {version}")
        shape, fortran_order, dtype = read_header(stream)
        if dtype.str not in dtypes or len(shape) != ndim or fortran_order:
            raise ValueError(f"{path}: member {member!r} must be a C-ordered {ndim}-D array of "
                             f"{' or '.join(dtypes)}; got {dtype.str} of shape {shape}")
        n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if n_bytes > info.file_size:
            raise ValueError(f"{path}: member {member!r} claims shape {shape}, more than its {info.file_size} bytes")
        data = stream.read(n_bytes)
    if len(data) != n_bytes:
        raise ValueError(f"{path}: member {member!r} is truncated ({len(data)} of {n_bytes} bytes)")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
