"""The ccdbadpix command line, run in-process and as the installed console script."""

import shutil
import subprocess
import sys

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import QTable

import ccdbadpix
from ccdbadpix import DQ, DQMask, classify_ramps, find_hot_pixels
from ccdbadpix.cli import main
from ccdbadpix.simulate import simulate_darks, simulate_ramps


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


@pytest.fixture(scope="module")
def ramp_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ramps") / "ramps.fits"
    simulate_ramps((48, 48), ngroups=20, seed=5).write(path)
    return str(path)


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"ccdbadpix {ccdbadpix.__version__}"
    assert main([]) == 0
    text = capsys.readouterr().out
    for command in ("hot", "classify", "cluster", "trend", "info", "demo"):
        assert command in text


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


def test_classify_writes_the_mask_labels_and_figures(ramp_file, tmp_path, capsys):
    out, labels = tmp_path / "mask.fits", tmp_path / "labels.fits"
    args = ["classify", ramp_file, "-o", str(out), "--labels", str(labels),
            "--plots", str(tmp_path / "cls"), "--no-progress"]
    assert main(args) == 0
    text = capsys.readouterr().out
    expected = classify_ramps(ramp_file, progress=False)  # TGROUP and GAIN from the file
    assert expected.summary().splitlines()[1] in text
    assert f"cosmic-ray events: {len(expected.cosmic_rays)}" in text
    got = DQMask.read(out)
    np.testing.assert_array_equal(got.data, expected.dq.data)
    counts = expected.counts()
    n_hot = int(np.count_nonzero(got.data & DQ.HOT))
    # saturated pixels are HOT too, and so are cosmic-ray-hit pixels of hot dark current
    hot_hits = int((expected.mask("cosmic_ray") & (expected.dark_current.value >= 1)).sum())
    assert n_hot == counts["hot"] + counts["saturated"] + hot_hits
    assert got.meta["BPMETHOD"] == "classify_ramps"
    with fits.open(labels) as hdul:
        np.testing.assert_array_equal(hdul["LABELS"].data, expected.labels)
        np.testing.assert_allclose(hdul["CONFIDENCE"].data, expected.confidence)
        names = [hdul["LABELS"].header[f"CLASS{i}"] for i in range(len(expected.classes))]
        assert tuple(names) == expected.classes
        assert hdul["DARKCUR"].header["BUNIT"] == "electron/s"
    for kind in ("map", "confidence", "ramps"):
        assert (tmp_path / f"cls_{kind}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # refuses to overwrite any output, before doing the work, and says how
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", str(tmp_path / "new.fits"), "--labels",
                 str(labels), "--no-progress"]) == 2
    assert not (tmp_path / "new.fits").exists()
    assert main(["classify", ramp_file, "-o", str(out), "--overwrite", "--no-progress"]) == 0


def test_classify_options(ramp_file, tmp_path, capsys):
    out = tmp_path / "mask_jwst.fits"
    assert main(["classify", ramp_file, "-o", str(out), "--format", "jwst", "--instrument",
                 "NIRSPEC", "--detector", "NRS1", "--useafter", "2025-01-01",
                 "--gain", "1 electron/DN", "--group-time", "10.737", "--read-noise", "10",
                 "--hot-threshold", "2 electron/s", "--min-confidence", "0.9",
                 "--no-progress"]) == 0
    capsys.readouterr()
    got = DQMask.read(out)
    assert got.meta["REFTYPE"] == "MASK"
    expected = classify_ramps(ramp_file, gain=1.0, group_time=10.737, read_noise=10,
                              hot_threshold=2 * u.electron / u.s, min_confidence=0.9,
                              progress=False)
    np.testing.assert_array_equal(got.data, expected.dq.data)


def test_classify_errors_are_reported(ramp_file, tmp_path, capsys):
    out = str(tmp_path / "m.fits")
    assert main(["classify", "missing.fits", "-o", out]) == 2
    assert "no file" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", out, "--hot-threshold", "3 s"]) == 2
    assert "hot_threshold" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", out, "--min-confidence", "2"]) == 2
    assert "min_confidence" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", out, "--labels", out]) == 2
    assert "two outputs" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", str(tmp_path / "no" / "m.fits")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cluster(ramp_file, tmp_path, capsys):
    pytest.importorskip("ccdbadpix.clustering")
    from astropy.table import Table

    sample, sheet = tmp_path / "sample.ecsv", tmp_path / "sheet.png"
    args = ["cluster", ramp_file, "-o", str(sample), "--components", "3", "--per-cluster",
            "4", "--seed", "1", "--sheet", str(sheet)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "3 clusters" in text and "cluster" in text
    table = Table.read(sample, format="ascii.ecsv")
    assert 0 < len(table) <= 3 * 4
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


def test_cluster_passes_its_options(ramp_file, tmp_path, capsys, monkeypatch):
    """The command's wiring, with a stand-in for `cluster_ramps`."""
    import types

    calls = {}

    class FakeClusters:
        n_components = 2
        sizes = np.array([2000, 304])

        def write_sample(self, path, overwrite=False):
            calls["sample"] = (str(path), overwrite)
            open(path, "w").close()

        def plot_contact_sheet(self, path=None, *, max_per_cluster=12, overwrite=False):
            calls["sheet"] = (str(path), max_per_cluster, overwrite)

    def cluster_ramps(ramps, **kwargs):
        calls["args"] = (ramps, kwargs)
        return FakeClusters()

    module = types.ModuleType("ccdbadpix.clustering")
    module.cluster_ramps = cluster_ramps
    monkeypatch.setitem(sys.modules, "ccdbadpix.clustering", module)
    sample, sheet = str(tmp_path / "s.ecsv"), str(tmp_path / "sheet.pdf")
    assert main(["cluster", ramp_file, "-o", sample, "--gain", "1.5", "--group-time",
                 "10 s", "--per-cluster", "7", "--sheet", sheet, "--sheet-per-cluster",
                 "5"]) == 0
    ramps, kwargs = calls["args"]
    assert ramps == ramp_file
    assert kwargs == dict(n_components=None, max_components=12, n_per_cluster=7, seed=0,
                          gain=1.5, group_time=10 * u.s)
    assert calls["sample"] == (sample, False) and calls["sheet"] == (sheet, 5, False)
    text = capsys.readouterr().out
    assert "2 clusters" in text and "2000 pixels" in text and "2304 pixels" in text
    assert main(["cluster", ramp_file, "-o", sample]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["cluster", ramp_file, "-o", str(tmp_path / "t.ecsv"), "--per-cluster",
                 "0"]) == 2
    assert "--per-cluster" in capsys.readouterr().err


def test_demo(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--size", "128", "--no-progress"]) == 0
    text = capsys.readouterr().out
    for name in ("hot_pixels.fits", "hot_pixels_jwst_mask.fits", "hot_pixel_map.png",
                 "dark_current_histogram.png", "ramp_dq_mask.fits", "ramp_class_map.png"):
        assert (out / name).stat().st_size > 0
    assert "recall" in text and "IPC coupling measured" in text
    recall = float(text.split("hot pixels (>= 1 e/s):")[1].split("recall")[1].split()[0])
    assert recall > 0.9
    # the ramp classifier: a precision/recall row per class
    table = text.split("ramp classification:")[1]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:11]}
    assert set(rows) == {"good", "hot", "warm", "dead", "telegraph", "nonlinear",
                         "saturated", "cosmic_ray", "decreasing"}
    assert float(rows["hot"][3]) > 0.9 and float(rows["hot"][4]) > 0.9
    assert float(rows["good"][4]) > 0.95
    mask = DQMask.read(out / "ramp_dq_mask.fits")
    assert mask.shape == (128, 128) and mask.counts()["HOT"] > 0
    # the trend over three simulated years: fitted growth next to the truth, the step
    trend = text.split("hot-pixel trend:")[1]
    rows = [line.split() for line in trend.splitlines()[2:6]]
    assert [r[0] for r in rows] == ["1", "3", "10", "100"]
    for row in rows:
        fitted, err, true = float(row[2]), float(row[4]), float(row[5])
        assert abs(fitted - true) < 4 * err
        assert row[6] != "none" and abs(float(row[6]) - float(row[7])) <= 0.3 * float(row[7])
    assert "months" in trend and "32x32 stamps" in trend
    table = QTable.read(out / "hot_pixel_trend.ecsv")
    assert len(table) == 37 and table["count_1"][-1] > table["count_1"][0]
    for name in ("trend_counts.png", "trend_risk.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert main(["demo", "--out", str(out), "--size", "128", "--no-progress"]) == 2
    assert "already exists" in capsys.readouterr().err
