"""fastsom against its peers: run every contender of the chosen workloads, print the tables, check the targets.

``python -m bench.report --only million,torchsom-grid`` drives this module
(see :mod:`bench.report` for the command line). For each workload of
:mod:`bench.workloads` and each of its contenders (:mod:`bench.contenders`,
:mod:`bench.peers`) it starts a fresh process, :mod:`bench.worker`, which
times the training call over rounds (compile and start-up excluded, measured
apart), measures the peak memory training adds, and scores the codebook
with fastsom's metrics. The parent watches each worker: it stops one whose
resident memory passes :data:`MEMORY_BUDGET` above its starting level, or
that overruns its time; the table then says so.

Modes (:data:`MODES`):

* ``full``: the workloads' full sizes; a training call estimated above 300
  s is run only in part (time scaled up, marked) or skipped; up to 5 rounds
  within 60 s per contender.
* ``quick``: reduced sizes and contenders (see each workload's ``quick``),
  20 s per call, up to 3 rounds within 6 s, and a deadline: contenders not
  started 500 s after the start are skipped (with that reason), so the
  whole report ends within 10 minutes on a 2-core machine.
* ``smoke``: tiny sizes, one round; checks that everything runs.

Tables: one per workload, slowest first. "time" is the median over rounds
of one training call (min-max in brackets); "speed-up vs slowest" is the
slowest time over the row's; "fastsom faster by" is the row's time over
fastsom's of the same family (online rows against fastsom online on one
thread, batch and mini-batch rows against fastsom batch). "peak MB" is the
peak resident memory above the level once libraries, data and codebook
were loaded and the first call made. The machine's floor (:mod:`fastsom.kernels.floors`)
is a row of its own.

Targets (:func:`targets`): on every cell of the TorchSOM grid, fastsom
batch at least 3x faster than TorchSOM on the CPU at equal epochs, with a
quantization error at most 5% above TorchSOM's (fastsom runs TorchSOM's
radius schedule for this comparison, ``fastsom-batch-inverse``, so that
the QE compares the algorithms: TorchSOM's mini-batch updates against the
batch map; a lower QE than TorchSOM's counts as met); on the
1,000,000-row workload, fastsom batch's peak memory the lowest of all
contenders.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import plain, worker, workloads
from bench.contenders import registry

ROOT = Path(__file__).resolve().parent.parent

#: A worker whose resident memory grows more than this above its starting
#: level is stopped (and a contender that predicts more is not started).
MEMORY_BUDGET = 6 * 2**30


@dataclass(frozen=True)
class Mode:
    name: str
    budget: float  # seconds one training call may take
    round_budget: float  # seconds of repeated rounds per contender
    max_rounds: int
    deadline: float | None  # seconds after the start at which no contender starts any more


MODES = {
    "full": Mode("full", budget=300.0, round_budget=60.0, max_rounds=5, deadline=None),
    "quick": Mode("quick", budget=20.0, round_budget=6.0, max_rounds=3, deadline=500.0),
    "smoke": Mode("smoke", budget=20.0, round_budget=0.5, max_rounds=1, deadline=None),
}


def numba_cache_env():
    """The environment for worker processes: as this one, so they load the kernels fastsom._jit cached per user."""
    return dict(os.environ)


def _rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return None


def run_contender(wl, name, mode, data_dir, deadline_at=None, overrides=None, env=None, score=True):
    """Run one contender on one workload in a fresh worker process; its result dict.

    ``overrides`` change the workload's sizes (see :mod:`bench.curves`);
    ``score=False`` skips the quality scores. The worker is stopped when its memory passes ``MEMORY_BUDGET`` above
    its starting level or when it runs past its time (status "stopped"),
    and not started at all after ``deadline_at`` (time.monotonic()).
    """
    base = dict(workload=wl.key, contender=name, status="skipped", reason=None)
    timeout = 60 + 3 * max(mode.budget, mode.round_budget)
    if deadline_at is not None:
        remaining = deadline_at - time.monotonic()
        if remaining < 10:
            return dict(base, reason="--quick deadline reached before it started")
        timeout = min(timeout, remaining + 60)
    with tempfile.TemporaryDirectory(prefix="fastsom-worker-") as tmp:
        spec = dict(workload=wl.key, mode=mode.name, contender=name, budget=mode.budget,
                    round_budget=mode.round_budget, max_rounds=mode.max_rounds, memory_budget=MEMORY_BUDGET,
                    data_dir=str(data_dir), base_file=os.path.join(tmp, "base"), overrides=overrides or {},
                    score=score)
        out_path, err_path = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "bench.worker", json.dumps(spec)], cwd=ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            start, peak, stopped = time.monotonic(), 0.0, None
            while proc.poll() is None:
                time.sleep(0.1)
                rss = _rss_mib(proc.pid) or 0.0
                peak = max(peak, rss)
                try:
                    level = float(Path(spec["base_file"]).read_text())
                except (OSError, ValueError):
                    level = None
                limit = (level if level is not None else 2048.0) + MEMORY_BUDGET / 2**20
                if rss > limit:
                    stopped = f"stopped: resident memory passed {limit:,.0f} MB (budget {MEMORY_BUDGET / 2**30:g} GiB)"
                elif time.monotonic() - start > timeout:
                    stopped = f"stopped: still running after {timeout:,.0f} s"
                if stopped:
                    proc.kill()
                    proc.wait()
                    break
        if stopped:
            return dict(base, status="stopped", reason=stopped, observed_peak_mb=peak)
        lines = [line for line in Path(out_path).read_text().splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = Path(err_path).read_text().strip().splitlines()[-1:] or ["(no output)"]
            return dict(base, status="failed", reason=f"exit code {proc.returncode}: {tail[0][:300]}")
        return json.loads(lines[-1])


def run(names, mode_name="full", deadline_at=None, results_path=None, log=sys.stderr):
    """Run the workloads ``names`` (keys or groups) in ``mode_name``; print each table as it completes.

    ``deadline_at`` (``time.monotonic()``): no contender starts after it;
    default: the mode's deadline from now.

    Returns
    -------
    dict: workload key -> list of result dicts
    """
    mode = MODES[mode_name]
    env = numba_cache_env()
    if deadline_at is None and mode.deadline is not None:
        deadline_at = time.monotonic() + mode.deadline
    results = {}
    with tempfile.TemporaryDirectory(prefix="fastsom-bench-data-") as data_dir:
        for wl in workloads.resolve(names, mode_name):
            rows = []
            for name in wl.contenders:
                print(f"[bench] {wl.key}: {name} ...", file=log, flush=True)
                result = run_contender(wl, name, mode, data_dir, deadline_at, env=env)
                print(f"[bench] {wl.key}: {name}: {result['status']} {_brief(result)}", file=log, flush=True)
                rows.append(result)
                if name in plain.NUMPY_PEERS:
                    rows += plain_rows(wl, result, mode_name, data_dir, env, deadline_at, log)
            results[wl.key] = rows
            print(table(wl, rows), flush=True)
            print(flush=True)
            if results_path:
                Path(results_path).write_text(json.dumps({"mode": mode_name, "results": results}, indent=1))
    return results


def plain_rows(wl, worker_row, mode_name, data_dir, env=None, deadline_at=None, log=sys.stderr):
    """A NumPy-based peer's plain-script rows (:func:`bench.plain.peer_rows`), right after its worker's.

    Empty when the worker could not run the peer at all (not installed, out
    of memory, stopped or failed); a run skipped for time runs a part.
    """
    if worker_row["status"] not in ("ok", "partial") and not worker_row.get("estimate"):
        return []
    x_path, init_path = worker.data_files(wl, data_dir)
    rows = plain.peer_rows(wl, worker_row, x_path, init_path, mode_name, env=env, deadline_at=deadline_at)
    for row in rows:
        print(f"[bench] {wl.key}: {row['contender']}: {row['status']} {_brief(row)}", file=log, flush=True)
    return rows


def _brief(r):
    if r.get("times"):
        return f"{np.median(r['times']):.3g} s" + (f", {r['reason']}" if r.get("reason") else "")
    return r.get("reason") or ""


# ------------------------------------------------------------------ tables


def _seconds(s):
    if s >= 100:
        return f"{s:,.0f}"
    if s >= 1:
        return f"{s:.2f}"
    return f"{s:.3f}" if s >= 0.01 else f"{s:.2g}"


def _ratio(r):
    return "" if r is None else (f"{r:,.0f}x" if r >= 100 else f"{r:.2g}x" if r < 10 else f"{r:.1f}x")


def median(r):
    return float(np.median(r["times"])) if r.get("times") else None


def _fastsom_of(rows, family):
    """fastsom's result of a family ("online": one thread; "batch", on its default schedule if it ran), or None."""
    names = ("fastsom-online",) if family == "online" else ("fastsom-batch", "fastsom-batch-inverse")
    return next((r for name in names for r in rows if r["contender"] == name and median(r)), None)


def table(wl, rows):
    """One workload's results as a Markdown table, then its notes (settings, versions, skips)."""
    labelled = wl.labelled
    head = ["implementation", "algorithm", "dtype", "time s, median [min-max]", "rounds", "speed-up vs slowest",
            "fastsom faster by", "peak MB", "QE", "TE"] + (["purity"] if labelled else []) + [
            "first call / warm (tiny)"]
    lines = [f"### {wl.key}: {wl.title}", "", wl.describe() + ".", "",
             "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    timed_rows = sorted((r for r in rows if median(r)), key=lambda r: -median(r))
    slowest = median(timed_rows[0]) if timed_rows else None
    with_plain = {r["contender"].partition("@")[0] for r in rows if r.get("plain")}
    for r in timed_rows:
        t = median(r)
        partial = r["status"] == "partial"
        spread = f"[{_seconds(min(r['times']))}-{_seconds(max(r['times']))}]"
        if r.get("plain"):  # several fresh processes, each a part of the run scaled up
            time_cell = f"~{_seconds(t)} {spread} (scaled)" if partial else f"{_seconds(t)} {spread}"
            n_rounds = f"{len(r['times'])} process{'es' if len(r['times']) > 1 else ''}"
        else:
            time_cell = f"~{_seconds(t)} (extrapolated)" if partial else f"{_seconds(t)} {spread}"
            n_rounds = "1 (part)" if partial else str(len(r["times"]))
        label = r["label"] + (", bench worker" if r["contender"] in with_plain else "")
        fast = _fastsom_of(rows, r["family"])
        faster = None if fast is None or fast is r else t / median(fast)
        versus = (f"floor: fastsom takes {_ratio(1 / faster)}" if r.get("floor") and faster
                  else _ratio(faster))
        quality = [f"{r['qe']:.4g}" if r.get("qe") is not None else "-",
                   f"{r['te']:.3f}" if r.get("te") is not None else "-"]
        if labelled:
            quality.append(f"{r['purity']:.3f}" if r.get("purity") is not None else "-")
        first = (f"{r['first_call']:.2f} s / {r['warm_call'] * 1e3:.1f} ms" if r.get("first_call") is not None
                 else "")
        cells = [label, r["algorithm"], r["dtype"], time_cell, n_rounds, _ratio(slowest / t), versus,
                 f"{r['peak_extra_mb']:,.0f}" if r.get("peak_extra_mb") is not None
                 else "-", *quality, first]
        lines.append("| " + " | ".join(cells) + " |")
    known = registry()
    for r in rows:
        if not median(r):
            contender = known.get(r["contender"])
            label = r.get("label") or (contender.label if contender else r["contender"])
            algorithm = r.get("algorithm") or (contender.algorithm if contender else "")
            blank = [""] * (len(head) - 4)
            lines.append("| " + " | ".join([label, algorithm, r.get("dtype", ""),
                                            f"{r['status']}: {r.get('reason') or ''}", *blank]) + " |")
    notes = []
    for r in rows:
        if r.get("plain"):
            if r.get("times"):
                notes.append(f"- {r['label']}: {r['reason']}.")
            continue
        if r.get("settings"):
            version = (f" ({r['distribution']} {r['version']})" if r.get("distribution") and r.get("version")
                       else f" {r['version']}" if r.get("version") else "")
            extra = f" ({r['reason']})" if r["status"] == "partial" else ""
            notes.append(f"- {r.get('label', r['contender'])}{version}: {r['settings']}{extra}")
    notes += _fault_notes(rows, with_plain)
    scored = next((r.get("scored_rows") for r in rows if r.get("scored_rows")), None)
    if scored and scored < wl.n_samples:
        notes.append(f"- QE and TE on the first {scored:,} rows (the data are in random order).")
    base = [r["base_mb"] for r in rows if r.get("base_mb")]
    if base:
        notes.append(f"- peak MB: peak resident memory during training above the level before it "
                     f"({min(base):,.0f}-{max(base):,.0f} MB: libraries, data, codebook, first call made); "
                     f"the data take {_data_mb(wl):,.0f} MB.")
    return "\n".join(lines + [""] + notes)


def _fault_notes(rows, names):
    """Minor page faults per step of each NumPy-based peer: the worker's and its plain scripts' (bench.plain)."""
    notes = []
    for name in sorted(names):
        worker_row = next((r for r in rows if r["contender"] == name), None)
        plain_rows = [r for r in rows if r["contender"].startswith(f"{name}@") and r.get("faults_per_step") is not None]
        if worker_row is None or not plain_rows:
            continue
        online = worker_row["family"] == "online"
        step = "iteration" if online else "row of an epoch"
        figures = []
        if worker_row.get("minor_faults") is not None:
            per_run = (worker_row["n_iterations"] if online else worker_row["n_samples"] * worker_row["n_epochs"])
            figures.append(f"bench worker {worker_row['minor_faults'] / per_run:,.1f}")
        figures += [f"plain script{', tuned malloc' if r['plain'] == 'tuned' else ''} {r['faults_per_step']:,.1f}"
                    for r in plain_rows]
        notes.append(f"- {worker_row.get('label', name)}: minor page faults per {step}: {'; '.join(figures)} "
                     "(glibc's malloc: see bench/plain.py).")
    return notes


def _data_mb(wl):
    return wl.n_samples * wl.n_features * np.dtype(wl.dtype).itemsize / 2**20


# ----------------------------------------------------------------- targets


def _result(rows, name):
    return next((r for r in rows if r["contender"] == name), None)


def targets(results):
    """The targets of issue #5 as met / NOT met lines (those whose workloads ran)."""
    lines = []
    cells = [k for k in workloads.GROUPS["torchsom-grid"] if k in results]
    met_cells = 0
    for key in cells:
        # Like with like: fastsom on TorchSOM's radius schedule where it ran.
        fast = _result(results[key], "fastsom-batch-inverse") or _result(results[key], "fastsom-batch")
        torch = _result(results[key], "torchsom")
        if not (fast and median(fast)) or not (torch and median(torch)):
            why = torch["reason"] if torch and not median(torch) else "fastsom batch did not run"
            lines.append(f"- {key}: not measured ({why})")
            continue
        speed = median(torch) / median(fast)
        speed_ok = speed >= 3 and torch["status"] == "ok"
        text = (f"- {key}: {fast['label']} {speed:.1f}x faster than TorchSOM (CPU), target >= 3x: "
                f"{'met' if speed >= 3 else 'NOT met'}")
        if torch.get("qe") is None or fast.get("qe") is None:
            text += "; QE not compared (TorchSOM ran in part)"
            qe_ok = False
        else:
            change = fast["qe"] / torch["qe"] - 1
            qe_ok = change <= 0.05
            text += (f"; QE {fast['qe']:.4g} vs {torch['qe']:.4g} ({change:+.1%}), target at most 5% above: "
                     f"{'met' if qe_ok else 'NOT met'}")
        met_cells += speed_ok and qe_ok
        lines.append(text)
    if cells:
        lines.insert(0, f"TorchSOM grid: {met_cells} of {len(cells)} cells meet both targets "
                        "(speed at equal epochs, QE).")
    if "million" in results:
        rows = results["million"]
        fast = _result(rows, "fastsom-batch")
        others = [r for r in rows if not r.get("fastsom") and not r.get("floor") and r.get("peak_extra_mb") is not None]
        missing = [r.get("label", r["contender"]) for r in rows
                   if not r.get("fastsom") and not r.get("floor") and r.get("peak_extra_mb") is None]
        if fast is None or fast.get("peak_extra_mb") is None:
            lines.append("- million: fastsom batch's memory not measured")
        else:
            lowest = min(others, key=lambda r: r["peak_extra_mb"], default=None)
            met = lowest is None or fast["peak_extra_mb"] <= lowest["peak_extra_mb"]
            against = (f"lowest of the others: {lowest['label']} {lowest['peak_extra_mb']:,.0f} MB" if lowest
                       else "no other contender measured")
            lines.append(f"- million: fastsom batch peak memory {fast['peak_extra_mb']:,.0f} MB above data; "
                         f"{against}; target lowest of all: {'met' if met else 'NOT met'}"
                         + (f" (not measured: {', '.join(missing)})" if missing else ""))
    if "mnist-online" in results:
        lines += online_targets("mnist-online", results["mnist-online"])
    if not lines:
        lines.append("(no target workload ran: the targets concern torchsom-grid, million and mnist-online)")
    return "\n".join(lines)


#: The online speed targets over MiniSom, by fastsom's dtype.
ONLINE_GOALS = {"float32": 100, "float64": 50}


def online_targets(key, rows):
    """fastsom online against MiniSom ``train`` three ways: as users run it, tuned malloc, the bench worker.

    The target is judged as users run MiniSom and, conservatively, against
    MiniSom with tuned malloc (the faster of the two).
    """
    minisoms = {"minisom-online@plain-default": "as users run it (plain script)",
                "minisom-online@plain-tuned": "tuned malloc", "minisom-online": "bench worker"}
    lines = []
    for name in ("fastsom-online", "fastsom-online-threads"):
        fast = _result(rows, name)
        goal = ONLINE_GOALS.get(fast["dtype"]) if fast else None
        if not (fast and median(fast)) or goal is None:
            continue
        ratios = {other: median(r) / median(fast) for other in minisoms
                  if (r := _result(rows, other)) and median(r)}
        if not ratios:
            continue
        text = (f"- {key}: {fast['label']} ({fast['dtype']}) faster than MiniSom train by "
                + ", ".join(f"{_ratio(ratio)} {minisoms[other]}" for other, ratio in ratios.items())
                + f"; target >= {goal}x")
        for other, what in (("minisom-online@plain-default", "as users run it"),
                            ("minisom-online@plain-tuned", "against tuned malloc")):
            if other in ratios:
                text += f", {what}: {'met' if ratios[other] >= goal else 'NOT met'}"
        lines.append(text)
    return lines


def load_results(path):
    data = json.loads(Path(path).read_text())
    return data["mode"], data["results"]
