"""The command line's arguments: one sub-parser per command, each running a function of :mod:`.commands`."""

import argparse

from .._version import __version__
from ..options import ALGORITHMS, DISTANCES, DTYPES, INITS, MISSING, NEIGHBORHOODS, TOPOLOGIES
from . import commands
from .scaling import SCALINGS


def _int_at_least(minimum):
    """An argparse ``type``: an integer >= ``minimum``."""
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    parse.__name__ = "integer"  # argparse names the type in "invalid integer value: ..."
    return parse


_positive_int = _int_at_least(1)
_at_least_two = _int_at_least(2)


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


def _weight_list(text):
    try:
        return [float(item) for item in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not numbers separated by commas") from None


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


def _add_dask_options(parser):
    dask = parser.add_argument_group("data bigger than memory (pip install 'fastsom[dask]')",
                                     "DATA may then be a zarr store, a .npy file (memory-mapped) or Parquet "
                                     "(a file, a folder or a glob), read chunk by chunk")
    where = dask.add_mutually_exclusive_group()
    where.add_argument("--dask", action="store_true", help="run on a Dask cluster of this machine")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS")
    dask.add_argument("--workers", type=_positive_int, default=2,
                      help="with --dask: worker processes, one thread each (default 2)")


def _yes_no(text):
    value = text.strip().lower()
    if value not in ("yes", "no", "true", "false", "1", "0"):
        raise argparse.ArgumentTypeError(f"must be yes or no, got {text!r}")
    return value in ("yes", "true", "1")


#: The map's options, shared by train, profile and profile's --compare:
#: name (the flag without --; the attribute of the parsed arguments) -> add_argument keywords.
MAP_OPTIONS = {
    "rows": dict(type=_positive_int, help="map rows"),
    "cols": dict(type=_positive_int, help="map columns"),
    "algorithm": dict(choices=ALGORITHMS, default="online", help="default online"),
    "iterations": dict(type=_positive_int, help="online: samples presented (default 500 x rows x cols)"),
    "epochs": dict(type=_positive_int, help="batch: passes over the data (default 20)"),
    "topology": dict(choices=TOPOLOGIES, default="rectangular", help="default rectangular"),
    "toroidal": dict(action="store_true", help="wrap the map's edges (a torus)"),
    "neighborhood": dict(choices=tuple(NEIGHBORHOODS), default="gaussian", help="default gaussian"),
    "distance": dict(choices=tuple(DISTANCES), default="euclidean", help="default euclidean"),
    "init": dict(choices=INITS, default="random", help="default random"),
    "dtype": dict(choices=tuple(DTYPES), default="float64", help="default float64"),
    "seed": dict(type=int, default=0, help="random seed: same seed, same map (default 0)"),
    "jobs": dict(type=_jobs, help="online: threads per iteration, -1 = all (default 1)"),
}


def _add_map_options(parser, rows_cols=None):
    """The map's options (:data:`MAP_OPTIONS`); ``rows_cols``: their default, None: required."""
    for name, keywords in MAP_OPTIONS.items():
        if name in ("rows", "cols"):
            keywords = (dict(keywords, required=True) if rows_cols is None
                        else dict(keywords, default=rows_cols, help=f"{keywords['help']} (default {rows_cols})"))
        parser.add_argument(f"--{name}", **keywords)


def _compared_value(name, text):
    """One value of ``--compare NAME=...``, converted and checked as ``--NAME`` would be."""
    keywords = MAP_OPTIONS[name]
    convert = _yes_no if keywords.get("action") == "store_true" else keywords.get("type", str)
    try:
        value = convert(text.strip())
    except (argparse.ArgumentTypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(f"{name}={text}: {error}") from None
    if "choices" in keywords and value not in keywords["choices"]:
        raise argparse.ArgumentTypeError(f"{name}={text}: not one of {', '.join(keywords['choices'])}")
    return value


def _compare(text):
    """``OPTION=v1,v2,...`` -> (OPTION, [values]): a map option and the values to measure side by side."""
    name, equals, values = text.partition("=")
    name = name.strip().lstrip("-")
    if name not in MAP_OPTIONS:
        raise argparse.ArgumentTypeError(f"unknown option {name!r}; valid: {', '.join(MAP_OPTIONS)}")
    items = [item for item in values.split(",") if item.strip()]
    if not equals or not 1 <= len(items) <= 8:
        raise argparse.ArgumentTypeError(f"expected {name}=VALUE,VALUE,... with 1 to 8 values, got {text!r}")
    return name, [_compared_value(name, item) for item in items]


def _seconds(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 seconds, got {text}")
    return value


def _add_train(subparsers):
    train = subparsers.add_parser(
        "train", help="train a map on a CSV, .npy or Parquet file",
        description="Train a map on the numeric columns of a data file and write the model.")
    train.add_argument("data", metavar="DATA", help="a .csv, .tsv, .npy or .parquet file, one sample per row")
    train.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write (.npz)")
    _add_data_options(train)
    _add_scale_option(train, "per-feature scaling, learnt here and stored in the model (default minmax: [0, 1])")
    _add_map_options(train)
    train.add_argument("--missing", choices=MISSING, default="error",
                       help="ignore: empty cells, NaN and nulls are missing values, matched around (default error: "
                            "refused, naming the cell)")
    train.add_argument("--feature-weights", type=_weight_list, metavar="W1,W2,...",
                       help="one weight >= 0 per feature column, in the distances (0: trained, not matched on)")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_dask_options(train)
    train.add_argument("--checkpoint", metavar="PATH",
                       help="batch: write the map after every epoch to PATH and resume from it if it exists")
    train.set_defaults(run=commands.cmd_train)


def _add_scale_option(parser, text):
    parser.add_argument("--scale", choices=SCALINGS, default="minmax", help=text)


def _add_profile(subparsers):
    profile = subparsers.add_parser(
        "profile", help="how fast training runs here, where the time goes, how far from the machine's floor",
        description="Time short fits of a map on your data file (or synthetic data of a given shape), phase by "
                    "phase, beside the machine's floor for the same shapes; project the full run. The "
                    "measurements stay within --budget seconds; compiling the kernels (first run after an "
                    "install) comes on top.")
    profile.add_argument("data", metavar="DATA", nargs="?",
                         help="a .csv, .tsv, .npy or .parquet file, read as train reads it; or give --samples and "
                              "--features for synthetic MNIST-like data")
    profile.add_argument("--samples", type=_positive_int, help="synthetic data: rows")
    profile.add_argument("--features", type=_positive_int, help="synthetic data: columns")
    _add_data_options(profile)
    _add_scale_option(profile, "per-feature scaling of DATA, as train does (default minmax: [0, 1])")
    _add_map_options(profile, rows_cols=10)
    profile.add_argument("--compare", type=_compare, metavar="OPTION=V1,V2",
                         help=f"measure each value of one option side by side, e.g. dtype=float32,float64 or "
                              f"jobs=1,-1; options: {', '.join(MAP_OPTIONS)}")
    profile.add_argument("--reference", action="store_true",
                         help="also time the pure-Python reference on the first rows (the tutorial's online "
                              "settings) and check that the two agree")
    profile.add_argument("--budget", type=_seconds, default=30.0,
                         help="seconds the measurements may take (default 30)")
    profile.add_argument("--repeat", type=_positive_int, default=3, help="measured fits per setting (default 3)")
    profile.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    profile.add_argument("-q", "--quiet", action="store_true", help="no progress lines on standard error")
    profile.set_defaults(run=commands.cmd_profile)


def _add_predict(subparsers):
    predict = subparsers.add_parser("predict", help="best matching unit of every row of a data file",
                                    description="Write, as CSV, the grid row and column of each sample's best "
                                                "matching unit and its distance to it.")
    predict.add_argument("model", metavar="MODEL", help="a model file written by fastsom train")
    predict.add_argument("data", metavar="DATA", help="a .csv, .tsv, .npy or .parquet file")
    predict.add_argument("-o", "--output", metavar="OUT.csv", help="CSV to write (default: standard output)")
    _add_data_options(predict)
    _add_dask_options(predict)
    predict.set_defaults(run=commands.cmd_predict)


def _add_info(subparsers):
    info = subparsers.add_parser("info", help="describe a model file")
    info.add_argument("model", metavar="MODEL", help="a model file (.npz)")
    info.set_defaults(run=commands.cmd_info)


def _add_demo(subparsers):
    demo = subparsers.add_parser("demo", help="train one of the tutorial's maps and write its picture")
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
        parser.set_defaults(run=commands.cmd_demo)


def _add_plot(subparsers):
    parser = subparsers.add_parser("plot", help="draw a model's U-matrix, hits, component planes or labelled samples",
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
    parser.add_argument("--clusters", nargs="?", const=0, type=_at_least_two, metavar="K",
                        help="regions (connected Ward, hit-weighted with --data) drawn over the U-matrix; "
                             "K regions, or chosen by the Davies-Bouldin index without K")
    parser.add_argument("-o", "--output", metavar="PREFIX",
                        help="file name prefix (default: the model's path without .npz)")
    parser.set_defaults(run=commands.cmd_plot)


def _add_cluster(subparsers):
    parser = subparsers.add_parser("cluster", help="group a model's units into regions; each sample's region",
                                   description="Write PREFIX-units.csv (row, col, cluster of every unit) and, "
                                               "with --data, PREFIX-samples.csv (each row's unit and cluster).")
    parser.add_argument("model", metavar="MODEL", help="a model file written by fastsom train")
    parser.add_argument("-k", "--clusters", type=_at_least_two, metavar="K",
                        help="number of regions (default: chosen by the Davies-Bouldin index)")
    parser.add_argument("--method", choices=("ward", "kmeans"), default="ward",
                        help="ward: contiguous regions (default); kmeans: k-means on the prototypes")
    parser.add_argument("--data", metavar="DATA", help="a data file: weighs units by hits, gives per-sample regions")
    _add_data_options(parser)
    parser.add_argument("-o", "--output", metavar="PREFIX",
                        help="file name prefix (default: the model's path without .npz)")
    parser.set_defaults(run=commands.cmd_cluster)


def _add_verify(subparsers):
    verify = subparsers.add_parser(
        "verify", help="compare the fast trainer with the pure-Python reference",
        description="Train the pure-Python reference and fastsom's exact kernel on the same plan (the tutorial's "
                    "settings unless --neighborhood, --topology, --toroidal or --distance say otherwise) and "
                    "report whether they agree. Data: the tutorial's colours, uniform data (--features), or the "
                    "first --samples rows of your file (--data).")
    _add_tutorial_options(verify)
    verify.add_argument("--features", type=_positive_int,
                        help="synthetic data: features (default 3, the tutorial's colours; others: uniform [0, 1))")
    verify.add_argument("--samples", type=_positive_int, default=100,
                        help="number of samples, or of rows read from --data (default 100)")
    verify.add_argument("--data", metavar="DATA", help="a .csv, .tsv, .npy or .parquet file, read as train reads it")
    _add_data_options(verify)
    _add_scale_option(verify, "per-feature scaling of --data (default minmax: [0, 1], as the tutorial normalises)")
    for name in ("topology", "toroidal", "distance"):
        verify.add_argument(f"--{name}", **MAP_OPTIONS[name])
    verify.add_argument("--neighborhood", choices=tuple(NEIGHBORHOODS), default="gaussian_cutoff",
                        help="default gaussian_cutoff (the tutorial's)")
    verify.set_defaults(run=commands.cmd_verify)


def build_parser():
    """The argument parser: one ``_add_<command>`` function per command."""
    parser = argparse.ArgumentParser(prog="fastsom", description="Fast, exact Self-Organising Maps.")
    parser.add_argument("--version", action="version", version=f"fastsom {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in (_add_train, _add_predict, _add_info, _add_plot, _add_cluster, _add_demo, _add_verify, _add_profile):
        add(subparsers)
    return parser
