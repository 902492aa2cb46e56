"""Checkpoints of batch training: the map after every epoch, and a resume that ends on the same bits.

``SOM(algorithm="batch").fit(X, checkpoint="map.npz")`` writes, after every
epoch, a model file (:mod:`fastsom.io.model`: atomic, no pickle) whose
``extra`` holds ``{"checkpoint": {"data": <fingerprint>}}``. Fitting again
with the same path reads it and trains the epochs left. A batch epoch
depends only on the weights it starts from, the epoch's index (its radius)
and the data, so the resumed map equals an uninterrupted run bit for bit --
provided the data and the settings are those of the checkpoint, which is
checked: the data's shape, dtype and row chunks (for dask data), and every
stored parameter but ``verbose`` and ``n_jobs`` (which change no bit).

Online training is refused: its state includes a position in the random
sample order, which a checkpoint does not hold.
"""

import json
import os

import numpy as np

from . import model as model_file

#: Parameters that change how training runs, not the map it ends on.
_FREE = ("verbose", "n_jobs")


def fingerprint(X):
    """What a checkpoint records of its data: shape, dtype and (dask data) the row chunks."""
    source = getattr(X, "array", X)  # ChunkedRows keep the dask array
    chunks = getattr(source, "chunks", None)
    return {"shape": [int(n) for n in X.shape], "dtype": np.dtype(source.dtype).name,
            "row_chunks": None if chunks is None else [int(n) for n in chunks[0]]}


def _comparable(params):
    """Parameters as a checkpoint's JSON holds them (:func:`fastsom.io.model.storable`), without the free ones."""
    return {name: model_file.storable(value) for name, value in params.items()
            if name not in _FREE and name != "callbacks"}


def check_resumable(settings):
    """Refuse a checkpoint for a fit that cannot resume exactly; the message names the reason."""
    if settings.online:
        raise ValueError("checkpoint is for algorithm='batch': an online fit's position in its random sample "
                         "order is not saved, so it cannot resume exactly")
    if settings.params["early_stopping"]:
        raise ValueError("checkpoint cannot resume early_stopping exactly (its count of epochs without "
                         "improvement is not saved); fit with early_stopping=False or without checkpoint")
    params = _comparable(settings.params)
    unstorable = [name for name, value in params.items() if not model_file.jsonable(value)]
    if unstorable:
        raise ValueError(f"checkpoint cannot check parameters {unstorable} against a resumed fit (an array or "
                         "a callable is not stored); give them as names or numbers, or fit without checkpoint")


def read(path, settings, X, defaults):
    """The checkpoint at ``path`` to resume from, or None when there is none yet.

    Raises ValueError naming the file and what differs when it was written
    for other data or other settings (or is no checkpoint at all).
    """
    if not os.path.exists(path):
        return None
    saved = model_file.read(path, defaults)
    record = saved.header["extra"].get("checkpoint")
    if not isinstance(record, dict):
        raise ValueError(f"{path} is a model file, not a checkpoint (no 'checkpoint' record): pass another path, "
                         "or delete it to start afresh")
    here = fingerprint(X)
    if record.get("data") != here:
        raise ValueError(f"checkpoint {path} was written for other data: {_differences(record.get('data'), here)}")
    stored = {name: value for name, value in saved.header["params"].items() if name not in _FREE}
    wanted = json.loads(json.dumps(_comparable(settings.params)))
    if stored != wanted:
        raise ValueError(f"checkpoint {path} was written with other settings: {_differences(stored, wanted)}")
    return saved


def _differences(saved, now):
    if not isinstance(saved, dict):
        return f"it holds {saved!r}"
    names = sorted(set(saved) | set(now), key=str)
    return "; ".join(f"{name} {saved.get(name)!r} in the checkpoint, {now.get(name)!r} now"
                     for name in names if saved.get(name) != now.get(name))


def write(som, path, X):
    """Write ``som`` (fitted, mid-training) as the checkpoint of a fit on ``X``; atomic."""
    return model_file.save(som, path, extra={"checkpoint": {"data": fingerprint(X)}})
