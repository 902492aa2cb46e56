"""Print the benchmarks as Markdown tables: fastsom's online kernels, and fastsom against its peers.

Usage::

    python -m bench.report                      # everything, full sizes (about an hour on 2 cores)
    python -m bench.report --quick              # reduced sizes and repeats: < 10 minutes on 2 cores
    python -m bench.report --only million,torchsom-grid
    python -m bench.report --smoke              # tiny sizes: checks that it all runs (seconds to a minute)
    python -m bench.report --list               # the workload names
    python -m bench.report --json a.json --json b.json   # print saved online runs
    python -m bench.report --from-results r.json         # print a saved peer run (--results r.json)

Workloads (``--only``, comma-separated): ``online`` is the kernel-level
online benchmark below; ``tutorial`` its workload (a) alone; ``users`` the
MNIST-sized online workload as users run it (:func:`bench.plain.users_report`:
MiniSom and fastsom in plain scripts, fresh interpreters); every other
name is a workload or group of :mod:`bench.workloads`, raced by
:mod:`bench.suite` (one table per workload with times, speed-ups, peak
memory, QE/TE/purity and first-call times, then the issue's targets as
met / NOT met lines).

**Online kernels** (``online``): ``pytest bench/test_online.py`` runs
twice in subprocesses: once in the default environment (every contender),
once with glibc's malloc tuned for NumPy peers (MiniSom only; see
:data:`bench.plain.MALLOC_TUNING`; full mode only). The tables give,
per workload, the median time *per iteration* (total / iterations timed,
so contenders timed on different iteration counts compare), the min-max
over rounds and the speed-ups. Speed-ups against MiniSom are given against
both of its runs; the smaller one is the conservative figure.

It also measures the first call of the fused kernel, in fresh processes:
with an empty ``NUMBA_CACHE_DIR`` (a cold compile) and again with that
cache filled (what a user's second session pays).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_FILE = "bench/test_online.py"

#: The first call of the fused kernel in a fresh process, per dtype.
FIRST_CALL_SCRIPT = r"""
import json, time
t = time.perf_counter()
import numpy as np
from fastsom import topology
from fastsom.kernels.sweep import OnlineState, online_fast
out = {"import": time.perf_counter() - t}
for dtype in ("float64", "float32"):
    rng = np.random.default_rng(0)
    X = rng.random((10, 3)).astype(dtype)
    def args():
        return (X, rng.random((4, 3)).astype(dtype), topology.make_grid(2, 2),
                np.zeros(5, dtype=np.int64), np.full(5, 0.1), np.full(5, 1.0),
                0, 0, 2.0, 5, OnlineState(np.array([0, -1, -1], dtype=np.int64), np.zeros(4)),
                np.empty(0, dtype=np.int64))
    for name in ("first", "second"):
        a = args()
        t = time.perf_counter()
        online_fast(*a)
        out[f"{dtype} {name}"] = time.perf_counter() - t
print(json.dumps(out))
"""


def run_bench(json_path, env=None, select=None, timeout=None):
    """Run the benchmark file with pytest in a subprocess; its output goes to stderr."""
    cmd = [sys.executable, "-m", "pytest", BENCH_FILE, "-q", "-p", "no:cacheprovider",
           f"--benchmark-json={json_path}"]
    if select:
        cmd += ["-k", select]
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    try:
        return subprocess.run(cmd, cwd=ROOT, env=env, stdout=sys.stderr, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        print(f"[bench] {BENCH_FILE} stopped after {timeout:.0f} s", file=sys.stderr, flush=True)
        return 1


def first_call_times():
    """Seconds of the first and second call of ``online_fast`` (per dtype), cold and warm cache.

    Returns
    -------
    dict
        ``{"cold": {...}, "warm": {...}}``, each mapping "import",
        "<dtype> first", "<dtype> second" to seconds.
    """
    out = {}
    with tempfile.TemporaryDirectory(prefix="fastsom-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for name in ("cold", "warm"):
            done = subprocess.run([sys.executable, "-c", FIRST_CALL_SCRIPT], cwd=ROOT, env=env,
                                  capture_output=True, text=True, check=True)
            out[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def load(paths):
    """Benchmarks of all JSON files, and the machine info of the first."""
    benchmarks, machine = [], None
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        machine = machine or data.get("machine_info")
        benchmarks += data["benchmarks"]
    return benchmarks, machine


def _us(seconds):
    v = seconds * 1e6
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}"


def _ratio(r):
    if r is None:
        return ""
    return f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x"


def _rows(benchmarks):
    rows = []
    for b in benchmarks:
        e = b["extra_info"]
        n = e["n_iterations"]
        s = b["stats"]
        rows.append(dict(e, group=b["group"], rounds=s["rounds"], median=s["median"] / n,
                         min=s["min"] / n, max=s["max"] / n))
    return rows


def _find(rows, contender, dtype, malloc="default"):
    for r in rows:
        if r["contender"] == contender and r["dtype"] == dtype and r["malloc"] == malloc:
            return r
    return None


def _speedup(base, row):
    return None if base is None or base is row else base["median"] / row["median"]


def table(rows):
    """One workload's rows as a Markdown table, and its speed-ups for the summary."""
    key = rows[0]["workload"]
    baseline = "reference" if key == "a" else "minisom"
    tuned = any(r["malloc"] == "tuned" for r in rows)
    head = ["contender", "dtype", "neighbourhood, schedules", "malloc", "iterations timed", "rounds",
            "median us/iter", "min-max us/iter"]
    if baseline == "reference":
        head.append("vs reference")
    else:
        head.append("vs MiniSom")
        if tuned:
            head.append("vs MiniSom, tuned malloc")
    head.append("fused vs two-sweep")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    speedups = {}
    order = sorted(rows, key=lambda r: (r["dtype"] != "float64", -r["median"]))
    for r in order:
        dtype = r["dtype"]
        label = r["label"] + (" (tuned malloc)" if r["malloc"] == "tuned" else "")
        cells = [label, dtype, f"{r['neighborhood']}, {r['schedules']}", r["malloc"],
                 f"{r['n_iterations']:,}" + ("" if r["n_iterations"] == r["plan_iterations"]
                                             else f" of {r['plan_iterations']:,}"),
                 str(r["rounds"]), _us(r["median"]), f"{_us(r['min'])} - {_us(r['max'])}"]
        if baseline == "reference":
            ratio = _speedup(_find(rows, "reference", "float64"), r)
            cells.append(_ratio(ratio))
            speedups[(r["contender"], dtype, r["malloc"], "reference")] = ratio
        else:
            for malloc in ("default", "tuned") if tuned else ("default",):
                ratio = _speedup(_find(rows, "minisom", dtype, malloc), r)
                cells.append(_ratio(ratio) if r["contender"] != "minisom" else "")
                speedups[(r["contender"], dtype, r["malloc"], f"minisom {malloc}")] = ratio
        if r["contender"].startswith("fused"):
            ratio = _speedup(_find(rows, "two_sweep", dtype), r)
            cells.append(_ratio(ratio))
            speedups[(r["contender"], dtype, r["malloc"], "two_sweep")] = ratio
        else:
            cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines), speedups


def targets(all_speedups):
    """The project's speed targets against the measured (conservative) ratios."""
    def ratio(key, contender, dtype, against):
        values = [all_speedups.get(key, {}).get((contender, dtype, "default", a)) for a in against]
        values = [v for v in values if v is not None]
        return min(values) if values else None

    checks = [
        ("(a) fused fast >= 1000x reference", ratio("a", "fused_fast", "float64", ["reference"]), 1000),
        ("(a) fused strict >= 1000x reference", ratio("a", "fused_strict", "float64", ["reference"]), 1000),
        ("(c) fused fast float32 >= 100x MiniSom", ratio("c", "fused_fast", "float32",
                                                          ["minisom default", "minisom tuned"]), 100),
        ("(c) fused fast float64 >= 50x MiniSom", ratio("c", "fused_fast", "float64",
                                                         ["minisom default", "minisom tuned"]), 50),
        ("(c) fused parallel float32 >= 100x MiniSom", ratio("c", "fused_parallel", "float32",
                                                              ["minisom default", "minisom tuned"]), 100),
        ("(c) fused parallel float64 >= 50x MiniSom", ratio("c", "fused_parallel", "float64",
                                                             ["minisom default", "minisom tuned"]), 50),
    ]
    for key in ("a", "b", "c"):
        for dtype in ("float64", "float32"):
            r = ratio(key, "fused_fast", dtype, ["two_sweep"])
            if r is not None:
                checks.append((f"({key}) fused fast {dtype} faster than two-sweep", r, 1.0))
    lines = []
    for name, value, goal in checks:
        if value is None:
            lines.append(f"- {name}: not measured")
        else:
            verdict = "met" if value >= goal else "NOT met"
            lines.append(f"- {name}: {_ratio(value)} ({verdict})")
    return "\n".join(lines)


def report(benchmarks, machine=None):
    """The Markdown report of a list of pytest-benchmark records."""
    rows = [r for r in _rows(benchmarks) if "workload" in r]
    parts = []
    if machine:
        cpu = machine.get("cpu", {}).get("brand_raw", "?")
        parts.append(f"Machine: {cpu}, {machine.get('cpu', {}).get('count', '?')} CPUs, "
                     f"Python {machine.get('python_version', '?')}.")
    if any(r.get("smoke") for r in rows):
        parts.append("**FASTSOM_BENCH_SMOKE run: tiny sizes, the timings mean nothing.**")
    parts.append("Times are per iteration: median over rounds of (training call / iterations timed); "
                 "compile time excluded (one warm-up round).")
    all_speedups = {}
    for key in sorted({r["workload"] for r in rows}):
        group = [r for r in rows if r["workload"] == key]
        text, all_speedups[key] = table(group)
        parts.append(f"### {group[0]['group']}\n\n{text}")
    parts.append("### Targets (conservative ratio where MiniSom ran both ways)\n\n" + targets(all_speedups))
    return "\n\n".join(parts)


def compile_report(times):
    lines = ["### First call of online_fast (fresh process)", "",
             "| numba cache | import fastsom kernel | float64 first call | float64 second call "
             "| float32 first call | float32 second call |", "|---|---|---|---|---|---|"]
    for name, label in (("cold", "empty NUMBA_CACHE_DIR (compile)"), ("warm", "same cache, filled")):
        t = times[name]
        lines.append(f"| {label} | {t['import']:.2f} s | {t['float64 first']:.2f} s | "
                     f"{t['float64 second'] * 1e3:.3f} ms | {t['float32 first']:.2f} s | "
                     f"{t['float32 second'] * 1e3:.3f} ms |")
    return "\n".join(lines)


#: Everything, in the order run: the targets' workloads early, so a --quick
#: run that reaches its deadline loses the least (it says what it skipped).
ALL = ("online", "users", "torchsom-grid", "million", "mnist-batch", "mnist-online", "large-map", "iris", "digits")


def online_report(args, mode, only_tutorial=False, timeout=None):
    """Run (or load) the online kernel benchmark and print its tables; True if pytest failed."""
    failed = False
    with tempfile.TemporaryDirectory(prefix="fastsom-bench-") as tmp:
        paths = args.json
        load_before = os.getloadavg()
        if not paths:
            from bench.plain import MALLOC_TUNING, environment

            default_env = environment("default")
            default_env.pop("FASTSOM_BENCH_ONLINE_WORKLOADS", None)
            if mode == "quick":
                default_env["FASTSOM_BENCH_QUICK"] = "1"
            if mode == "smoke":
                default_env["FASTSOM_BENCH_SMOKE"] = "1"
            if only_tutorial:
                default_env["FASTSOM_BENCH_ONLINE_WORKLOADS"] = "a"
            paths = [os.path.join(tmp, "default.json")]
            failed |= run_bench(paths[0], env=default_env, timeout=timeout) != 0
            if not args.no_tuned_malloc and mode == "full":
                paths.append(os.path.join(tmp, "tuned-malloc.json"))
                failed |= run_bench(paths[1], env={**default_env, **MALLOC_TUNING},
                                    select="test_speed and minisom", timeout=timeout) != 0
        compile_times = None if args.no_compile or mode == "smoke" else first_call_times()
        load_after = os.getloadavg()
        paths = [p for p in paths if os.path.exists(p)]
        benchmarks, machine = load(paths) if paths else ([], None)
    print(report(benchmarks, machine))
    if compile_times is not None:
        print()
        print(compile_report(compile_times))
    if not args.json:
        print()
        print(f"Load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f}.")
    if failed:
        print("\n**pytest reported failures (see its output above): check them before trusting the "
              "tables.**")
    print(flush=True)
    return failed


def main(argv=None):
    from bench import suite, workloads

    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="WORKLOAD[,...]",
                        help="workloads or groups to run (default: all; see --list)")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="reduced sizes and repeats: < 10 minutes on 2 cores")
    sizes.add_argument("--smoke", action="store_true", help="tiny sizes: checks that everything runs")
    parser.add_argument("--list", action="store_true", help="print the workloads and groups, then exit")
    parser.add_argument("--results", metavar="FILE", help="also save the peer results as JSON")
    parser.add_argument("--from-results", metavar="FILE", help="print saved peer results instead of running")
    parser.add_argument("--json", action="append", metavar="FILE",
                        help="online: pytest-benchmark JSON to report (repeatable) instead of running")
    parser.add_argument("--no-tuned-malloc", action="store_true",
                        help="online: skip the second MiniSom run with glibc's malloc tuned")
    parser.add_argument("--no-compile", action="store_true", help="online: skip the first-call (compile) timing")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "smoke" if args.smoke or workloads.SMOKE else "full"

    if args.list:
        print("online    fastsom's online kernels against the reference, a two-sweep kernel and MiniSom")
        print("tutorial  workload (a) of online alone")
        print("users     the MNIST-sized online workload as users run it: MiniSom and fastsom in plain scripts")
        for key, wl in workloads.WORKLOADS.items():
            print(f"{key:<14} {wl.title}: {wl.describe()}")
        for name, keys in workloads.GROUPS.items():
            print(f"{name:<14} = {', '.join(keys)}")
        return 0
    if args.from_results:
        saved_mode, results = suite.load_results(args.from_results)
        for key, rows in results.items():
            print(suite.table(workloads.WORKLOADS[key].sized(saved_mode), rows))
            print()
        print("### Targets\n\n" + suite.targets(results))
        return 0

    # Saved online runs (--json) print alone unless --only asks for more.
    names = args.only.split(",") if args.only else ["online"] if args.json else list(ALL)
    peer_names = [n for n in names if n not in ("online", "tutorial", "users")]
    try:
        workloads.resolve(peer_names, mode)  # fail early on a typo
    except ValueError as error:
        parser.error(str(error))
    budget = suite.MODES[mode]
    started = time.monotonic()
    deadline_at = None if budget.deadline is None else started + budget.deadline
    load = os.getloadavg()[0]
    print(f"Mode: {mode}. Machine: {os.cpu_count()} CPUs; load average (1 min) at the start {load:.2f}.\n",
          flush=True)
    if load > 0.5:
        print(f"**The machine is busy (load {load:.2f}): multi-threaded contenders (numba, OpenMP, BLAS, torch) "
              "wait for descheduled threads and can run 10-100x slower, and the time estimates that decide "
              "what is skipped suffer too. Run on an idle machine.**\n", flush=True)
    failed = False
    if "online" in names or "tutorial" in names:
        timeout = None if deadline_at is None else max(60.0, (deadline_at - time.monotonic()) / 3)
        failed |= online_report(args, mode, only_tutorial="online" not in names, timeout=timeout)
    if "users" in names:
        from bench import plain

        print("### (d) MNIST-sized online, as users run it (plain scripts, fresh interpreters)\n", flush=True)
        print(plain.users_report(mode, env=suite.numba_cache_env())[0], flush=True)
        print(flush=True)
    if peer_names:
        results = suite.run(peer_names, mode, deadline_at=deadline_at, results_path=args.results)
        print("### Targets\n\n" + suite.targets(results))
    print(f"\nLoad average (1 min) at the end: {os.getloadavg()[0]:.2f}; the report took "
          f"{time.monotonic() - started:,.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
