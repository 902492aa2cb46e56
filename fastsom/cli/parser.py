"""The command line's arguments: one sub-parser per command, each running a function of :mod:`.commands`."""

import argparse

from .._version import __version__
from ..options import ALGORITHMS, DISTANCES, DTYPES, INITS, NEIGHBORHOODS, TOPOLOGIES
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


def _add_train(subparsers):
    train = subparsers.add_parser(
        "train", help="train a map on a CSV, .npy or Parquet file",
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
    _add_dask_options(train)
    train.add_argument("--checkpoint", metavar="PATH",
                       help="batch: write the map after every epoch to PATH and resume from it if it exists")
    train.set_defaults(run=commands.cmd_train)


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
    verify = subparsers.add_parser("verify", help="compare the fast trainer with the pure-Python reference")
    _add_tutorial_options(verify)
    verify.add_argument("--features", type=_positive_int, default=3, help="features; 3 = the tutorial's colours")
    verify.add_argument("--samples", type=_positive_int, default=100, help="number of samples (default 100)")
    verify.set_defaults(run=commands.cmd_verify)


def build_parser():
    """The argument parser: one ``_add_<command>`` function per command."""
    parser = argparse.ArgumentParser(prog="fastsom", description="Fast, exact Self-Organising Maps.")
    parser.add_argument("--version", action="version", version=f"fastsom {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in (_add_train, _add_predict, _add_info, _add_plot, _add_cluster, _add_demo, _add_verify):
        add(subparsers)
    return parser
