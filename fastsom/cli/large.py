"""``fastsom train`` and ``fastsom predict`` on data bigger than memory, through Dask.

With ``--dask`` (a LocalCluster of ``--workers`` single-threaded processes
that fastsom starts and stops) or ``--scheduler ADDRESS`` (an existing
cluster), DATA may be a zarr store, a ``.npy`` file (memory-mapped) or
Parquet (a file, a folder, a glob): see :mod:`fastsom.chunked.sources`.
Training is batch training on the chunks (:mod:`fastsom.chunked`), with a
progress bar per epoch and, with ``--checkpoint PATH``, a checkpoint after
every epoch that a second run resumes from. The scaling is learnt in one
pass (per-column reductions) and applied chunk by chunk. ``predict`` writes
its rows chunk by chunk, as CSV or (an output ending in ``.parquet``)
Parquet row groups, so no column of the output is ever whole in memory.
"""

import contextlib
import csv
import sys

import numpy as np

from ..io import model as model_file
from ..io.files import atomic_write
from .scaling import apply_scaling, checked_extra, fit_scaling


def wanted(args):
    """Whether the command was asked to run on Dask."""
    return bool(getattr(args, "dask", False) or getattr(args, "scheduler", None))


@contextlib.contextmanager
def _cluster(args):
    from ..chunked.clusters import joined_cluster, local_cluster

    if args.scheduler:
        with joined_cluster(args.scheduler) as client:
            yield client
    else:
        with local_cluster(args.workers) as client:
            yield client


def _open(path, columns):
    """The file's rows in float64, chunk by chunk, as ``read_table`` gives a file that fits in memory.

    The same numbers as the in-memory command, so the same scaling: a
    float32 file's column ranges computed in float32 differed in the 8th
    digit.
    """
    from ..chunked.sources import open_rows

    array, names = open_rows(path, columns=columns)
    return array.astype(np.float64), names


def train(args, som):
    """Fit ``som`` (batch) on the large file ``args.data``; write the model; returns the exit status."""
    if som.algorithm != "batch":
        raise ValueError("--dask and --scheduler train batch maps: pass --algorithm batch (online training "
                         "presents one sample after another and cannot be split over chunks)")
    if args.label_column is not None:
        raise ValueError("--label-column is not read from large files; give --columns to choose the features")
    array, names = _open(args.data, args.columns)
    with _cluster(args):
        scaling = fit_scaling(array, args.scale, names)
        X = apply_scaling(array, scaling)
        print(f"reading {array.shape[0]} samples x {array.shape[1]} features from {args.data} in "
              f"{len(array.chunks[0])} chunks; scaling: {args.scale}")
        som.fit(X, checkpoint=args.checkpoint)
        quantization_error = som.quantization_error(X)
        topographic = som.topographic_error(X) if som.n_rows * som.n_cols > 1 else None
    data = {"file": args.data, "column_indices": list(range(array.shape[1])), "columns": names,
            "label_column": None}
    som.set_params(verbose=False)
    model_file.save(som, args.output, extra={"scaling": scaling, "data": data})
    print(f"quantization error {quantization_error:.4f}, topographic error "
          + ("undefined on a one-unit map" if topographic is None else f"{topographic:.4f}"))
    print(f"wrote {args.output}")
    return 0


def predict(args, som):
    """Write every row's BMU and distance for the large file ``args.data``, chunk by chunk; the exit status."""
    extra = checked_extra(som, args.model)
    stored = (extra.get("data") or {}).get("columns")
    array, _ = _open(args.data, stored)  # Parquet: the columns trained on, by name
    if array.shape[1] != som.n_features_in_:
        raise ValueError(f"{args.data}: {array.shape[1]} feature columns; the model was trained on "
                         f"{som.n_features_in_}")
    with _cluster(args):
        import dask

        bmu, distance = som.predict(apply_scaling(array, extra.get("scaling")), return_distance=True)
        blocks = zip(bmu.to_delayed().ravel(), distance.to_delayed().ravel(), strict=True)
        written = _write(args.output, som.settings_.n_cols,
                         (dask.compute(b, d) for b, d in blocks))  # one chunk at a time
    print(f"wrote {written} predictions to {args.output or 'standard output'}", file=sys.stderr)
    return 0


def _write(output, n_cols, chunks):
    """Write ``row, col, distance`` for each (bmu, distance) chunk; returns the number of rows."""
    written = 0
    if output is not None and output.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("row", pa.int64()), ("col", pa.int64()), ("distance", pa.float64())])
        with atomic_write(output) as stream, pq.ParquetWriter(stream, schema) as writer:
            for bmu, distance in chunks:
                rows, cols = np.divmod(bmu, n_cols)
                writer.write_table(pa.table({"row": rows, "col": cols, "distance": distance}, schema=schema))
                written += len(bmu)
        return written
    with (contextlib.nullcontext(sys.stdout) if output is None
          else atomic_write(output, "w", newline="", encoding="utf-8")) as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["row", "col", "distance"])
        for bmu, distance in chunks:
            rows, cols = np.divmod(bmu, n_cols)
            writer.writerows(zip(rows.tolist(), cols.tolist(), distance.tolist(), strict=True))
            written += len(bmu)
    return written
