"""NumPy-based peers, and fastsom, timed as their users run them: a plain script in a fresh interpreter.

Why a plain script
------------------
A NumPy-based SOM allocates temporaries the size of the map on every
iteration, and glibc's malloc decides how they are served from the
process's *history*, not from the request alone:

* a block above the mmap threshold (128 KiB at start) gets pages of its own
  (``mmap``), returned to the kernel when freed (``munmap``);
* the threshold is dynamic: when such a block is freed, and it is larger
  than the threshold and at most 32 MiB (``DEFAULT_MMAP_THRESHOLD_MAX`` on
  64-bit), the threshold rises to its size and the *trim* threshold (how
  much free memory ``free`` leaves at the top of the heap before giving it
  back with ``brk``) to twice that. Setting any ``MALLOC_*_`` variable
  turns the adjustment off (glibc ``malloc.c``, ``free`` and ``mallopt``).

MiniSom's online iteration on a 20x20 map of 784 features makes float64
temporaries of the map's size, 2.4 MiB each (``x - w`` and its square in
``winner``, ``x - w`` and the einsum in ``update``). In a plain script the
first of them, freed, lifts the threshold to 2.4 MiB and the trim threshold
to 4.8 MiB, which an iteration's temporaries exceed: every iteration the
heap grows, is trimmed back, and grows again into fresh zeroed pages,
about 1,200 minor page faults per iteration (measured with
``getrusage``; ``strace`` counts about six ``brk`` calls per iteration).
A process that has freed one block between about 3 and 32 MiB before
training keeps those pages, and MiniSom runs about 8x faster. The bench
worker (:mod:`bench.worker`) is such a process: its first call builds
fastsom's PCA initial codebook, whose 784 x 784 float64 covariance
(4.7 MiB) is freed before the timed rounds. Importing numba or fastsom
does not help (it doubles the faults); freeing the covariance alone does
(see :func:`users_report`, the row "plain script, one 4.7 MiB array freed
first"). Tuned malloc (:data:`MALLOC_TUNING`) fixes the thresholds high in
every process, whatever came before.

So the worker's MiniSom figures describe one state of the allocator. This
module times every NumPy-based peer (MiniSom online and batch, XPySom on
NumPy) as a user's script would run it: a fresh interpreter (``python -I``:
no ``PYTHONPATH``, no current directory on ``sys.path``) that imports numpy
and the peer only, in the default environment (no ``MALLOC_`` variable),
and beside it the same script with tuned malloc. TorchSOM (torch's tensors
and allocator) and somoclu (C++ and OpenMP) are not NumPy-based and are
not run this way.

Two kinds of script:

* :func:`peer_script` - the bench's own adapter of a peer
  (:mod:`bench.peers`), its source copied into the script with
  ``inspect.getsource``, on the workload's data and shared initial codebook
  saved by the worker (:func:`bench.worker.data_files`): the same call as
  the worker's, in a plain process. :func:`peer_rows` runs it beside the
  worker's row of every suite table, on a part of the run (XPySom: one
  whole epoch, see :data:`WHOLE_EPOCH`), scaled.
* :func:`users_report` - the online workload as a user writes it: uniform
  random 70,000 x 784 data, ``MiniSom(20, 20, 784, sigma=10,
  learning_rate=0.5, random_seed=0)``, ``random_weights_init(X)``,
  ``train(X, n, random_order=True)``; and ``SOM(20, 20, n_iterations=n,
  dtype=...).fit(X)`` for fastsom, float32 and float64, one thread and
  ``n_jobs=-1``; with the machine's floor.

Every script reports its time, its minor page faults, the non-standard
modules it had imported and the ``MALLOC_`` variables it saw, so a test
(:mod:`bench.test_plain`) can check that it ran as claimed.
"""

import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import peers

ROOT = Path(__file__).resolve().parent.parent

#: Variables that tune glibc's malloc for NumPy peers: fixed thresholds, far
#: above any temporary of theirs (see the module docstring).
MALLOC_TUNING = {
    "MALLOC_MMAP_THRESHOLD_": str(256 * 2**20),
    "MALLOC_TRIM_THRESHOLD_": str(512 * 2**20),
    "MALLOC_TOP_PAD_": str(64 * 2**20),
}

#: The NumPy-based peers and the functions of :mod:`bench.peers` their
#: script needs, the contender's ``train`` last.
NUMPY_PEERS = {
    "minisom-online": (peers.exponential_learning_rate, peers.make_minisom, peers.train_minisom_online),
    "minisom-batch": (peers.constant_learning_rate, peers.make_minisom, peers.train_minisom_batch),
    "xpysom": (peers.import_xpysom, peers.make_xpysom, peers.train_xpysom),
}

#: A plain-script run of a peer lasts about this long at the worker's speed
#: (a part of the run, scaled; the default malloc may be 10x slower).
PLAIN_SECONDS = 0.3
#: ... and never less than this many steps (online iterations, or rows of one batch epoch).
LEAST_STEPS = {"online": 300, "batch": 100}
#: Peers whose plain run is made of whole epochs: XPySom works in chunks
#: of 1,000 rows with BLAS, and its first call in a process (BLAS threads,
#: first touch of its chunk buffers) made a part of 3,335 rows cost 1.5-2x
#: per row what a whole epoch does (0.12-0.19 s against 0.08-0.09 s per
#: 1,000 rows), which scaling would multiply. MiniSom's cost is per sample.
WHOLE_EPOCH = frozenset({"xpysom"})

#: Fresh processes per plain contender (each one round), by mode.
ROUNDS = {"full": 3, "quick": 2, "smoke": 1}

_SCRIPT = '''\
import contextlib, io, json, os, resource, sys, time, types
{prelude}
import numpy as np
with contextlib.redirect_stdout(io.StringIO()):  # a library's chatter; stdout carries the result only
    import {module}
{body}
_times, _faults = [], []
for _label, _code in {timed!r}:
    _before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    _start = time.perf_counter()
    exec(_code)
    _times.append(time.perf_counter() - _start)
    _faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - _before)
{after}
_modules = {{name: getattr(sys.modules[name], "__file__", None)
            for name in sorted({{m.partition(".")[0] for m in sys.modules}} - set(sys.stdlib_module_names))}}
_out = dict(seconds=_times, minor_faults=_faults, modules=_modules,
            malloc_variables={{k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}},
            openblas_coretype=os.environ.get("OPENBLAS_CORETYPE"))
try:  # after the timing and the module list: what BLAS kernel numpy runs here
    import threadpoolctl
    _out["blas"] = [dict(api=i.get("internal_api"), architecture=i.get("architecture"),
                         threads=i.get("num_threads")) for i in threadpoolctl.threadpool_info()]
except ImportError:
    _out["blas"] = None
print(json.dumps(_out))
'''


def environment(malloc="default", base=None):
    """The environment of a plain-script run: ``base`` (default ``os.environ``) without glibc's malloc settings.

    Parameters
    ----------
    malloc : {"default", "tuned"}
        "tuned" adds :data:`MALLOC_TUNING`.
    base : mapping, optional

    Returns
    -------
    dict
        Every variable of ``base`` but those starting with ``MALLOC_`` and
        ``GLIBC_TUNABLES`` (which can carry malloc tunables too).
    """
    if malloc not in ("default", "tuned"):
        raise ValueError(f"malloc={malloc!r} must be 'default' or 'tuned'")
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    return {**env, **MALLOC_TUNING} if malloc == "tuned" else env


def script(module, timed, body="", prelude="", after=""):
    """The source of a plain script.

    Parameters
    ----------
    module : str
        The one library imported besides numpy (before any timing).
    timed : sequence of (label, source)
        Statements timed one by one, in order, in the script's namespace.
    body, prelude, after : str
        Source run before the timing (``prelude`` before numpy's import),
        and after it.
    """
    return _SCRIPT.format(module=module, timed=[tuple(t) for t in timed], body=body, prelude=prelude, after=after)


def run(source, malloc="default", timeout=900, env=None):
    """Run a plain script in a fresh isolated interpreter; its report as a dict.

    Parameters
    ----------
    source : str
        From :func:`script`.
    malloc : {"default", "tuned"}
    timeout : float
        Seconds.
    env : mapping, optional
        The environment to start from (default ``os.environ``); its malloc
        settings are removed, see :func:`environment`.

    Returns
    -------
    dict
        ``seconds`` and ``minor_faults`` (lists, one per timed statement),
        ``modules`` (the non-standard modules imported, name -> file),
        ``malloc_variables``, ``openblas_coretype``, ``blas``; on failure
        ``error`` (the last line of its standard error) instead.
    """
    cmd = [sys.executable, "-I", "-c", source]
    try:
        done = subprocess.run(cmd, env=environment(malloc, env), cwd=tempfile.gettempdir(), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return dict(error=f"still running after {timeout:.0f} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        return dict(error=f"exit code {done.returncode}: {tail[0][:300]}")
    return json.loads(lines[-1])


# ----------------------------------------------------- peers on a workload


def peer_script(name, x_path, init_path, wl, steps, n_epochs=1, codebook_path=None):
    """A plain script that runs ``name``'s adapter of :mod:`bench.peers` on a part of workload ``wl``.

    Parameters
    ----------
    name : str
        A key of :data:`NUMPY_PEERS`.
    x_path, init_path : path
        The workload's data and shared initial codebook (.npy).
    wl : bench.workloads.Workload
    steps : int
        Online: iterations; batch: rows of X (its first rows).
    n_epochs : int or None
        Batch: epochs over those rows; ignored online.
    codebook_path : path, optional
        Where to save the trained codebook (for tests).
    """
    from bench.contenders import registry

    functions = NUMPY_PEERS[name]
    contender = registry()[name]
    assert functions[-1] is contender.train, f"{name}: NUMPY_PEERS names another train function"
    online = contender.family == "online"
    constants = "".join(f"{k} = {getattr(peers, k)!r}\n" for k in ("LEARNING_RATE", "LEARNING_RATE_END", "SIGMA_END"))
    sources = "\n\n".join(inspect.getsource(f) for f in functions)
    body = (f"{constants}\n{sources}\n"
            f"X = np.load({str(x_path)!r})\n"
            + ("" if online else f"X = X[:{int(steps)}]\n")
            + f"initial = np.load({str(init_path)!r})\n"
            f"wl = types.SimpleNamespace(n_rows={wl.n_rows}, n_cols={wl.n_cols}, sigma={wl.sigma!r}, "
            f"n_iterations={int(steps) if online else None}, n_epochs={None if online else int(n_epochs)})\n")
    after = f"np.save({str(codebook_path)!r}, np.asarray(codebook))\n" if codebook_path else ""
    return script(contender.module, [("train", f"codebook = {functions[-1].__name__}(X, initial, wl)")],
                  body=body, after=after)


def full_steps(family, wl):
    """The work of the whole run in steps: online iterations, or rows x epochs."""
    return wl.n_iterations if family == "online" else wl.n_samples * wl.n_epochs


def plain_part(family, wl, worker_seconds, target=PLAIN_SECONDS, whole_epochs=False):
    """The part of the run a plain script runs: about ``target`` seconds at the worker's speed.

    Parameters
    ----------
    family : {"online", "batch"}
    wl : bench.workloads.Workload
    worker_seconds : float or None
        The worker's time (or estimate) for the whole run; None: the least.
    whole_epochs : bool
        Batch: whole epochs (at least one), not a part of one.

    Returns
    -------
    steps : int
        Online: iterations, at least :data:`LEAST_STEPS` (or the whole run,
        if smaller). Batch: rows of X, the first ones, at least
        :data:`LEAST_STEPS` and at most one epoch's (all with ``whole_epochs``).
    n_epochs : int or None
        Batch: epochs over those rows (more than one only with
        ``whole_epochs``); online: None.
    """
    share = target / worker_seconds if worker_seconds and worker_seconds > 0 else 0.0
    if family == "online":
        return int(min(wl.n_iterations, max(LEAST_STEPS["online"], math.ceil(wl.n_iterations * share)))), None
    if whole_epochs:
        return wl.n_samples, int(min(wl.n_epochs, max(1, math.ceil(wl.n_epochs * share))))
    return int(min(wl.n_samples, max(LEAST_STEPS["batch"], math.ceil(full_steps(family, wl) * share)))), 1


def alternating(contenders, n_rounds):
    """The order of fresh processes: every contender once per round, reversed every other round."""
    order = []
    for k in range(n_rounds):
        order += list(contenders) if k % 2 == 0 else list(reversed(contenders))
    return order


def peer_rows(wl, worker_row, x_path, init_path, mode_name, env=None, deadline_at=None):
    """Plain-script rows (default and tuned malloc) of one NumPy-based peer, beside its worker row.

    Runs :func:`peer_script` in :data:`ROUNDS` fresh processes per malloc
    setting, alternating. Returns result dicts in :mod:`bench.suite`'s row
    format: ``times`` are the runs scaled to the whole workload, status
    "partial" when a part was run; ``plain`` is the malloc setting;
    ``faults_per_step`` the median minor page faults per iteration or per
    row of an epoch.
    """
    name = worker_row["contender"]
    base = {k: worker_row.get(k) for k in ("workload", "algorithm", "family", "dtype", "distribution", "version",
                                           "settings", "n_samples", "n_features", "n_units", "n_epochs",
                                           "n_iterations")}
    family = worker_row["family"]
    worker_seconds = (float(np.median(worker_row["times"])) if worker_row.get("times")
                      else worker_row.get("estimate"))
    steps, n_epochs = plain_part(family, wl, worker_seconds, whole_epochs=name in WHOLE_EPOCH)
    done = steps * (n_epochs or 1)  # iterations, or rows x epochs
    scale = full_steps(family, wl) / done
    source = peer_script(name, x_path, init_path, wl, steps, n_epochs)
    runs = {"default": [], "tuned": []}
    errors = {}
    for malloc in alternating(("default", "tuned"), ROUNDS[mode_name]):
        if deadline_at is not None and time.monotonic() > deadline_at:
            errors.setdefault(malloc, "--quick deadline reached before it started")
            continue
        out = run(source, malloc, env=env)
        if "error" in out:
            errors[malloc] = out["error"]
        else:
            runs[malloc].append(out)
    unit = ("iterations" if family == "online" else f"rows, {n_epochs} epoch{'s' if n_epochs > 1 else ''},")
    rows = []
    for malloc, outs in runs.items():
        label = f"{worker_row.get('label', name)}, plain script" + (", tuned malloc" if malloc == "tuned" else "")
        row = dict(base, contender=f"{name}@plain-{malloc}", label=label, plain=malloc, floor=False, fastsom=False,
                   steps=steps, plain_epochs=n_epochs, scale=scale, status="failed",
                   reason=errors.get(malloc, "did not run"))
        if outs:
            row.update(status="partial" if scale > 1 else "ok",
                       times=[o["seconds"][0] * scale for o in outs],
                       faults_per_step=float(np.median([o["minor_faults"][0] for o in outs])) / done,
                       modules=sorted(outs[0]["modules"]), blas=outs[0].get("blas"),
                       reason=(f"{steps:,} {unit} in each fresh process, time scaled x{scale:,.4g}"
                               if scale > 1 else "the whole run in each fresh process"))
        rows.append(row)
    return rows


# ------------------------------------------------------- as users run it


#: The online workload as users run it (issue 9, item 7): data, map, and
#: MiniSom's iterations per process; fastsom fits two lengths (see
#: :func:`users_report`). Smoke: tiny, checks that it runs.
USERS_SIZES = {
    "full": dict(n_samples=70_000, n_features=784, minisom=500, short=1_000, long=20_000),
    "quick": dict(n_samples=70_000, n_features=784, minisom=300, short=1_000, long=10_000),
    "smoke": dict(n_samples=2_000, n_features=784, minisom=20, short=20, long=100),
}

_USERS_DATA = "X = np.random.default_rng(0).random(({n_samples}, {n_features}))\n"

#: What the bench worker does before MiniSom's timed rounds, alone: free one
#: n_features x n_features float64 array (its PCA covariance).
_FREE_ONE_ARRAY = "_covariance = np.ones(({n}, {n})); del _covariance  # freed: glibc lifts its thresholds\n"


def minisom_user_script(n_samples, n_features, n_iterations, free_first=False):
    """The issue's MiniSom script: uniform random data, its defaults but sigma and lr, ``train``."""
    body = _USERS_DATA.format(n_samples=n_samples, n_features=n_features)
    if free_first:
        body += _FREE_ONE_ARRAY.format(n=n_features)
    body += (f"som = minisom.MiniSom(20, 20, {n_features}, sigma=10, learning_rate=0.5, random_seed=0)\n"
             "som.random_weights_init(X)\n")
    return script("minisom", [("train", f"som.train(X, {n_iterations}, random_order=True)")], body=body)


def fastsom_user_script(n_samples, n_features, lengths, dtype, n_jobs):
    """``SOM(20, 20, n_iterations=n, dtype=dtype, n_jobs=n_jobs).fit(X)`` for each n of ``lengths``, timed.

    X is converted to ``dtype`` first (not timed). A first fit of 50
    iterations on 100 rows, timed too, loads (or
    compiles) the kernels, as a user's first fit does (the same map size:
    a small map would not start the threaded kernel).
    """
    fit = f"fastsom.SOM({{size}}, {{size}}, n_iterations={{n}}, dtype={dtype!r}, n_jobs={n_jobs!r}, random_state=0)"
    timed = [("first fit, 100 rows", fit.format(size=20, n=50) + ".fit(X[:100])")]
    timed += [(f"fit {n}", fit.format(size=20, n=n) + ".fit(X)") for n in lengths]
    # The data in the map's dtype before the timing, so that every fit does the
    # same fixed work (checks, no conversion): a 220-440 MB conversion in each
    # fit would make the difference of two fits as noisy as the conversion.
    body = _USERS_DATA.format(n_samples=n_samples, n_features=n_features) + f"X = X.astype({dtype!r})\n"
    return script("fastsom", timed, prelude=f"sys.path.insert(0, {str(ROOT)!r})  # this checkout's fastsom",
                  body=body)


def floor_script(n_samples, n_features, n_iterations, dtype):
    """The online floor (:func:`fastsom.kernels.floors.online_floor`) on the users' data in ``dtype``, 20x20 map."""
    body = (_USERS_DATA.format(n_samples=n_samples, n_features=n_features)
            + f"X = X.astype({dtype!r})\n"
            "from fastsom.kernels.floors import online_floor\n"
            "W = np.ascontiguousarray(X[:400])\n"
            f"samples = np.random.default_rng(1).integers(0, X.shape[0], {n_iterations})\n"
            "bmus = np.empty(samples.shape[0], dtype=np.int64)\n"
            "online_floor(X, W, samples[:10], bmus[:10])  # compile, or load numba's cache\n")
    return script("numba", [("floor", "online_floor(X, W, samples, bmus)")],
                  prelude=f"sys.path.insert(0, {str(ROOT)!r})", body=body)


def users_contenders(mode_name):
    """(key, label, dtype, malloc, source) of every process kind of :func:`users_report`."""
    s = USERS_SIZES[mode_name]
    n, d = s["n_samples"], s["n_features"]
    minisom = minisom_user_script(n, d, s["minisom"])
    out = [("minisom", "MiniSom `train`, plain script", "float64", "default", minisom),
           ("minisom-tuned", "MiniSom `train`, plain script, tuned malloc", "float64", "tuned", minisom),
           ("minisom-freed", f"MiniSom `train`, plain script, one {d}x{d} float64 array freed first",
            "float64", "default", minisom_user_script(n, d, s["minisom"], free_first=True))]
    for dtype in ("float32", "float64"):
        for n_jobs, threads in ((None, "1 thread"), (-1, "n_jobs=-1")):
            out.append((f"fastsom-{dtype}" + ("-threads" if n_jobs else ""), f"fastsom `SOM.fit`, {threads}",
                        dtype, "default", fastsom_user_script(n, d, (s["short"], s["long"]), dtype, n_jobs)))
        out.append((f"floor-{dtype}", "machine floor: distance sweep", dtype, "default",
                    floor_script(n, d, s["long"], dtype)))
    return out


def users_runs(mode_name, env=None, log=sys.stderr):
    """Run :func:`users_contenders` in alternating fresh processes; key -> list of reports (errors dropped)."""
    contenders = users_contenders(mode_name)
    by_key = {c[0]: c for c in contenders}
    runs = {c[0]: [] for c in contenders}
    for key in alternating(list(by_key), ROUNDS[mode_name]):
        _, label, dtype, malloc, source = by_key[key]
        out = run(source, malloc, env=env)
        print(f"[bench] as users run it: {key}: {out.get('error') or [round(s, 3) for s in out['seconds']]}",
              file=log, flush=True)
        runs[key].append(out)
    return runs


def per_iteration(key, out, sizes):
    """(seconds per iteration, minor faults per iteration) of one report of :func:`users_runs`.

    MiniSom and the floor: the timed call over its iterations. fastsom: the
    difference of its long and short fits over the difference of their
    iterations, so data checks, conversion and start-up do not count.
    """
    if key.startswith("fastsom"):
        extra = sizes["long"] - sizes["short"]
        return ((out["seconds"][2] - out["seconds"][1]) / extra,
                (out["minor_faults"][2] - out["minor_faults"][1]) / extra)
    n = sizes["minisom"] if key.startswith("minisom") else sizes["long"]
    return out["seconds"][0] / n, out["minor_faults"][0] / n


def _us(seconds):
    v = seconds * 1e6
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def _x(ratio):
    return "" if ratio is None else f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x"


def users_report(mode_name="full", env=None, runs=None, log=sys.stderr):
    """The online workload as users run it: a Markdown table and the 100x / 50x targets.

    Every contender runs in :data:`ROUNDS` fresh processes, in alternating
    order; medians. Returns (markdown, figures) where figures maps key ->
    median seconds per iteration.
    """
    sizes = USERS_SIZES[mode_name]
    load_before = os.getloadavg()[0]
    runs = users_runs(mode_name, env=env, log=log) if runs is None else runs
    load_after = os.getloadavg()[0]
    contenders = {c[0]: c for c in users_contenders(mode_name)}
    figures, faults, spread, whole = {}, {}, {}, {}
    for key, outs in runs.items():
        good = [o for o in outs if "error" not in o]
        if not good:
            continue
        values = [per_iteration(key, o, sizes) for o in good]
        figures[key] = float(np.median([v[0] for v in values]))
        faults[key] = float(np.median([v[1] for v in values]))
        spread[key] = (min(v[0] for v in values), max(v[0] for v in values), len(values))
        if key.startswith("fastsom"):
            whole[key] = float(np.median([o["seconds"][2] for o in good]))
    minisoms = (("minisom", "as users run it"), ("minisom-tuned", "tuned malloc"), ("minisom-freed", "one array freed"))
    head = (["contender", "dtype", "malloc", "processes", "us/iteration, median [min-max]", "minor faults/iteration"]
            + [f"fastsom faster than MiniSom, {what}" for _, what in minisoms] + ["fit(X) whole, s"])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for key, (_, label, dtype, malloc, _) in contenders.items():
        if key not in figures:
            errors = [o["error"] for o in runs.get(key, []) if "error" in o]
            lines.append("| " + " | ".join([label, dtype, malloc, "0", f"failed: {errors[:1]}"]
                                           + [""] * (len(head) - 5)) + " |")
            continue
        lo, hi, n = spread[key]
        if key.startswith("fastsom"):
            versus = [_x(figures[m] / figures[key]) if m in figures else "" for m, _ in minisoms]
        elif key.startswith("floor") and f"fastsom-{dtype}" in figures:
            versus = [f"floor: fastsom 1 thread takes {_x(figures[f'fastsom-{dtype}'] / figures[key])}", "", ""]
        else:
            versus = ["", "", ""]
        lines.append("| " + " | ".join([label, dtype, malloc, str(n), f"{_us(figures[key])} [{_us(lo)}-{_us(hi)}]",
                                        f"{max(faults[key], 0.0):,.0f}", *versus,
                                        f"{whole[key]:.2f}" if key in whole else ""]) + " |")
    blas = next((o.get("blas") for outs in runs.values() for o in outs if o.get("blas")), None)
    notes = [
        f"Data: `np.random.default_rng(0).random(({sizes['n_samples']:,}, {sizes['n_features']}))`, float64; "
        f"a fresh `python -I` per process, importing numpy and the one library; default environment "
        f"(no `MALLOC_` variable) unless tuned ({', '.join(f'{k}={v}' for k, v in MALLOC_TUNING.items())}).",
        f"MiniSom: `MiniSom(20, 20, {sizes['n_features']}, sigma=10, learning_rate=0.5, random_seed=0)`, "
        f"`random_weights_init(X)`, `train(X, {sizes['minisom']:,}, random_order=True)` timed.",
        f"fastsom: `SOM(20, 20, n_iterations=n, dtype=..., random_state=0).fit(X)` with X already in that "
        "dtype, defaults otherwise; "
        f"us/iteration = (fit of {sizes['long']:,} - fit of {sizes['short']:,}) / {sizes['long'] - sizes['short']:,}, "
        f"after a first fit of 50 iterations that loads the kernels; 'fit(X) whole' is the {sizes['long']:,}-iteration "
        "fit, data checks included.",
        f"Floor: a bare distance sweep per iteration, {sizes['long']:,} iterations "
        "(fastsom.kernels.floors.online_floor).",
        f"BLAS: {blas}; OPENBLAS_CORETYPE "
        f"{next((o.get('openblas_coretype') for outs in runs.values() for o in outs if 'error' not in o), None)!r}.",
        f"Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}.",
    ]
    text = "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in notes)
    return text + "\n\n" + users_targets(figures), figures


def users_targets(figures):
    """The online targets (100x float32, 50x float64 over MiniSom) against MiniSom as users run it, and tuned."""
    lines = []
    for dtype, goal in (("float32", 100), ("float64", 50)):
        for threads in ("", "-threads"):
            fast = figures.get(f"fastsom-{dtype}{threads}")
            if fast is None:
                continue
            parts, verdicts = [], []
            for key, what in (("minisom", "as users run it"), ("minisom-tuned", "tuned malloc")):
                if key in figures:
                    ratio = figures[key] / fast
                    parts.append(f"{_x(ratio)} {what}")
                    verdicts.append(ratio >= goal)
            who = "1 thread" if not threads else "n_jobs=-1"
            verdict = ("met" if all(verdicts) else "met as users run it, NOT met against tuned malloc"
                       if verdicts and verdicts[0] else "NOT met")
            lines.append(f"- fastsom {dtype} ({who}) >= {goal}x MiniSom: {', '.join(parts)} ({verdict})")
    return "### Targets, as users run it\n\n" + ("\n".join(lines) or "(not measured)")
