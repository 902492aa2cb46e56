"""The ``fastsom`` command line.

* ``fastsom train DATA --rows R --cols C -o MODEL`` trains a map on a CSV,
  ``.npy`` or Parquet file (see :mod:`fastsom.io.tables`), scaling each
  feature first (``--scale minmax``, the default, ``standard`` or ``none``);
  the scaling, the feature names and the columns read are kept in the model
  file, so ``predict`` treats new data exactly as the training data.
  With ``--dask`` or ``--scheduler`` the data may be bigger than memory
  (:mod:`fastsom.cli.large`).
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
  the same plan and reports whether they agree (exit status 1 if not);
  ``--data FILE`` on the first rows of the user's file, scaled as ``train``
  scales it (:mod:`fastsom.profiling.reference`).
* ``fastsom profile [DATA | --samples N --features D]`` measures training
  on the user's data or synthetic data with any map option: first call,
  phases, the machine's floor, threads, memory, the full run projected
  (:func:`fastsom.profile`); ``--compare OPTION=V1,V2`` side by side,
  ``--reference`` with the reference's speed, ``--json FILE``.

A data or model file that cannot be used ends the command with one line on
standard error, ``fastsom: <file>: <where>: <what>``, and exit status 2 (as
argparse does for bad options); never a traceback.
"""

import argparse
import csv
import json
import os
import sys

import numpy as np

from .. import profiling
from .. import topology as grid
from .._validation import check_X
from ..analysis import plot
from ..datasets import make_colours, make_mnist_like
from ..io import model as model_file
from ..io.files import atomic_write
from ..io.tables import read_table
from ..loading import load
from ..options import DTYPES
from ..profiling import reference
from ..settings import resolve
from ..som import SOM
from . import demos, large
from .scaling import apply_scaling, checked_extra, fit_scaling

#: Largest |w_fast - w_reference| accepted by ``verify`` (float64); its home is fastsom.profiling.reference.
VERIFY_ATOL = reference.VERIFY_ATOL


def _read(path, args, columns=None, missing=False):
    """The table the data options of ``args`` ask for (``columns`` overrides ``--columns``; ``missing``: NaN too)."""
    return read_table(path, columns=columns if columns is not None else args.columns,
                      header="auto" if args.header is None else args.header, label_column=args.label_column,
                      missing=missing)


def som_params(args, strict_steps=True):
    """The ``SOM`` parameters the map options of ``args`` ask for (see ``parser.MAP_OPTIONS``), checked.

    ``strict_steps``: refuse ``--iterations`` for batch and ``--epochs`` for
    online training (off when ``profile --compare algorithm=...`` runs both).
    """
    if strict_steps and args.iterations is not None and args.algorithm == "batch":
        raise ValueError("--iterations counts online steps; batch training runs --epochs")
    if strict_steps and args.epochs is not None and args.algorithm == "online":
        raise ValueError("--epochs counts batch passes; online training runs --iterations")
    steps = {} if args.iterations is None else {"n_iterations": args.iterations}
    if args.epochs is not None:
        steps["n_epochs"] = args.epochs
    masks = {name: getattr(args, name) for name in ("missing", "feature_weights") if hasattr(args, name)}
    params = SOM(args.rows, args.cols, algorithm=args.algorithm, topology=args.topology, toroidal=args.toroidal,
                 neighborhood=args.neighborhood, distance=args.distance, init=args.init, dtype=args.dtype,
                 n_jobs=args.jobs, random_state=args.seed, **masks, **steps).get_params()
    resolve(params)  # refuse impossible settings (an odd hexagonal torus) before reading a large file
    return params


def _read_scaled(args):
    """The data file of ``args``, read and scaled as ``train`` does; returns (X float64, table, scaling)."""
    table = _read(args.data, args, missing=getattr(args, "missing", "error") == "ignore")
    scaling = fit_scaling(table.X, args.scale, table.feature_names)
    return apply_scaling(table.X, scaling), table, scaling


def cmd_train(args):
    som = SOM(**{**som_params(args), "verbose": not args.quiet})
    if large.wanted(args):
        return large.train(args, som)
    X, table, scaling = _read_scaled(args)
    n_samples, n_features = X.shape
    label = "" if table.labels is None else f", label column {table.label_name or args.label_column!r}"
    print(f"read {n_samples} samples x {n_features} features from {args.data}{label}; scaling: {args.scale}")
    som.fit(X, checkpoint=args.checkpoint)
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


def _model_data(som, args):
    """The data file of ``args`` as the model ``som`` expects it: its columns, scaled as in training.

    Returns (X in the map's dtype, the table read).
    """
    extra = checked_extra(som, args.model)
    stored = extra.get("data") or {}
    columns = args.columns
    if columns is None and stored:
        names = stored.get("columns")
        # Repeated names cannot say which column they meant: then the stored indices do.
        by_name = (names and len(set(names)) == len(names) and args.header is not False
                   and not os.fspath(args.data).lower().endswith(".npy"))
        columns = stored["columns"] if by_name else stored.get("column_indices")
    table = _read(args.data, args, columns, missing=som.settings_.ignores_missing)
    model_names = getattr(som, "feature_names_in_", None)
    trained_on = f"{som.n_features_in_}" + ("" if model_names is None else f" ({', '.join(model_names)})")
    if table.X.shape[1] != som.n_features_in_:
        raise ValueError(f"{args.data}: {table.X.shape[1]} feature column(s) but the model {args.model} was "
                         f"trained on {trained_on}; choose the columns with --columns")
    if model_names is not None and table.feature_names is not None and list(model_names) != table.feature_names:
        raise ValueError(f"{args.data}: feature columns {', '.join(table.feature_names)} differ from the "
                         f"model's {', '.join(model_names)}")
    X = check_X(apply_scaling(table.X, extra.get("scaling")), som.settings_.dtype, n_features=som.n_features_in_,
                name=f"{args.data} (scaled)", missing=som.settings_.missing)
    return X, table


def cmd_predict(args):
    som = load(args.model)
    if large.wanted(args):
        return large.predict(args, som)
    X, table = _model_data(som, args)
    bmu, distance = som.predict(X, return_distance=True)
    rows, cols = np.divmod(bmu, som.settings_.n_cols)
    rows[bmu < 0] = cols[bmu < 0] = -1  # a row with nothing observed: no unit (distance nan)
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
        # On standard error: -o may be standard output itself, where this line would land in the CSV.
        print(f"wrote {len(bmu)} predictions to {args.output}", file=sys.stderr)
    return 0


def _write_csv(stream, head, fields):
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(zip(*fields, strict=True))


def _size(n_bytes):
    for unit in ("bytes", "KiB", "MiB"):
        if n_bytes < 1024 or unit == "MiB":
            return f"{n_bytes} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return None  # pragma: no cover


def _names(names, most=20):
    names = list(names)
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def cmd_info(args):
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
    lines.append(("missing values", "ignored (NaN: missing)" if settings.ignores_missing else "refused"))
    if settings.feature_weights is not None:
        lines.append(("feature weights", ", ".join(f"{w:g}" for w in settings.feature_weights[:20])
                      + (f" and {len(settings.feature_weights) - 20} more" if len(settings.feature_weights) > 20
                         else "")))
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


def cmd_demo(args):
    if args.demo in ("colours", "colors"):
        som, found = demos.colours(args.output, args.rows, args.cols, args.iterations, args.samples, args.seed)
    elif args.demo == "iris":
        som, found = demos.iris(args.output, args.iterations, args.seed)
    else:
        som, found = demos.digits(args.output, args.data, args.iterations, args.max_points, args.seed)
    print(", ".join(f"{name} {value:.4f}" for name, value in found.items()))
    print(f"wrote {args.output}")
    return 0


def cmd_verify(args):
    reference.load_oracle()  # an install without the oracle: one line, status 2
    options = {"neighborhood": args.neighborhood, "topology": args.topology, "toroidal": args.toroidal,
               "distance": args.distance}
    grid.check_grid(args.rows, args.cols, args.topology, args.toroidal)
    if args.data is not None:
        if args.features is not None:
            raise ValueError("--features is for synthetic data; with --data the file's columns are the features "
                             "(choose them with --columns)")
        X, _, _ = _read_scaled(args)
        X = check_X(X[:args.samples], np.float64, name=f"{args.data} (scaled)")
        print(f"data: the first {X.shape[0]} rows of {args.data}, scaling: {args.scale}")
    elif args.features in (None, 3):
        X = make_colours(args.samples, random_state=args.seed)
    else:
        X = np.random.default_rng(args.seed).random((args.samples, args.features))
    check = reference.compare(X, args.rows, args.cols, args.iterations, args.seed, **options)
    for line in check.lines():
        print(line)
    return 0 if check.agree else 1


def cmd_profile(args):
    """Measure training on DATA or synthetic data; print the report (and write it as JSON with --json)."""
    compare = None
    if args.compare is not None:
        name, values = args.compare
        compare = {}
        for value in values:
            variant = argparse.Namespace(**{**vars(args), name: value})
            # --compare algorithm=online,batch runs both: each takes the step count meant for it.
            compare[f"{name}={value}"] = som_params(variant, strict_steps=name != "algorithm")
    params = som_params(args, strict_steps=compare is None or args.compare[0] != "algorithm")
    if args.data is not None and (args.samples is not None or args.features is not None):
        raise ValueError("give a DATA file or --samples N --features D for synthetic data, not both")
    if args.data is None and (args.samples is None or args.features is None):
        raise ValueError("profile needs data: a DATA file, or --samples N --features D for synthetic data")
    say = (lambda line: None) if args.quiet else (lambda line: print(f"fastsom profile: {line}", file=sys.stderr))
    if args.data is not None:
        X, table, _ = _read_scaled(args)
        source = f"{os.path.basename(args.data)}, scaling {args.scale}"
    else:
        say(f"making {args.samples:,} x {args.features} synthetic MNIST-like rows ({args.dtype}, seed {args.seed})")
        X = make_mnist_like(args.samples, args.features, dtype=DTYPES[args.dtype], random_state=args.seed)
        source = f"synthetic: fastsom.datasets.make_mnist_like, seed {args.seed}"
    settings = [("", params)] if compare is None else list(compare.items())
    report = profiling.profile_settings(X, settings, reference=args.reference, budget=args.budget,
                                        repeat=args.repeat, progress=say, source=source,
                                        compared=None if compare is None else args.compare[0])
    print(report)
    if args.json is not None:
        with atomic_write(args.json, "w", encoding="utf-8") as stream:
            json.dump(report.to_dict(), stream, indent=1)
            stream.write("\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def cmd_cluster(args):
    som = load(args.model)
    X, table = _model_data(som, args) if args.data is not None else (None, None)
    labels = som.cluster(args.clusters, method=args.method, X=X)
    settings = som.settings_
    if som.cluster_scores_:
        scores = ", ".join(f"k={k}: {score:.3f}" for k, score in som.cluster_scores_.items())
        print(f"Davies-Bouldin index (lower is better): {scores}")
    weighting = "" if X is None else f", units weighted by their hits in {args.data}"
    print(f"{len(np.unique(labels))} regions ({args.method}{weighting})")
    prefix = args.output or os.path.splitext(os.fspath(args.model))[0]
    rows, cols = np.divmod(np.arange(settings.n_units), settings.n_cols)
    with atomic_write(f"{prefix}-units.csv", "w", newline="", encoding="utf-8") as stream:
        _write_csv(stream, ["row", "col", "cluster"], [rows.tolist(), cols.tolist(), labels.ravel().tolist()])
    print(f"wrote {prefix}-units.csv")
    if X is not None:
        bmu = som.predict(X)
        bmu_rows, bmu_cols = np.divmod(bmu, settings.n_cols)
        fields = [bmu_rows.tolist(), bmu_cols.tolist(), labels.ravel()[bmu].tolist()]
        head = ["row", "col", "cluster"]
        if table.labels is not None:
            head.append(table.label_name or "label")
            fields.append(table.labels.tolist())
        with atomic_write(f"{prefix}-samples.csv", "w", newline="", encoding="utf-8") as stream:
            _write_csv(stream, head, fields)
        print(f"wrote {prefix}-samples.csv")
    return 0


def cmd_plot(args):
    som = load(args.model)
    kinds = [kind for kind in ("umatrix", "hits", "components", "samples") if getattr(args, kind)]
    if args.clusters is not None:
        kinds.append("clusters")
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
        elif kind == "clusters":
            som.cluster(args.clusters or None, X=X)
            figure = plot.plot_regions(som).figure
        else:
            figure = plot.plot_samples(som, X, table.labels, title=f"{os.path.basename(args.data)} by "
                                       f"{table.label_name or args.label_column}").figure
        print(f"wrote {plot.save_png(figure, f'{prefix}-{kind}.png')}")
    return 0
