"""The command line: demo picture, verify's verdict and exit status, bad options."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastsom import cli

plt = pytest.importorskip("matplotlib.pyplot")


def test_verify_reports_agreement_and_exits_0(capsys):
    status = cli.main(["verify", "--rows", "4", "--cols", "3", "--iterations", "300", "--seed", "5"])
    out = capsys.readouterr().out
    assert status == 0
    assert "BMU sequences match" in out
    assert "OK: fastsom equals the reference" in out
    max_diff = float(out.split("max |w_fast - w_reference| = ")[1].split()[0])
    assert max_diff <= cli.VERIFY_ATOL


def test_verify_exits_1_when_the_two_disagree(monkeypatch, capsys):
    import reference.tutorial

    real_train = reference.tutorial.train

    def skewed_train(*args, **kwargs):
        net, bmus = real_train(*args, **kwargs)
        net[0, 0, 0] += 1e-9  # a difference far above the tolerance
        return net, bmus

    monkeypatch.setattr(reference.tutorial, "train", skewed_train)
    status = cli.main(["verify", "--iterations", "50"])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL" in out


def test_verify_with_other_features_uses_uniform_data(capsys):
    assert cli.main(["verify", "--features", "6", "--samples", "30", "--iterations", "200"]) == 0
    assert "6 features" in capsys.readouterr().out


def test_demo_colours_writes_the_picture(tmp_path, capsys):
    output = tmp_path / "map.png"
    status = cli.main(["demo", "colours", "--rows", "6", "--cols", "8", "--iterations", "500", "-o", str(output)])
    assert status == 0
    assert f"wrote {output}" in capsys.readouterr().out
    image = plt.imread(output)
    assert image.ndim == 3 and image.shape[0] > 50
    # A trained colour map is not one flat colour: the drawn cells differ.
    assert np.ptp(image[..., :3]) > 0.3


def test_demo_reports_an_unwritable_path(tmp_path, capsys):
    status = cli.main(["demo", "colours", "--iterations", "10", "-o", str(tmp_path / "missing" / "map.png")])
    assert status == 2
    assert "fastsom:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["verify", "--rows", "0"], ["demo", "colours", "--iterations", "-3"], ["nope"]])
def test_bad_options_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_console_script_is_installed():
    # The script lives beside the interpreter in a virtual environment.
    beside = Path(sys.executable).with_name("fastsom")
    executable = str(beside) if beside.exists() else shutil.which("fastsom")
    if executable is None:
        pytest.skip("fastsom is not installed as a console script in this environment")
    result = subprocess.run([executable, "verify", "--iterations", "100"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "BMU sequences match" in result.stdout
