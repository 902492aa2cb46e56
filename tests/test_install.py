"""What pip installs: fastsom only (the oracle inside it), and an install that leaves nothing behind.

The wheel is built once by ``pip wheel --no-deps`` from a copy of the source
tree (so no ``build/`` folder is left in the repository); pip fetches the
build backend as for any install.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: What a copy of the source tree for building leaves out.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", ".ci-venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", ".benchmarks")

#: Variables of the caller's environment that would change where things are cached or imported from.
CLEARED = ("NUMBA_CACHE_DIR", "FASTSOM_NO_CACHE", "PYTHONPATH", "XDG_CACHE_HOME", "VIRTUAL_ENV")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(REPO, tmp / "src", ignore=NOT_SOURCES)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                             str(tmp / "src")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = (tmp / "dist").glob("fastsom-*.whl")
    return path


def wheel_names(path):
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_the_wheel_installs_fastsom_and_nothing_else_at_the_top(wheel):
    top = {name.split("/")[0] for name in wheel_names(wheel)}
    top = {name for name in top if not name.endswith(".dist-info")}
    assert top == {"fastsom"}, f"top-level names in site-packages: {sorted(top)}"


def test_the_wheel_ships_every_package_and_the_oracle_inside_fastsom(wheel):
    names = wheel_names(wheel)
    packages = sorted(p.parent.relative_to(REPO).as_posix() for p in (REPO / "fastsom").rglob("__init__.py"))
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"package folders not in setup.cfg's list: {missing}"
    oracle = sorted(p.name for p in (REPO / "reference").glob("*.py"))
    shipped = sorted(name.split("/")[-1] for name in names if name.startswith("fastsom/_reference/"))
    assert shipped == oracle


def run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{argv}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout below is POSIX's")
def test_an_installed_fastsom_verifies_outside_the_repository_writes_nothing_into_itself_and_uninstalls_whole(
        wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    # numpy and numba come from this environment; fastsom from the wheel. (A
    # .pth line only adds a folder: an editable install of fastsom here,
    # through a .pth file of its own, stays inactive there.)
    (site / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    run([*pip, "install", "--no-deps", "--no-index", "-q", str(wheel)])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    where = json.loads(run([str(python), "-c", "import json, fastsom._reference as r; print(json.dumps(r.__file__))"],
                           cwd=elsewhere, env=env))
    assert Path(where).is_relative_to(site / "fastsom")

    installed = sorted(p for p in (site / "fastsom").rglob("*"))
    out = run([str(venv / "bin" / "fastsom"), "verify", "--iterations", "100"], cwd=elsewhere, env=env)
    assert "BMU sequences match" in out
    assert sorted(p for p in (site / "fastsom").rglob("*")) == installed, "running fastsom wrote into its install"
    assert list((tmp_path / "cache" / "fastsom").rglob("*.nbi")), "the kernels were not cached in the user cache"

    run([*pip, "uninstall", "-y", "-q", "fastsom"])
    assert not (site / "fastsom").exists(), f"left after uninstall: {sorted((site / 'fastsom').rglob('*'))}"
