"""The ``fastsom`` command line.

* ``fastsom demo colours`` trains the tutorial's colour map and writes a PNG.
* ``fastsom verify`` runs the pure-Python reference and the fast trainer on
  the same plan and reports whether they agree (exit status 1 if not).
"""

import argparse
import sys
import time

import numpy as np

#: Largest |w_fast - w_reference| accepted by ``verify`` (float64).
VERIFY_ATOL = 1e-12


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _add_tutorial_options(parser, rows=5, cols=5, iterations=2000):
    parser.add_argument("--rows", type=_positive_int, default=rows, help=f"map rows (default {rows})")
    parser.add_argument("--cols", type=_positive_int, default=cols, help=f"map columns (default {cols})")
    parser.add_argument("--iterations", type=_positive_int, default=iterations,
                        help=f"training iterations (default {iterations})")
    parser.add_argument("--seed", type=int, default=0, help="random seed of data and plan (default 0)")


def _demo_colours(args):
    from . import plot, tutorial_som
    from .datasets import make_colours

    X = make_colours(args.samples, random_state=args.seed)
    som = tutorial_som(args.rows, args.cols, n_iterations=args.iterations, random_state=args.seed).fit(X)
    plt = plot._pyplot()
    ax = plot.plot_colours(som, title=f"{args.rows}x{args.cols} colour map, {args.iterations} iterations")
    ax.figure.savefig(args.output, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"quantization error {som.quantization_error(X):.4f}, topographic error {som.topographic_error(X):.4f}")
    print(f"wrote {args.output}")
    return 0


def _verify(args):
    from . import make_plan, train_online, tutorial_schedules
    from .datasets import make_colours

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


def build_parser():
    parser = argparse.ArgumentParser(prog="fastsom", description="Fast, exact Self-Organising Maps.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="train a demo map and write its picture")
    demos = demo.add_subparsers(dest="demo", required=True)
    colours = demos.add_parser("colours", aliases=["colors"], help="the tutorial's colour map")
    _add_tutorial_options(colours)
    colours.add_argument("--samples", type=_positive_int, default=100, help="number of random colours (default 100)")
    colours.add_argument("-o", "--output", default="colours.png", help="PNG to write (default colours.png)")
    colours.set_defaults(run=_demo_colours)

    verify = commands.add_parser("verify", help="compare the fast trainer with the pure-Python reference")
    _add_tutorial_options(verify)
    verify.add_argument("--features", type=_positive_int, default=3, help="features; 3 = the tutorial's colours")
    verify.add_argument("--samples", type=_positive_int, default=100, help="number of samples (default 100)")
    verify.set_defaults(run=_verify)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ImportError as error:
        print(f"fastsom: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"fastsom: {error}", file=sys.stderr)
        return 2
