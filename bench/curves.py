"""Scaling curves: time per epoch and peak memory as one size grows, fastsom beside its peers.

Usage::

    python -m bench.curves -o docs/            # four PNGs and curves.json; a few minutes on 2 cores
    python -m bench.curves -o /tmp/c --smoke   # tiny sizes: checks that it runs
    python -m bench.curves --from-json docs/curves.json -o docs/   # re-plot saved points

From the base point of the ``curve`` workload (:mod:`bench.workloads`:
10,000 x 32 float32, 20x20 map, one epoch, sigma = half the longer side)
one size varies at a time (:data:`SWEEPS`):

* ``time_vs_samples.png``: n_samples 1,000 ... 1,000,000;
* ``time_vs_units.png``: square maps of 10x10 ... 160x160 units;
* ``time_vs_features.png``: n_features 4 ... 1,024;
* ``memory_vs_units.png``: peak memory above the data, from the n_units sweep.

Each point is one fresh :mod:`bench.worker` process per contender
(compile excluded, median of up to 2 rounds, no quality scoring).
"Time per epoch" is one batch epoch, or, online, n_samples iterations
(timed on at most 2,000 iterations and scaled: an online iteration costs
the same whatever the size of the data). A contender whose call is
estimated above :data:`TIME_BUDGET` seconds, or whose memory would pass
:data:`bench.suite.MEMORY_BUDGET` (TorchSOM's n_units^2 tables), is not
run at that point nor at larger ones: its curve ends there, with an x and
the reason in the legend. Axes are log-log.
"""

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from bench import suite, workloads

#: Seconds one training call may take at a point of a curve.
TIME_BUDGET = 20.0

#: size name -> values; the other sizes stay at the base point's.
SWEEPS = {
    "n_samples": (1_000, 10_000, 100_000, 1_000_000),
    "n_units": (10, 20, 40, 80, 160),  # side of a square map
    "n_features": (4, 32, 256, 1_024),
}
SMOKE_SWEEPS = {"n_samples": (200, 800), "n_units": (3, 6), "n_features": (4, 16)}

#: Online contenders are timed on at most this many iterations per point.
ONLINE_ITERATIONS = 2_000

LABELS = {"n_samples": "n_samples (rows)", "n_units": "n_units (square map)", "n_features": "n_features"}


def overrides(size, value):
    if size == "n_units":
        return dict(n_rows=value, n_cols=value)
    return {size: value}


def point_workload(base, size, value):
    wl = dataclasses.replace(base, **overrides(size, value))
    return dataclasses.replace(wl, n_iterations=min(ONLINE_ITERATIONS, wl.n_samples))


def measure(smoke=False, log=sys.stderr):
    """Run every sweep; returns {size: {contender: [point, ...]}} (point: value, seconds per epoch, peak MB, status)."""
    base = workloads.WORKLOADS["curve"].sized("smoke" if smoke else "full")
    mode = suite.Mode("smoke" if smoke else "full", budget=TIME_BUDGET, round_budget=1.0, max_rounds=2,
                      deadline=None)
    env = suite.numba_cache_env()
    sweeps = SMOKE_SWEEPS if smoke else SWEEPS
    curves = {}
    with tempfile.TemporaryDirectory(prefix="fastsom-curves-") as data_dir:
        for size, values in sweeps.items():
            curves[size] = {}
            for name in base.contenders:
                points = curves[size][name] = []
                for value in values:
                    wl = point_workload(base, size, value)
                    start = time.monotonic()
                    over = overrides(size, value) | dict(n_iterations=wl.n_iterations)
                    result = suite.run_contender(base, name, mode, data_dir, overrides=over, env=env,
                                                 score=False)
                    seconds = suite.median(result) if result["status"] == "ok" else None
                    if seconds is not None and "online" in result.get("algorithm", ""):
                        seconds *= wl.n_samples / wl.n_iterations  # per epoch: n_samples iterations
                    points.append(dict(value=value, seconds=seconds, peak_mb=result.get("peak_extra_mb"),
                                       status=result["status"], reason=result.get("reason"),
                                       label=result.get("label", name)))
                    print(f"[curves] {size}={value} {name}: {result['status']} "
                          f"{'' if seconds is None else f'{seconds:.3g} s/epoch'} "
                          f"({time.monotonic() - start:.0f} s)", file=log, flush=True)
                    if result["status"] != "ok":
                        break  # the curve ends here
    return curves


def plot(curves, out_dir):
    """Write the four PNGs into ``out_dir``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = [("time_vs_samples.png", "n_samples", "seconds"), ("time_vs_units.png", "n_units", "seconds"),
               ("time_vs_features.png", "n_features", "seconds"), ("memory_vs_units.png", "n_units", "peak_mb")]
    written = []
    for filename, size, what in figures:
        if size not in curves:
            continue
        fig, ax = plt.subplots(figsize=(10, 4.8))
        for name, points in curves[size].items():
            ok = [p for p in points if p[what] is not None and p["status"] == "ok"]
            label = points[0]["label"] if points else name
            xs = [p["value"] ** 2 if size == "n_units" else p["value"] for p in ok]
            ys = [max(p[what], 1e-3 if what == "peak_mb" else 1e-6) for p in ok]
            style = "--" if name.startswith("floor") else "-"
            line, = ax.plot(xs, ys, style, marker="o", label=label, linewidth=2 if name.startswith("fastsom") else 1)
            stopped = [p for p in points if p["status"] != "ok"]
            if stopped and ok:
                ax.plot(xs[-1:], ys[-1:], "x", color=line.get_color(), markersize=12, markeredgewidth=2)
                line.set_label(f"{label} (stops: {_short(stopped[0])})")
            elif stopped:
                line.set_label(f"{label} (not run: {_short(stopped[0])})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(LABELS[size].replace("(square map)", "(square maps)"))
        ax.set_ylabel("seconds per epoch" if what == "seconds" else "peak memory above data, MB")
        ax.set_title(("Time per epoch" if what == "seconds" else "Peak memory") + f" vs {size} (others at "
                     "10,000 x 32, 20x20 map, float32); x: curve stopped", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
        fig.tight_layout()
        path = out_dir / filename
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def _short(point):
    reason = point.get("reason") or point["status"]
    return reason.split(";")[0][:60]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.curves", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default="docs", help="directory for the PNGs and curves.json (default docs)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument("--from-json", metavar="FILE", help="plot saved points instead of measuring")
    args = parser.parse_args(argv)
    if args.from_json:
        curves = json.loads(Path(args.from_json).read_text())
    else:
        curves = measure(smoke=args.smoke or workloads.SMOKE)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "curves.json").write_text(json.dumps(curves, indent=1))
    for path in plot(curves, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
