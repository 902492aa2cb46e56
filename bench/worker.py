"""Measure one contender on one workload, in this (fresh) process; print the result as JSON.

Run by :mod:`bench.suite` and :mod:`bench.curves`, one process per
contender and workload, so each peak-memory figure is that contender's
alone::

    python -m bench.worker '{"workload": "million", "contender": "xpysom", "mode": "quick", ...}'

Steps, in order:

1. Skip with the reason if the contender does not import, or if it would
   need more memory than the budget (its ``memory_need``).
2. Load the data and the shared initial codebook (from ``data_dir``, where
   the first worker of a workload saves them, so the others do not rebuild).
3. First call, then a second ("warm") call, on a tiny problem (64 rows, a
   map of at most 4x4, one epoch or 50 iterations): the first includes
   compilation (numba, or loading numba's on-disk cache) and library
   start-up, which the timed rounds then exclude.
4. Reset the peak resident memory (:mod:`fastsom.profiling.memory`) and note the
   resident set: interpreter, libraries, data, codebook.
5. Estimate the full run's time from runs on parts of it (one epoch on 512,
   2,048, ... rows, or 200, 800, ... iterations, until a part takes 0.25 s;
   the first part, and any shorter than that, runs twice and counts its
   faster run, since a library's first call at a new size can cost far
   more than the next; a straight line through the last two parts
   separates fixed and per-row costs; an estimate above the budget is
   made once more, and the lower one counts). Then:

   * estimate <= ``budget``: ``min(max_rounds, round_budget // estimate)``
     timed rounds (at least one) of the full run;
   * otherwise, if a whole number of epochs (or a share of the iterations)
     fits the budget, one run of that much, its time scaled up to the full
     run ("partial": time extrapolated, memory measured, no quality: the
     map is not trained as the others are);
   * otherwise skipped: "estimated N s > budget".

6. Peak memory above the level of step 4 (what training added, including
   the estimate's runs, which are smaller), then QE, TE and purity of the
   last round's codebook (:mod:`bench.scores`, on at most
   :data:`SCORE_ROWS` rows).
"""

import contextlib
import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from bench import workloads
from bench.contenders import registry
from fastsom.profiling import memory

#: Quality is scored on at most this many rows (the first ones; the
#: synthetic data are in random order), to bound the scoring time.
SCORE_ROWS = 200_000

#: A part of the run used for the estimate stops growing once it takes this long.
PROBE_SECONDS = 0.25


def data_files(wl, data_dir):
    """Paths of a workload's X and initial codebook as .npy files in ``data_dir``; the first caller writes them.

    Shared by the workers of a workload (so the others do not rebuild) and
    by the plain-script runs of :mod:`bench.plain`, which load them.
    """
    stem = Path(data_dir) / f"{wl.data}-{wl.n_samples}x{wl.n_features}-{wl.dtype}"
    x_path, init_path = Path(f"{stem}.npy"), Path(f"{stem}-init-{wl.n_rows}x{wl.n_cols}.npy")
    X = None
    if not x_path.exists():
        X, _ = workloads.load(wl)
        np.save(x_path, X)
    if not init_path.exists():
        X = np.load(x_path) if X is None else X
        np.save(init_path, workloads.pca_init(X, wl.n_rows, wl.n_cols))
    return x_path, init_path


def load_data(wl, data_dir=None):
    """X, labels (or None) and the initial codebook of a workload, cached as .npy files in ``data_dir``."""
    if not data_dir:
        X, y = workloads.load(wl)
        return X, y, workloads.pca_init(X, wl.n_rows, wl.n_cols)
    x_path, init_path = data_files(wl, data_dir)
    y = workloads.load(wl)[1] if wl.labelled else None
    return np.load(x_path), y, np.load(init_path)


def timed(contender, X, initial, wl):
    """(seconds, codebook) of one training call."""
    start = time.perf_counter()
    codebook = contender.train(X, initial, wl)
    return time.perf_counter() - start, codebook


def minor_faults():
    """Minor page faults of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def tiny(wl):
    """The first-call problem: 64 rows, a map of at most 4x4, one or two epochs, 50 iterations."""
    return dataclasses.replace(wl, n_samples=min(wl.n_samples, 64), n_rows=min(wl.n_rows, 4),
                               n_cols=min(wl.n_cols, 4), n_epochs=wl.n_epochs and min(wl.n_epochs, 2),
                               n_iterations=wl.n_iterations and min(wl.n_iterations, 50))


def estimate(contender, X, initial, wl):
    """Seconds the full run would take, from runs on growing parts of it."""
    online = contender.family == "online"
    full = wl.n_iterations if online else wl.n_samples
    size = min(full, 200 if online else 512)
    points = []
    while True:
        if online:
            args = (X, initial, dataclasses.replace(wl, n_iterations=size))
        else:
            args = (X[:size], initial, dataclasses.replace(wl, n_samples=size, n_epochs=1))
        seconds, _ = timed(contender, *args)
        if seconds < PROBE_SECONDS or not points:  # once more, the faster: first touches at this size
            seconds = min(seconds, timed(contender, *args)[0])
        points.append((size, seconds))
        if size == full or (seconds >= PROBE_SECONDS and len(points) >= 2):
            break
        size = min(full, size * 4)
    (m1, t1), (m2, t2) = points[-2:] if len(points) > 1 else (points[0], points[0])
    per_unit = (t2 - t1) / (m2 - m1) if m2 > m1 and t2 > t1 else t2 / m2
    fixed = max(0.0, t2 - per_unit * m2)
    per_run = fixed + per_unit * full
    return per_run if online else per_run * wl.n_epochs


def measure(spec):
    """Run the steps of the module docstring; return the result as a dict."""
    wl = workloads.WORKLOADS[spec["workload"]].sized(spec.get("mode", "full"))
    wl = dataclasses.replace(wl, **spec.get("overrides", {}))
    contender = registry()[spec["contender"]]
    out = dict(workload=wl.key, contender=contender.name, label=contender.label, algorithm=contender.algorithm,
               family=contender.family, floor=contender.is_floor, fastsom=contender.is_fastsom,
               dtype=contender.dtype(wl), distribution=contender.distribution, version=contender.version(),
               settings=contender.settings(wl),
               n_samples=wl.n_samples, n_features=wl.n_features, n_units=wl.n_units, n_epochs=wl.n_epochs,
               n_iterations=wl.n_iterations, status="ok", reason=None, cpus=os.cpu_count())
    reason = contender.unavailable()
    if reason:
        return dict(out, status="unavailable", reason=reason)
    need = contender.memory_need(wl)
    if need and need > spec["memory_budget"]:
        return dict(out, status="skipped", reason=f"needs ~{need / 2**30:.1f} GiB for its own tables "
                                                  f"> memory budget {spec['memory_budget'] / 2**30:.0f} GiB")

    X, y, initial = load_data(wl, spec.get("data_dir"))
    small = tiny(wl)
    small_X = np.ascontiguousarray(X[:small.n_samples])
    small_init = workloads.pca_init(small_X, small.n_rows, small.n_cols)
    out["first_call"], _ = timed(contender, small_X, small_init, small)
    out["warm_call"], _ = timed(contender, small_X, small_init, small)

    memory.reset_peak()
    out["base_mb"] = memory.rss_mib()
    if spec.get("base_file"):  # tells the parent's watchdog where the budget starts
        Path(spec["base_file"]).write_text(f"{out['base_mb']}\n")
    budget = spec["budget"]
    out["estimate"] = estimate(contender, X, initial, wl)
    if out["estimate"] > budget:  # once more before giving up: a busy machine can stall one part
        out["estimate"] = min(out["estimate"], estimate(contender, X, initial, wl))
    codebook = None
    if out["estimate"] <= budget:
        n_rounds = int(max(1, min(spec["max_rounds"], spec["round_budget"] // max(out["estimate"], 1e-9))))
        out["times"] = []
        faults = minor_faults()
        for _ in range(n_rounds):
            seconds, codebook = timed(contender, X, initial, wl)
            out["times"].append(seconds)
        out["minor_faults"] = (minor_faults() - faults) / n_rounds  # per run: the allocator's state, see bench.plain
    else:
        online = contender.family == "online"
        steps = wl.n_iterations if online else wl.n_epochs
        fit = int(steps * budget / out["estimate"])
        if fit < 1:
            return dict(out, status="skipped", reason=f"estimated {out['estimate']:,.0f} s > budget {budget:g} s",
                        peak_extra_mb=None)
        part = dataclasses.replace(wl, **{"n_iterations" if online else "n_epochs": fit})
        seconds, _ = timed(contender, X, initial, part)
        out.update(status="partial", times=[seconds * steps / fit],
                   reason=f"ran {fit:,} of {steps:,} {'iterations' if online else 'epochs'} "
                          f"(estimated {out['estimate']:,.0f} s > budget {budget:g} s); time scaled up")
    out["peak_mb"] = memory.peak_mib()
    out["peak_extra_mb"] = out["peak_mb"] - out["base_mb"]
    if codebook is not None and spec.get("score", True):
        rows = slice(0, min(X.shape[0], SCORE_ROWS))
        out.update(scored_rows=rows.stop, **_score(codebook, X[rows], None if y is None else y[rows]))
    return out


def _score(codebook, X, y):
    from bench.scores import score

    return score(codebook, np.ascontiguousarray(X), y)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(argv[0])
    with contextlib.redirect_stdout(sys.stderr):  # libraries' chatter; stdout carries the result only
        result = measure(spec)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
