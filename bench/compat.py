"""MiniSom against ``fastsom.compat.MiniSom``: the same map, and the time ratio (issue 15, item 3).

Run ``python -m bench.compat`` (full, about 15 minutes at this machine's
load), ``--quick`` (fewer MiniSom rounds) or ``--smoke`` (seconds: checks
that it runs). It prints a Markdown table.

Every run is a plain user script in a fresh ``python -I`` (see
:mod:`bench.plain`): it loads the data from a ``.npy`` file, builds
``MiniSom(20, 20, n_features, sigma=..., learning_rate=0.5,
random_seed=0)`` from ``minisom`` or from ``fastsom.compat`` (the one-line
change), and times ``som.train(X, n_iterations, random_order=True)``.
MiniSom runs twice over: in the default environment (as users run it) and
with glibc's malloc tuned (:data:`bench.plain.MALLOC_TUNING`); fastsom's
class in the default environment, after a first small ``train`` in the same
process that loads (or compiles) its kernels, timed apart. The contenders
alternate, rounds are medians, and every process saves its trained weights:
the table says whether all of them are the same bits.

Workloads (float64, MiniSom's dtype):

* ``mnist``: :func:`fastsom.datasets.make_mnist_like`, 70,000 x 784, a 20x20
  map, 10,000 iterations;
* ``digits``: scikit-learn's 8x8 digits / 16, 1,797 x 64, a 20x20 map,
  50,000 iterations;

each with MiniSom's defaults (sigma 1.0, learning rate 0.5, asymptotic
decays, gaussian) and with a wide neighbourhood (sigma 10).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench import plain

ROOT = Path(__file__).resolve().parent.parent

#: name -> (n_iterations, map side), by mode; the data come from :func:`data`.
WORKLOADS = {
    "full": {"mnist": 10_000, "digits": 50_000},
    "quick": {"mnist": 10_000, "digits": 50_000},
    "smoke": {"mnist": 30, "digits": 200},
}

#: MiniSom's defaults, and a wide neighbourhood.
SETTINGS = {"sigma 1 (defaults)": 1.0, "sigma 10": 10.0}

#: Fresh processes per contender, by mode.
ROUNDS = {"full": {"minisom": 3, "minisom-tuned": 3, "compat": 5},
          "quick": {"minisom": 1, "minisom-tuned": 2, "compat": 3},
          "smoke": {"minisom": 1, "minisom-tuned": 1, "compat": 1}}

SIDE = 20


def data(name, mode):
    """The workload's data, float64."""
    if name == "mnist":
        from fastsom.datasets import make_mnist_like

        n_samples = 2_000 if mode == "smoke" else 70_000
        return np.asarray(make_mnist_like(n_samples, random_state=0), dtype=np.float64)
    from fastsom.datasets import load_digits

    return load_digits()[0] / 16.0


def train_script(contender, x_path, out_path, n_iterations, sigma):
    """The source of one timed run: the user's script, with ``from minisom`` or ``from fastsom.compat``."""
    n_features = np.load(x_path, mmap_mode="r").shape[1]
    make = f"MiniSom({SIDE}, {SIDE}, {n_features}, sigma={sigma!r}, learning_rate=0.5, random_seed=0)"
    body = f"X = np.load({str(x_path)!r})\n"
    timed = []
    if contender == "compat":
        module, prelude = "fastsom.compat", f"sys.path.insert(0, {str(ROOT)!r})  # this checkout's fastsom"
        body += "MiniSom = fastsom.compat.MiniSom\n"
        # A user's first call in a process loads (or compiles) the kernels: timed apart.
        timed.append(("first call", f"{make}.train(X[:100], 10, random_order=True)"))
    else:
        module, prelude = "minisom", ""
        body += "MiniSom = minisom.MiniSom\n"
    body += f"som = {make}\n"
    timed.append(("train", f"som.train(X, {int(n_iterations)}, random_order=True)"))
    after = f"np.save({str(out_path)!r}, som.get_weights())\n"
    return plain.script(module, timed, body=body, prelude=prelude, after=after)


def measure(mode, log=sys.stderr):
    """Run every workload and setting; a list of result rows (dicts)."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name, n_iterations in WORKLOADS[mode].items():
            x_path = folder / f"{name}.npy"
            np.save(x_path, data(name, mode))
            for setting, sigma in SETTINGS.items():
                times = {key: [] for key in ROUNDS[mode]}
                first_calls, maps, errors = [], [], []
                order = plain.alternating(list(ROUNDS[mode]), max(ROUNDS[mode].values()))
                counts = dict.fromkeys(ROUNDS[mode], 0)
                load_before = os.getloadavg()[0]
                for key in order:
                    if counts[key] >= ROUNDS[mode][key]:
                        continue
                    counts[key] += 1
                    out_path = folder / f"w-{key}-{counts[key]}.npy"
                    source = train_script("compat" if key == "compat" else "minisom", x_path, out_path,
                                          n_iterations, sigma)
                    out = plain.run(source, "tuned" if key == "minisom-tuned" else "default")
                    if "error" in out:
                        errors.append(f"{key}: {out['error']}")
                        continue
                    times[key].append(out["seconds"][-1])
                    if key == "compat":
                        first_calls.append(out["seconds"][0])
                    maps.append(np.load(out_path))
                    print(f"[bench.compat] {name}, {setting}, {key}: {out['seconds']}", file=log, flush=True)
                rows.append(dict(workload=name, setting=setting, n_iterations=n_iterations,
                                 times={k: v for k, v in times.items() if v}, first_calls=first_calls,
                                 same_map=bool(maps) and all(np.array_equal(maps[0], m) for m in maps[1:]),
                                 n_maps=len(maps), errors=errors,
                                 load=(load_before, os.getloadavg()[0])))
    return rows


def table(rows):
    """The rows as a Markdown table, with the ratios."""
    head = ["workload", "setting", "iterations", "MiniSom, plain script (s)", "MiniSom, tuned malloc (s)",
            "compat (s)", "faster than plain", "faster than tuned", "compat first call (s)", "same map",
            "load before/after"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in rows:
        med = {k: float(np.median(v)) for k, v in row["times"].items()}
        cells = {}
        for key, values in row["times"].items():
            spread = f" [{min(values):.3g}-{max(values):.3g}]" if len(values) > 1 else ""
            cells[key] = f"{med[key]:.3g}{spread}"
        ratios = {key: f"**{med[key] / med['compat']:.1f}x**" if key in med and "compat" in med else ""
                  for key in ("minisom", "minisom-tuned")}
        first = f"{np.median(row['first_calls']):.2f}" if row["first_calls"] else ""
        lines.append("| " + " | ".join([
            row["workload"], row["setting"], f"{row['n_iterations']:,}", cells.get("minisom", "failed"),
            cells.get("minisom-tuned", "failed"), cells.get("compat", "failed"), ratios["minisom"],
            ratios["minisom-tuned"], first,
            f"{'yes' if row['same_map'] else 'NO'} ({row['n_maps']} runs)",
            "{:.1f} / {:.1f}".format(*row["load"])]) + " |")
        lines += [f"|  | errors: {e} |" for e in row["errors"]]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer MiniSom rounds")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that it runs")
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    print(table(measure(mode)))


if __name__ == "__main__":
    main()
