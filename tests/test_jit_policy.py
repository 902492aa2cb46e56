"""Numba policy (fastsom/_jit.py): where kernels are cached, stale code, bounds checks, the off switch.

Each test copies the package, as an install would lay it out, adds two tiny
probe kernels to the copy's ``kernels/`` (a serial and a parallel one that
inline a helper from another file, as the real kernels do) and runs them in
fresh processes with a private home and cache. The probes compile in well
under a second; the real kernels use the same decorators.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fastsom

HELPER = '''
from .._jit import inline_jit


@inline_jit
def offset():
    return {offset}
'''

PROBE = '''
from .._jit import fast_jit, parallel_jit, prange
from ._probe_helper import offset


@fast_jit
def serial(x):
    return x[0] + offset()


@parallel_jit
def parallel_sum(x):
    total = 0.0
    for i in prange(x.shape[0]):
        total += x[i] + offset()
    return total


@fast_jit
def read_at(x, i):
    return x[i]
'''

#: Runs the probes named on its command line; prints one JSON line.
SCRIPT = '''
import json, sys
import numpy as np
import fastsom._jit as jit
from fastsom.kernels import _probe

x = np.arange(1.0, 9.0)
cache_dir = getattr(jit, "CACHE_DIR", "no CACHE_DIR")
found = {"cache_dir": None if cache_dir is None else str(cache_dir)}
for name in sys.argv[1:]:
    if name == "serial":
        found[name] = _probe.serial(x)
    elif name == "parallel":
        # The parallel entry itself, on any thread count (on one, fastsom's
        # policy would run the serial twin: fastsom/_threads.py).
        found[name] = _probe.parallel_sum.parallel(x)
    elif name == "past_end":
        # One past the end of a view, still inside its base array: no
        # undefined behaviour without bounds checks, an IndexError with them.
        try:
            found[name] = _probe.read_at(x[:4], 4)
        except IndexError:
            found[name] = "IndexError"
    elif name == "user":
        import usermod
        found[name] = usermod.twice(x)
probes = (("serial", _probe.serial), ("parallel", _probe.parallel_sum.parallel), ("past_end", _probe.read_at))
for name, kernel in probes:
    if name in sys.argv[1:]:
        found[name + "_hits"] = sum(kernel.stats.cache_hits.values())
        found[name + "_misses"] = sum(kernel.stats.cache_misses.values())
print(json.dumps(found))
'''

USER_MODULE = '''
import numba


@numba.njit(cache=True)
def twice(x):
    return 2.0 * x[0]
'''

#: Variables of the caller's environment that would change what is tested.
CLEARED = ("NUMBA_CACHE_DIR", "NUMBA_BOUNDSCHECK", "NUMBA_NUM_THREADS", "FASTSOM_NO_CACHE", "PYTHONPATH",
           "XDG_CACHE_HOME")


class Site:
    """A copy of the package with probe kernels, a private home, and a runner."""

    def __init__(self, root):
        self.root = root
        self.package = root / "site" / "fastsom"
        shutil.copytree(Path(fastsom.__file__).parent, self.package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.set_offset(1.0)
        (self.package / "kernels" / "_probe.py").write_text(PROBE)
        self.user = root / "user"
        self.user.mkdir()
        (self.user / "usermod.py").write_text(USER_MODULE)
        self.home = root / "home"
        self.home.mkdir()
        self.cache = root / "xdg-cache"

    def set_offset(self, value):
        (self.package / "kernels" / "_probe_helper.py").write_text(HELPER.format(offset=repr(value)))

    def run(self, *probes, **env):
        full_env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        # No .pyc from Python itself, so every file written into the copy is numba's.
        full_env.update(PYTHONPATH=os.pathsep.join([str(self.package.parent), str(self.user)]),
                        HOME=str(self.home), XDG_CACHE_HOME=str(self.cache), PYTHONDONTWRITEBYTECODE="1")
        full_env.update(env)
        result = subprocess.run([sys.executable, "-c", SCRIPT, *probes], cwd=self.root, env=full_env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def files(self, folder):
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """One site, two processes: the first compiles (2 threads), the second loads (1 thread)."""
    site = Site(tmp_path_factory.mktemp("two-runs"))
    before = site.files(site.package)
    first = site.run("serial", "parallel", "user", NUMBA_NUM_THREADS="2")
    after_first = site.files(site.package)
    # Another thread count in the second process: the cached parallel code
    # must not depend on the one it was compiled under.
    second = site.run("serial", "parallel", NUMBA_NUM_THREADS="1")
    return site, before, after_first, first, second


def test_kernels_are_never_cached_in_the_installed_package(two_runs):
    site, before, after_first, first, second = two_runs
    assert after_first == before, "numba wrote into the installed package"
    assert site.files(site.package) == before


def test_kernels_are_cached_in_the_user_cache(two_runs):
    site, *_ = two_runs
    cached = site.files(site.cache / "fastsom")
    assert any("_probe.serial-" in name and name.endswith(".nbi") for name in cached), cached
    assert any("_probe.parallel_sum-" in name and name.endswith(".nbc") for name in cached), cached


def test_a_second_process_loads_serial_and_parallel_kernels_from_the_cache(two_runs):
    *_, first, second = two_runs
    assert (first["serial_misses"], first["parallel_misses"]) == (1, 1)
    assert (second["serial_hits"], second["serial_misses"]) == (1, 0)
    assert (second["parallel_hits"], second["parallel_misses"]) == (1, 0)
    assert (second["serial"], second["parallel"]) == (first["serial"], first["parallel"]) == (2.0, 44.0)


def test_numba_caches_of_other_code_stay_where_numba_puts_them(two_runs):
    # fastsom sets numba's cache folder only while decorating its own kernels.
    site, _, _, first, _ = two_runs
    assert first["user"] == 2.0
    assert any(name.startswith("usermod.twice-") for name in os.listdir(site.user / "__pycache__"))
    assert not any("usermod" in name for name in site.files(site.cache))


def test_an_edit_to_an_inlined_helper_in_another_file_is_compiled_not_loaded_stale(site):
    assert site.run("serial")["serial"] == 2.0
    site.set_offset(10.0)
    # Numba keys the kernel on _probe.py alone, which did not change.
    assert site.run("serial")["serial"] == 11.0


def test_bounds_checked_runs_never_load_unchecked_machine_code(site):
    assert site.run("past_end")["past_end"] == 5.0
    assert site.run("past_end", NUMBA_BOUNDSCHECK="1")["past_end"] == "IndexError"


def test_no_cache_switch_compiles_in_process_and_writes_nothing(site):
    before = site.files(site.package)
    found = site.run("serial", "parallel", FASTSOM_NO_CACHE="1")
    assert found["cache_dir"] is None
    assert (found["serial"], found["parallel"]) == (2.0, 44.0)
    assert site.files(site.package) == before
    assert not site.cache.exists() or site.files(site.cache) == []


def test_a_users_numba_cache_dir_is_honoured(site):
    mine = site.root / "my-numba-cache"
    found = site.run("serial", NUMBA_CACHE_DIR=str(mine))
    assert Path(found["cache_dir"]).parent == mine
    assert Path(found["cache_dir"]).name.startswith("fastsom-")
    assert any(name.endswith(".nbi") for name in site.files(Path(found["cache_dir"])))
    assert not site.cache.exists()

