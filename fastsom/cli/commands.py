"""The ``fastsom`` command line.

* ``fastsom train DATA --rows R --cols C -o MODEL`` trains a map on a CSV,
  ``.npy`` or Parquet file (see :mod:`fastsom.io.tables`), scaling each
  feature first (``--scale minmax``, the default, ``standard`` or ``none``);
  the scaling, the feature names and the columns read are kept in the model
  file, so ``predict`` treats new data exactly as the training data.
* ``fastsom predict MODEL DATA [-o OUT.csv]`` writes, for every row of DATA,
  the grid ``row`` and ``col`` of its best matching unit and its
  ``distance`` to it (in the map's metric, on the scaled data), as CSV.
* ``fastsom info MODEL`` describes a model file: map, features, training
  settings, scaling, the fastsom version that wrote it.
* ``fastsom plot MODEL [--umatrix] [--hits] [--components] [--samples]
  [--data DATA --label-column COL]`` writes PNG pictures of a model
  (default: the U-matrix, plus hits with ``--data``, plus the labelled
  samples with ``--label-column``).
* ``fastsom demo colours|iris|digits`` trains one of the tutorial's maps,
  writes its picture and prints its quantization and topographic errors
  (``digits --data PATH`` reads real MNIST files).
* ``fastsom verify`` runs the pure-Python reference and the fast trainer on
  the same plan and reports whether they agree (exit status 1 if not).

A data or model file that cannot be used ends the command with one line on
standard error, ``fastsom: <file>: <where>: <what>``, and exit status 2 (as
argparse does for bad options); never a traceback.
"""

import argparse
import csv
import os
import sys
import time
import warnings

import numpy as np

from .._validation import check_X
from ..analysis import plot
from ..datasets import make_colours
from ..io import model as model_file
from ..io.files import atomic_write
from ..io.tables import DataFileError, read_table
from ..options import ALGORITHMS, DISTANCES, DTYPES, INITS, NEIGHBORHOODS, TOPOLOGIES
from ..settings import resolve
from ..som import SOM, load
from ..training.online import train_online
from ..training.plan import make_plan
from ..tutorial import tutorial_schedules
from . import demos

#: Largest |w_fast - w_reference| accepted by ``verify`` (float64).
VERIFY_ATOL = 1e-12

#: ``--scale`` choices; see :func:`fit_scaling`.
SCALINGS = ("minmax", "standard", "none")


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _jobs(text):
    value = int(text)
    if value != -1 and value < 1:
        raise argparse.ArgumentTypeError(f"must be -1 (all threads) or >= 1, got {value}")
    return value


def _column(text):
    """A column by 0-based index (an integer, negative from the end) or by name."""
    text = text.strip()
    if not text:
        raise argparse.ArgumentTypeError("empty column name")
    try:
        return int(text)
    except ValueError:
        return text


def _column_list(text):
    return [_column(item) for item in text.split(",")]


def _add_tutorial_options(parser, rows=5, cols=5, iterations=2000):
    parser.add_argument("--rows", type=_positive_int, default=rows, help=f"map rows (default {rows})")
    parser.add_argument("--cols", type=_positive_int, default=cols, help=f"map columns (default {cols})")
    parser.add_argument("--iterations", type=_positive_int, default=iterations,
                        help=f"training iterations (default {iterations})")
    parser.add_argument("--seed", type=int, default=0, help="random seed of data and plan (default 0)")


def _add_data_options(parser):
    parser.add_argument("--columns", type=_column_list, metavar="A,B,...",
                        help="feature columns by name or 0-based index, comma-separated (default: all but the "
                             "label column)")
    parser.add_argument("--label-column", type=_column, metavar="COL",
                        help="a column of labels (any text) to leave out of the features")
    parser.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                        help="CSV: whether the first line holds column names (default: detected, a header is a "
                             "first line with text that is not a number)")


def _read(path, args, columns=None):
    """The table the data options of ``args`` ask for (``columns`` overrides ``--columns``)."""
    return read_table(path, columns=columns if columns is not None else args.columns,
                      header="auto" if args.header is None else args.header, label_column=args.label_column)


# ------------------------------------------------------------------ scaling


def fit_scaling(X, kind):
    """Per-feature scaling learnt from training data, as stored in a model's ``extra["scaling"]``.

    The scaled data is ``(X - offset) / scale``: ``minmax`` maps each
    feature to [0, 1] (offset = min, scale = max - min; the random init
    draws weights in [0, 1)); ``standard`` to mean 0 and standard deviation
    1 (offset = mean, scale = the population standard deviation, as
    scikit-learn's ``StandardScaler``); ``none`` leaves the data as it is.
    A constant feature gets scale 1 (it becomes 0), not a division by zero.

    Parameters
    ----------
    X : ndarray (n_samples, n_features) float64
    kind : {"minmax", "standard", "none"}

    Returns
    -------
    dict
        ``{"kind": kind, "offset": [...], "scale": [...]}`` (lists of
        float, exact through JSON), or ``{"kind": "none"}``.
    """
    if kind == "none":
        return {"kind": "none"}
    if kind == "minmax":
        offset = X.min(axis=0)
        scale = X.max(axis=0) - offset
    elif kind == "standard":
        offset = X.mean(axis=0)
        scale = X.std(axis=0)
    else:
        raise ValueError(f"scale={kind!r} is not one of {', '.join(map(repr, SCALINGS))}")
    scale = np.where(scale > 0, scale, 1.0)
    return {"kind": kind, "offset": offset.tolist(), "scale": scale.tolist()}


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


# -------------------------------------------------------------------- train


def _train(args):

    if args.iterations is not None and args.algorithm == "batch":
        raise ValueError("--iterations counts online steps; batch training runs --epochs")
    if args.epochs is not None and args.algorithm == "online":
        raise ValueError("--epochs counts batch passes; online training runs --iterations")
    steps = {} if args.iterations is None else {"n_iterations": args.iterations}
    if args.epochs is not None:
        steps["n_epochs"] = args.epochs
    som = SOM(args.rows, args.cols, algorithm=args.algorithm, topology=args.topology, toroidal=args.toroidal,
              neighborhood=args.neighborhood, distance=args.distance, init=args.init, dtype=args.dtype,
              n_jobs=args.jobs, random_state=args.seed, verbose=not args.quiet, **steps)
    resolve(som.get_params())  # refuse impossible settings (an odd hexagonal torus) before reading a large file
    table = _read(args.data, args)
    n_samples, n_features = table.X.shape
    scaling = fit_scaling(table.X, args.scale)
    X = apply_scaling(table.X, scaling)
    label = "" if table.labels is None else f", label column {table.label_name or args.label_column!r}"
    print(f"read {n_samples} samples x {n_features} features from {args.data}{label}; scaling: {args.scale}")
    som.fit(X)
    quantization_error = som.quantization_error(X)
    topographic = (f"{som.topographic_error(X):.4f}" if args.rows * args.cols > 1
                   else "undefined on a one-unit map")
    if table.feature_names is not None:
        # What fit() records for a DataFrame with named columns; set after the
        # errors above, which are computed on the plain array.
        som.feature_names_in_ = np.asarray(table.feature_names, dtype=object)
    data = {"file": os.path.basename(args.data), "column_indices": table.feature_columns,
            "columns": table.feature_names, "label_column": table.label_name or args.label_column}
    som.set_params(verbose=False)  # the progress bar was for this command, not for whoever loads the model
    model_file.save(som, args.output, extra={"scaling": scaling, "data": data})
    print(f"quantization error {quantization_error:.4f}, topographic error {topographic}")
    print(f"wrote {args.output}")
    return 0


def _add_train(commands):
    train = commands.add_parser("train", help="train a map on a CSV, .npy or Parquet file",
                                description="Train a map on the numeric columns of a data file and write the model.")
    train.add_argument("data", metavar="DATA", help="a .csv, .tsv, .npy or .parquet file, one sample per row")
    train.add_argument("--rows", type=_positive_int, required=True, help="map rows")
    train.add_argument("--cols", type=_positive_int, required=True, help="map columns")
    train.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write (.npz)")
    _add_data_options(train)
    train.add_argument("--scale", choices=SCALINGS, default="minmax",
                       help="per-feature scaling, learnt here and stored in the model (default minmax: [0, 1])")
    train.add_argument("--algorithm", choices=ALGORITHMS, default="online", help="default online")
    train.add_argument("--iterations", type=_positive_int,
                       help="online: samples presented (default 500 x rows x cols)")
    train.add_argument("--epochs", type=_positive_int, help="batch: passes over the data (default 20)")
    train.add_argument("--topology", choices=TOPOLOGIES, default="rectangular", help="default rectangular")
    train.add_argument("--toroidal", action="store_true", help="wrap the map's edges (a torus)")
    train.add_argument("--neighborhood", choices=tuple(NEIGHBORHOODS), default="gaussian", help="default gaussian")
    train.add_argument("--distance", choices=tuple(DISTANCES), default="euclidean", help="default euclidean")
    train.add_argument("--init", choices=INITS, default="random", help="default random")
    train.add_argument("--dtype", choices=tuple(DTYPES), default="float64", help="default float64")
    train.add_argument("--seed", type=int, default=0, help="random seed: same seed, same map (default 0)")
    train.add_argument("--jobs", type=_jobs, help="online: threads per iteration, -1 = all (default 1)")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)


# ------------------------------------------------------------------ predict


def _model_data(som, args):
    """The data file of ``args`` as the model ``som`` expects it: its columns, scaled as in training.

    Returns (X in the map's dtype, the table read).
    """
    extra = checked_extra(som, args.model)
    stored = extra.get("data") or {}
    columns = args.columns
    if columns is None and stored:
        by_name = (stored.get("columns") and args.header is not False
                   and not os.fspath(args.data).lower().endswith(".npy"))
        columns = stored["columns"] if by_name else stored.get("column_indices")
    table = _read(args.data, args, columns)
    model_names = getattr(som, "feature_names_in_", None)
    trained_on = f"{som.n_features_in_}" + ("" if model_names is None else f" ({', '.join(model_names)})")
    if table.X.shape[1] != som.n_features_in_:
        raise ValueError(f"{args.data}: {table.X.shape[1]} feature column(s) but the model {args.model} was "
                         f"trained on {trained_on}; choose the columns with --columns")
    if model_names is not None and table.feature_names is not None and list(model_names) != table.feature_names:
        raise ValueError(f"{args.data}: feature columns {', '.join(table.feature_names)} differ from the "
                         f"model's {', '.join(model_names)}")
    X = check_X(apply_scaling(table.X, extra.get("scaling")), som.settings_.dtype, n_features=som.n_features_in_,
                name=f"{args.data} (scaled)")
    return X, table


def _predict(args):
    som = load(args.model)
    X, table = _model_data(som, args)
    bmu, distance = som.predict(X, return_distance=True)
    rows, cols = np.divmod(bmu, som.settings_.n_cols)
    fields = [rows.tolist(), cols.tolist(), distance.tolist()]
    head = ["row", "col", "distance"]
    if table.labels is not None:
        head.append(table.label_name or "label")
        fields.append(table.labels.tolist())
    if args.output is None:
        _write_csv(sys.stdout, head, fields)
    else:
        with atomic_write(args.output, "w", newline="", encoding="utf-8") as stream:
            _write_csv(stream, head, fields)
        print(f"wrote {len(bmu)} predictions to {args.output}")
    return 0


def _write_csv(stream, head, fields):
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(zip(*fields, strict=True))


def _add_predict(commands):
    predict = commands.add_parser("predict", help="best matching unit of every row of a data file",
                                  description="Write, as CSV, the grid row and column of each sample's best "
                                              "matching unit and its distance to it.")
    predict.add_argument("model", metavar="MODEL", help="a model file written by fastsom train")
    predict.add_argument("data", metavar="DATA", help="a .csv, .tsv, .npy or .parquet file")
    predict.add_argument("-o", "--output", metavar="OUT.csv", help="CSV to write (default: standard output)")
    _add_data_options(predict)
    predict.set_defaults(run=_predict)


# --------------------------------------------------------------------- info


def _size(n_bytes):
    for unit in ("bytes", "KiB", "MiB"):
        if n_bytes < 1024 or unit == "MiB":
            return f"{n_bytes} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return None  # pragma: no cover


def _names(names, most=20):
    names = list(names)
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def _info(args):
    model = model_file.read(args.model, SOM().get_params())
    som = SOM._from_file(model)
    extra = checked_extra(som, args.model)
    settings = som.settings_
    unsaved = set(som.unsaved_params_)

    def setting(name):
        return "not saved (not JSON: a callable or an array)" if name in unsaved else settings.params[name]

    def schedule(start, end, schedule_name):
        end_text = "the schedule's own end" if end is None else f"{end:g}"
        return f"{start:g} -> {end_text}, {setting(schedule_name)} schedule"

    names = getattr(som, "feature_names_in_", None)
    lines = [
        ("file", f"{args.model} ({_size(os.path.getsize(args.model))})"),
        ("written by", f"fastsom {model.header.get('fastsom_version', '?')} "
                       f"(format version {model.header['format_version']})"),
        ("map", f"{settings.n_rows} x {settings.n_cols} units, {settings.topology}, "
                f"{'toroidal' if settings.toroidal else 'planar'}"),
        ("features", f"{som.n_features_in_}" + ("" if names is None else f": {_names(names)}")),
        ("dtype", settings.dtype.name),
        ("algorithm", f"{settings.algorithm}: {som.n_iter_} of {settings.n_steps} "
                      f"{'iterations' if settings.online else 'epochs'} trained"),
        ("neighborhood", f"{settings.neighborhood}, sigma "
                         + schedule(settings.sigma, settings.sigma_end, "sigma_schedule")),
    ]
    if settings.online:
        lines.append(("learning rate", schedule(settings.learning_rate, settings.learning_rate_end,
                                                "learning_rate_schedule")))
    lines += [("distance", settings.distance), ("init", setting("init")), ("seed", setting("random_state"))]
    scaling = extra.get("scaling")
    if not scaling:
        lines.append(("scaling", "none recorded (not trained by fastsom train): predict uses the data as given"))
    elif scaling.get("kind", "none") == "none":
        lines.append(("scaling", "none: the data as given"))
    else:
        lines.append(("scaling", f"{scaling['kind']}, x' = (x - offset) / scale"))
        feature_names = list(names) if names is not None else [f"feature {i}" for i in range(som.n_features_in_)]
        for name, offset, scale in list(zip(feature_names, scaling["offset"], scaling["scale"], strict=True))[:20]:
            lines.append(("", f"{name}: offset {offset:.6g}, scale {scale:.6g}"))
        if som.n_features_in_ > 20:
            lines.append(("", f"and {som.n_features_in_ - 20} more features"))
    data = extra.get("data")
    if data:
        label = "" if data.get("label_column") is None else f", label column {data['label_column']!r}"
        lines.append(("trained on", f"{data.get('file')}, columns {data.get('column_indices')}{label}"))
    width = max(len(key) for key, _ in lines) + 2
    for key, value in lines:
        print(f"{key:<{width}}{value}")
    return 0


def _add_info(commands):
    info = commands.add_parser("info", help="describe a model file")
    info.add_argument("model", metavar="MODEL", help="a model file (.npz)")
    info.set_defaults(run=_info)


# ------------------------------------------------------------ demo, verify


def _demo(args):

    if args.demo in ("colours", "colors"):
        som, found = demos.colours(args.output, args.rows, args.cols, args.iterations, args.samples, args.seed)
    elif args.demo == "iris":
        som, found = demos.iris(args.output, args.iterations, args.seed)
    else:
        som, found = demos.digits(args.output, args.data, args.iterations, args.max_points, args.seed)
    print(", ".join(f"{name} {value:.4f}" for name, value in found.items()))
    print(f"wrote {args.output}")
    return 0


def _verify(args):

    try:
        from reference import tutorial as reference
    except ImportError:  # pragma: no cover - only outside a source install
        print("fastsom verify needs the reference/ package (install fastsom from its source tree)", file=sys.stderr)
        return 2

    if args.features == 3:
        X = make_colours(args.samples, random_state=args.seed)
    else:
        X = np.random.default_rng(args.seed).random((args.samples, args.features))
    plan = make_plan(args.rows, args.cols, args.features, args.samples, args.iterations, random_state=args.seed)
    learning_rate, sigma = tutorial_schedules(args.rows, args.cols, args.iterations)

    def fast():
        return train_online(X, plan.initial_weights, plan.sample_indices, learning_rate, sigma,
                            neighborhood="gaussian_cutoff", strict=True)

    fast()  # compile (or load from cache) outside the timing
    start = time.perf_counter()
    fast_weights, fast_bmus = fast()
    fast_seconds = time.perf_counter() - start

    start = time.perf_counter()
    with np.errstate(divide="ignore"):
        ref_weights, ref_bmu_idx = reference.train(X.T, plan.initial_weights, plan.sample_indices)
    ref_seconds = time.perf_counter() - start
    ref_bmus = ref_bmu_idx[:, 0] * args.cols + ref_bmu_idx[:, 1]

    max_diff = float(np.max(np.abs(fast_weights - ref_weights)))
    same_bmus = bool(np.array_equal(fast_bmus, ref_bmus))
    print(f"map {args.rows}x{args.cols}, {args.features} features, {args.samples} samples, "
          f"{args.iterations} iterations, seed {args.seed} (the tutorial's settings)")
    print(f"max |w_fast - w_reference| = {max_diff:.3g}  (tolerance {VERIFY_ATOL:g})")
    print(f"BMU sequences {'match' if same_bmus else 'DIFFER'}"
          + ("" if same_bmus else f" (first at iteration {int(np.argmax(fast_bmus != ref_bmus))})"))
    print(f"reference {ref_seconds:.4f} s, fastsom {fast_seconds:.6f} s (compile excluded), "
          f"speed-up {ref_seconds / fast_seconds:,.0f}x")
    agree = same_bmus and max_diff <= VERIFY_ATOL
    print("OK: fastsom equals the reference" if agree else "FAIL: fastsom and the reference differ")
    return 0 if agree else 1


def _add_demo(commands):
    demo = commands.add_parser("demo", help="train one of the tutorial's maps and write its picture")
    demos = demo.add_subparsers(dest="demo", required=True)
    colours = demos.add_parser("colours", aliases=["colors"], help="the tutorial's colour map")
    _add_tutorial_options(colours)
    colours.add_argument("--samples", type=_positive_int, default=100, help="number of random colours (default 100)")
    colours.add_argument("-o", "--output", default="colours.png", help="PNG to write (default colours.png)")
    iris = demos.add_parser("iris", help="the 150 irises on a 10x10 map, coloured by species")
    iris.add_argument("--iterations", type=_positive_int, default=20_000, help="training iterations (default 20000)")
    iris.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    iris.add_argument("-o", "--output", default="iris.png", help="PNG to write (default iris.png)")
    digits = demos.add_parser("digits", help="handwritten digits on a 20x20 map, coloured by digit")
    digits.add_argument("--data", metavar="PATH",
                        help="real MNIST: a folder of IDX files, one IDX images file or an .npz (default: "
                             "scikit-learn's 8x8 digits)")
    digits.add_argument("--iterations", type=_positive_int, default=40_000, help="training iterations (default 40000)")
    digits.add_argument("--max-points", type=_positive_int, default=10_000,
                        help="digits drawn in the picture, a random subset (default 10000); measures use all")
    digits.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    digits.add_argument("-o", "--output", default="digits.png", help="PNG to write (default digits.png)")
    for parser in (colours, iris, digits):
        parser.set_defaults(run=_demo)


# --------------------------------------------------------------------- plot


def _plot(args):

    som = load(args.model)
    kinds = [kind for kind in ("umatrix", "hits", "components", "samples") if getattr(args, kind)]
    if not kinds:
        kinds = ["umatrix"] + (["hits"] if args.data else []) + (["samples"] if args.label_column is not None else [])
    needs_data = [kind for kind in kinds if kind in ("hits", "samples")]
    if needs_data and args.data is None:
        raise ValueError(f"--{needs_data[0]} needs the data: add --data DATA")
    if "samples" in kinds and args.label_column is None:
        raise ValueError("--samples colours each sample by its label: add --label-column COL")
    X, table = _model_data(som, args) if args.data is not None else (None, None)
    prefix = args.output or os.path.splitext(os.fspath(args.model))[0]
    for kind in kinds:
        if kind == "umatrix":
            figure = plot.plot_umatrix(som, connectivity=args.connectivity).figure
        elif kind == "hits":
            figure = plot.plot_hits(som, X).figure
        elif kind == "components":
            figure = plot.plot_components(som)
        else:
            figure = plot.plot_samples(som, X, table.labels, title=f"{os.path.basename(args.data)} by "
                                       f"{table.label_name or args.label_column}").figure
        print(f"wrote {plot.save_png(figure, f'{prefix}-{kind}.png')}")
    return 0


def _add_plot(commands):
    parser = commands.add_parser("plot", help="draw a model's U-matrix, hits, component planes or labelled samples",
                                 description="Write PNG pictures of a model file: PREFIX-umatrix.png, "
                                             "PREFIX-hits.png, PREFIX-components.png, PREFIX-samples.png.")
    parser.add_argument("model", metavar="MODEL", help="a model file written by fastsom train")
    parser.add_argument("--umatrix", action="store_true", help="mean distance of each unit to its neighbours")
    parser.add_argument("--hits", action="store_true", help="samples of --data won by each unit")
    parser.add_argument("--components", action="store_true", help="one small map per feature")
    parser.add_argument("--samples", action="store_true",
                        help="samples of --data on their units, coloured by --label-column")
    parser.add_argument("--data", metavar="DATA", help="a data file, read and scaled as for predict")
    _add_data_options(parser)
    parser.add_argument("--connectivity", type=int, choices=(4, 6, 8),
                        help="U-matrix neighbours: 8 (default) or 4 on rectangular maps, 6 on hexagonal")
    parser.add_argument("-o", "--output", metavar="PREFIX",
                        help="file name prefix (default: the model's path without .npz)")
    parser.set_defaults(run=_plot)


def _add_verify(commands):
    verify = commands.add_parser("verify", help="compare the fast trainer with the pure-Python reference")
    _add_tutorial_options(verify)
    verify.add_argument("--features", type=_positive_int, default=3, help="features; 3 = the tutorial's colours")
    verify.add_argument("--samples", type=_positive_int, default=100, help="number of samples (default 100)")
    verify.set_defaults(run=_verify)


def build_parser():
    """The argument parser: one ``_add_<command>`` function per command."""
    parser = argparse.ArgumentParser(prog="fastsom", description="Fast, exact Self-Organising Maps.")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_train, _add_predict, _add_info, _add_plot, _add_demo, _add_verify):
        add(commands)
    return parser


def _one_line(error):
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__


def main(argv=None):
    """Run the command line; returns the exit status (2 for unusable input)."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            # Models from `fastsom train` keep the file's column names; the
            # command line itself always hands them plain arrays in that order.
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return args.run(args)
    except BrokenPipeError:
        # The reader of standard output left (``fastsom predict ... | head``).
        # Point stdout at /dev/null so the interpreter's final flush is quiet.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1
    except KeyboardInterrupt:
        print("fastsom: interrupted", file=sys.stderr)
        return 130
    except (DataFileError, ValueError, OSError, ImportError, MemoryError) as error:
        # Unusable input: data or model files, settings the map refuses.
        print(f"fastsom: {_one_line(error)}", file=sys.stderr)
        return 2
