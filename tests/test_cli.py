"""The ccdbadpix command line, run in-process and as the installed console script."""

import shutil
import subprocess
import sys

import astropy.units as u
import numpy as np
import pytest

import ccdbadpix
from ccdbadpix import DQMask, find_hot_pixels
from ccdbadpix.cli import main
from ccdbadpix.simulate import simulate_darks


@pytest.fixture(scope="module")
def dark_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("darks")
    sim = simulate_darks((96, 96), exposure_times=(90, 1000) * u.s, ipc_alpha=0.01,
                         hot_rate=(1, 200) * u.electron / u.s, hot_fraction=5e-3, seed=8)
    paths = []
    for dark in sim.darks:
        path = folder / f"dark_{int(dark.header['EXPTIME'])}.fits"
        dark.write(path)
        paths.append(str(path))
    return sim, paths


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"ccdbadpix {ccdbadpix.__version__}"
    assert main([]) == 0
    assert "hot" in capsys.readouterr().out


def test_console_script_is_installed():
    exe = shutil.which("ccdbadpix")
    if exe is None:
        pytest.skip("the ccdbadpix console script is not on PATH (package not installed)")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    assert "demo" in out.stdout and "hot" in out.stdout
    out = subprocess.run([sys.executable, "-m", "ccdbadpix", "--version"], capture_output=True,
                         text=True, check=True)
    assert ccdbadpix.__version__ in out.stdout


def test_hot_writes_the_same_mask_as_the_function(dark_files, tmp_path, capsys):
    sim, paths = dark_files
    out = tmp_path / "mask.fits"
    plot = tmp_path / "map.png"
    rc = main(["hot", *paths, "-o", str(out), "--gain", "1.5 electron/adu",
               "--threshold", "1 electron/s", "--saturation", "65535 adu",
               "--neighbors", "cross", "--format", "jwst", "--instrument", "NIRSPEC",
               "--detector", "NRS1", "--useafter", "2025-01-01", "--plot", str(plot)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "HOT" in text and "wrote" in text
    expected = find_hot_pixels(sim.darks, gain=1.5 * u.electron / u.adu,
                               saturation=65535 * u.adu, neighbors="cross")
    got = DQMask.read(out)
    np.testing.assert_array_equal(got.data, expected.data)
    assert got.meta["REFTYPE"] == "MASK"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # refuses to overwrite, says how
    assert main(["hot", *paths, "-o", str(out), "--gain", "1.5 electron/adu"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_hot_errors_are_reported(dark_files, tmp_path, capsys):
    _, paths = dark_files
    assert main(["hot", paths[0], "-o", str(tmp_path / "m.fits")]) == 2
    assert "gain=" in capsys.readouterr().err
    assert main(["hot", "missing.fits", "-o", str(tmp_path / "m.fits")]) == 2
    assert "no file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["hot", paths[0], "-o", "x.fits", "--threshold", "lots"])
    assert "not a quantity" in capsys.readouterr().err


def test_info(dark_files, tmp_path, capsys):
    _, paths = dark_files
    out = tmp_path / "mask.fits"
    assert main(["hot", paths[1], "-o", str(out), "--unit", "adu", "--method", "sigma"]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "BPMETHOD = sigma" in text and "HOT" in text


def test_demo(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--size", "128", "--no-progress"]) == 0
    text = capsys.readouterr().out
    for name in ("hot_pixels.fits", "hot_pixels_jwst_mask.fits", "hot_pixel_map.png",
                 "dark_current_histogram.png"):
        assert (out / name).stat().st_size > 0
    assert "recall" in text and "IPC coupling measured" in text
    recall = float(text.split("hot pixels (>= 1 e/s):")[1].split("recall")[1].split()[0])
    assert recall > 0.9
    assert main(["demo", "--out", str(out), "--size", "128", "--no-progress"]) == 2
    assert "already exists" in capsys.readouterr().err
