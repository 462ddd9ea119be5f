"""The ccdbadpix command line, run in-process and as the installed console script."""

import re
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
from ccdbadpix.cli.main import main
from ccdbadpix.simulate import simulate_darks, simulate_ramps

E_S = u.electron / u.s


def run(argv):
    """Exit status of ``ccdbadpix argv`` (argparse refusals exit through SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


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
    # the command's warm threshold defaults to a tenth of the hot one
    expected = find_hot_pixels(sim.darks, gain=1.5 * u.electron / u.adu,
                               saturation=65535 * u.adu, neighbors="cross",
                               warm_threshold=0.1 * E_S)
    got = DQMask.read(out)
    np.testing.assert_array_equal(got.data, expected.data)
    assert got.meta["REFTYPE"] == "MASK"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # refuses to overwrite, says how
    assert main(["hot", *paths, "-o", str(out), "--gain", "1.5 electron/adu"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_no_command_replaces_its_input(dark_files, ramp_file, tmp_path, capsys):
    """An output that is one of the inputs is refused, even with --overwrite."""
    _, paths = dark_files
    copy = tmp_path / "dark.fits"
    shutil.copy(paths[0], copy)
    before = copy.read_bytes()
    link = tmp_path / "link.fits"
    link.symlink_to(copy)
    for argv in (["hot", str(copy), "-o", str(copy), "--gain", "1.5", "--overwrite"],
                 ["hot", str(copy), "-o", str(link), "--gain", "1.5", "--overwrite"],
                 ["hot", paths[1], str(copy), "-o", str(copy), "--overwrite"],
                 ["classify", str(copy), "--labels", str(copy), "--overwrite"],
                 ["cluster", str(copy), "-o", "x.ecsv", "--sheet", str(copy) + ".png"]):
        if argv[0] == "cluster":  # a sheet whose name differs is fine; the input is not
            argv = ["cluster", str(copy), "-o", str(copy), "--overwrite"]
        assert run(argv) == 2, argv
        err = capsys.readouterr().err
        assert "is the input file" in err and str(copy) in err
    assert copy.read_bytes() == before
    ramp_copy = tmp_path / "ramps.fits"
    shutil.copy(ramp_file, ramp_copy)
    assert run(["classify", str(ramp_copy), "-o", str(ramp_copy), "--overwrite"]) == 2
    assert "is the input file" in capsys.readouterr().err


def test_hot_reads_the_gain_keyword_and_plain_gains(dark_files, tmp_path, capsys):
    """hot takes the GAIN keyword as classify does, and --gain 1.5 means electron/adu."""
    sim, paths = dark_files
    with_gain = []
    for k, path in enumerate(paths):
        data, header = fits.getdata(path, header=True)
        header["GAIN"] = 1.5
        with_gain.append(tmp_path / f"g{k}.fits")
        fits.writeto(with_gain[-1], data, header)
    expected = find_hot_pixels(sim.darks, gain=1.5 * u.electron / u.adu,
                               warm_threshold=0.1 * E_S)
    for extra in ([], ["--gain", "1.5"], ["--gain", "1.5 electron/adu"],
                  ["--gain", "1.5 electron/DN"]):
        out = tmp_path / f"m{len(extra)}{extra[-1][-2:] if extra else ''}.fits"
        files = with_gain if not extra else paths
        assert main(["hot", *map(str, files), "-o", str(out), *extra]) == 0
        text = capsys.readouterr().out
        assert ("GAIN keyword" if not extra else "(--gain)") in text
        got = DQMask.read(out)
        np.testing.assert_array_equal(got.data, expected.data)
        assert got.meta["GAIN"] == 1.5
    # darks that disagree, or a GAIN that is not a gain
    header = fits.getheader(with_gain[1])
    header["GAIN"] = 2.0
    fits.writeto(with_gain[1], fits.getdata(with_gain[1]), header, overwrite=True)
    assert run(["hot", *map(str, with_gain), "-o", str(tmp_path / "x.fits")]) == 2
    assert "different GAIN keywords" in capsys.readouterr().err
    header["GAIN"] = "high"
    fits.writeto(with_gain[1], fits.getdata(with_gain[1]), header, overwrite=True)
    assert run(["hot", *map(str, with_gain), "-o", str(tmp_path / "x.fits")]) == 2
    err = capsys.readouterr().err
    assert str(with_gain[1]) in err and "GAIN" in err and "--gain" in err
    assert not (tmp_path / "x.fits").exists()


def test_warm_threshold_defaults_agree_between_hot_and_classify(dark_files, ramp_file,
                                                                 tmp_path, capsys):
    """Both commands default the warm threshold to a tenth of the hot one, in its unit."""
    _, paths = dark_files
    cases = {(): (0.1, "electron / s"), ("--threshold", "2 electron/s"): (0.2, "electron / s"),
             ("--threshold", "3 DN/s"): (0.3, "DN / s")}
    for k, (extra, (warm, unit)) in enumerate(cases.items()):
        out = tmp_path / f"hot{k}.fits"
        assert main(["hot", *paths, "-o", str(out), "--gain", "1.5", *extra]) == 0
        text = capsys.readouterr().out
        meta = DQMask.read(out).meta
        assert meta["WARMTHR"] == pytest.approx(warm) and meta["WARMUNIT"] == unit
        assert f"warm {warm:g} {unit}" in text
    out = tmp_path / "nowarm.fits"
    assert main(["hot", *paths, "-o", str(out), "--gain", "1.5", "--warm-threshold",
                 "none"]) == 0
    assert "WARM" not in DQMask.read(out).counts() and "warm none" in capsys.readouterr().out
    # classify: the default and the tenth of a given hot threshold
    for k, (extra, warm) in enumerate((((), 0.1 * E_S),
                                        (("--hot-threshold", "2 electron/s"), 0.2 * E_S))):
        out = tmp_path / f"cls{k}.fits"
        assert main(["classify", ramp_file, "-o", str(out), "--no-progress", *extra]) == 0
        capsys.readouterr()
        hot = 2 * E_S if extra else 1 * E_S
        expected = classify_ramps(ramp_file, hot_threshold=hot, warm_threshold=warm,
                                  progress=False)
        np.testing.assert_array_equal(DQMask.read(out).data, expected.dq.data)


def test_hot_errors_are_reported(dark_files, tmp_path, capsys):
    _, paths = dark_files
    data, header = fits.getdata(paths[0], header=True)
    del header["GAIN"]
    fits.writeto(tmp_path / "nogain.fits", data, header)
    assert main(["hot", str(tmp_path / "nogain.fits"), "-o", str(tmp_path / "m.fits")]) == 2
    err = capsys.readouterr().err
    assert "--gain" in err and "gain=" not in err
    assert main(["hot", paths[0], paths[1], "-o", str(tmp_path / "m.fits"), "--gain", "1.5",
                 "--exposure-time", "90", "100", "1000"]) == 2
    assert "--exposure-time has 3 values for 2 darks" in capsys.readouterr().err
    assert main(["hot", paths[0], "-o", str(tmp_path / "m.fits"), "--gain", "1.5",
                 "--method", "sigma", "--threshold", "1 electron/s"]) == 2
    assert "--threshold is not used with --method sigma" in capsys.readouterr().err
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
    # a foreign integer mask: the hint names the options info has
    foreign = tmp_path / "foreign.fits"
    data = np.zeros((8, 8), np.int32)
    data[1, 2], data[3, 4] = 1, 1025
    fits.writeto(foreign, data)
    assert main(["info", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert "--convention" in err and "--bit-map" in err and "bit_map" not in err
    assert main(["info", str(foreign), "--bit-map", "1=DO_NOT_USE,1024=REFERENCE_PIXEL"]) == 0
    text = capsys.readouterr().out
    assert "2 flagged pixels" in text and "REFERENCE_PIXEL" in text


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
    # saturated pixels are HOT too, and so are shape-labelled pixels (cosmic-ray hits,
    # non-linear, telegraph, uncertain ...) of significantly hot dark current
    straight = (expected.mask("good") | expected.mask("warm") | expected.mask("hot")
                | expected.mask("dead") | expected.mask("saturated") | ~expected.finite)
    from scipy.special import ndtri

    low = (expected.dark_current - ndtri(0.999) * expected.dark_current_err).value
    shaped_hot = int((~straight & (low >= 1)).sum())
    assert n_hot == counts["hot"] + counts["saturated"] + shaped_hot
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
                              warm_threshold=0.2 * E_S, progress=False)
    np.testing.assert_array_equal(got.data, expected.dq.data)


def test_classify_errors_are_reported(ramp_file, tmp_path, capsys):
    out = str(tmp_path / "m.fits")
    assert main(["classify", "missing.fits", "-o", out]) == 2
    assert "no file" in capsys.readouterr().err
    assert run(["classify", ramp_file, "-o", out, "--hot-threshold", "3 s"]) == 2
    assert "--hot-threshold" in capsys.readouterr().err
    assert run(["classify", ramp_file, "-o", out, "--min-confidence", "2"]) == 2
    assert "--min-confidence" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", out, "--labels", out]) == 2
    assert "two outputs" in capsys.readouterr().err
    assert main(["classify", ramp_file, "-o", str(tmp_path / "no" / "m.fits")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # the warm threshold defaults to a tenth of the hot one, so DN/s need no gain
    assert main(["classify", ramp_file, "-o", out, "--unit", "DN", "--hot-threshold",
                 "3 DN/s", "--no-progress"]) == 0
    capsys.readouterr()


def test_outputs_and_jwst_keywords_are_checked_before_any_work(ramp_file, dark_files, tmp_path,
                                                               capsys, monkeypatch):
    """A bad output or JWST keyword stops the command before it reads any data."""
    import ccdbadpix.darks.hotpixels
    import ccdbadpix.ramps.classify

    def never(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(ccdbadpix.ramps.classify, "classify_ramps", never)
    monkeypatch.setattr(ccdbadpix.darks.hotpixels, "find_hot_pixels", never)
    _, paths = dark_files
    out = str(tmp_path / "m.fits")
    bad = {
        "--instrument": ["--useafter", "2025-01-01", "--detector", "NRS1"],
        "--detector": ["--useafter", "2025-01-01", "--instrument", "NIRSPEC"],
        "--useafter": ["--instrument", "NIRSPEC", "--detector", "NRS1"],
        "useafter": ["--instrument", "NIRSPEC", "--detector", "NRS1", "--useafter", "soon"],
        "--pedigree": ["--instrument", "NIRSPEC", "--detector", "NRS1", "--useafter",
                       "2025-01-01", "--pedigree", "MAYBE"],
    }
    for name, extra in bad.items():
        for argv in (["classify", ramp_file, "-o", out, "--format", "jwst", *extra],
                     ["hot", *paths, "-o", out, "--gain", "1.5", "--format", "jwst", *extra]):
            assert main(argv) == 2, argv
            assert name in capsys.readouterr().err
    for argv in (["classify", ramp_file, "-o", str(tmp_path / "m.txt")],
                 ["classify", ramp_file, "-o", out, "--labels", str(tmp_path / "l.png")],
                 ["classify", ramp_file, "-o", out, "--plots", str(tmp_path / "no" / "p")],
                 ["hot", *paths, "-o", out, "--plot", str(tmp_path / "map.jpg")],
                 ["hot", *paths, "-o", str(tmp_path)],
                 ["hot", *paths, "-o", str(tmp_path / "m.fits.gz")],
                 ["cluster", ramp_file, "-o", str(tmp_path / "s.ecsv"), "--sheet",
                  str(tmp_path / "sheet.doc")]):
        assert main(argv) == 2, argv
        assert capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cluster(ramp_file, tmp_path, capsys):
    pytest.importorskip("ccdbadpix.ramps.clustering")
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

    module = types.ModuleType("ccdbadpix.ramps.clustering")
    module.cluster_ramps = cluster_ramps
    monkeypatch.setitem(sys.modules, "ccdbadpix.ramps.clustering", module)
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
    assert run(["cluster", ramp_file, "-o", str(tmp_path / "t.ecsv"), "--per-cluster",
                "0"]) == 2
    assert "--per-cluster" in capsys.readouterr().err


def _demo_line(text, label):
    """The numbers of the demo's line that starts with ``label``."""
    line = next(line for line in text.splitlines() if line.strip().startswith(label))
    return [float(w.rstrip(",")) for w in line[len(line) - len(line.lstrip()) + len(label):]
            .replace("(", " ").split() if w.rstrip(",").replace(".", "", 1).isdigit()]


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
    # what it prints is what it wrote: the flag counts and the recovery of the mask file
    mask = DQMask.read(out / "hot_pixels.fits")
    jwst = DQMask.read(out / "hot_pixels_jwst_mask.fits")
    np.testing.assert_array_equal(jwst.data, mask.data)
    counts = mask.counts()
    for flag, n in counts.items():
        assert re.search(rf"^\s+{flag}\s+{n}$", text, re.MULTILINE), flag
    assert mask.meta["BPNEIGH"] == "none" and "neighbors='none'" in text
    # the header's counts agree with the flags
    assert mask.meta["NHOT"] == counts["HOT"] and mask.meta["NWARM"] == counts["WARM"]
    assert mask.meta["NSAT"] == counts.get("SATURATED", 0)
    sim = simulate_darks((128, 128), exposure_times=(90, 1000) * u.s, gain=1.5 * u.electron
                         / u.adu, read_noise=10 * u.electron, hot_fraction=2e-3,
                         hot_rate=(1, 300) * E_S, warm_fraction=4e-3,
                         nonproportional_fraction=5e-4, saturation=65535 * u.adu,
                         ipc_alpha=0.015, seed=2026)
    for label, truth, flag in (("hot pixels (>= 1 e/s):", sim.hot, "HOT"),
                               ("warm pixels (0.1-1 e/s):", sim.warm, "WARM"),
                               ("not proportional to t:", sim.nonproportional,
                                "UNRELIABLE_DARK")):
        found = mask.to_boolean(flags=flag)
        tp = int(np.count_nonzero(found & truth))
        numbers = _demo_line(text, label)
        assert numbers[:2] == [truth.sum(), found.sum()]
        assert numbers[2:] == pytest.approx([tp / found.sum(), tp / truth.sum()], abs=5e-4)
    lit = _demo_line(text, "IPC-lit neighbours:")
    assert lit == [sim.ipc_lit.sum(), np.count_nonzero(mask.to_boolean(flags="HOT")
                                                       & sim.ipc_lit)]
    sat = _demo_line(text, "saturated in 1000 s:")
    assert sat[1] == counts.get("SATURATED", 0)
    # the ramp classifier: a precision/recall row per class; 'labelled' counts what the
    # map and the mask show (the same simulation and classification again)
    table = text.split("ramp classification:")[1]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:11]}
    assert set(rows) == {"good", "hot", "warm", "dead", "telegraph", "nonlinear",
                         "saturated", "cosmic_ray", "decreasing"}
    assert float(rows["hot"][3]) > 0.9 and float(rows["hot"][4]) > 0.9
    assert float(rows["good"][4]) > 0.95
    ramps = simulate_ramps((128, 128), ngroups=40, seed=2026)
    res = classify_ramps(ramps.data, times=ramps.times, gain=ramps.gain, progress=False)
    for name, row in rows.items():
        assert int(row[2]) == res.counts()[name], name
    mask = DQMask.read(out / "ramp_dq_mask.fits")
    np.testing.assert_array_equal(mask.data, res.dq.data)
    assert mask.shape == (128, 128) and mask.counts()["HOT"] > 0
    assert f"ramp_dq_mask.fits: {int(mask.to_boolean().sum())} flagged pixels" in text
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
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    assert main(["demo", "--out", str(out), "--size", "128", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_demo_refuses_bad_options(tmp_path, capsys):
    afile = tmp_path / "taken"
    afile.write_text("x")
    assert run(["demo", "--out", str(afile), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "--overwrite" not in err
    assert run(["demo", "--out", str(afile / "sub"), "--no-progress"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert run(["demo", "--out", str(tmp_path / "d"), "--seed", "-1"]) == 2
    assert "--seed" in capsys.readouterr().err
    assert run(["demo", "--out", str(tmp_path / "d"), "--size", "8"]) == 2
    assert "--size" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_plot_mask_legend_counts_every_flagged_pixel():
    """The map's legend gives the pixels carrying each flag, as counts() and the header."""
    pytest.importorskip("matplotlib")
    from ccdbadpix.plotting import plot_mask

    data = np.zeros((6, 6), np.uint32)
    data[0, :3] = DQ.HOT | DQ.DO_NOT_USE
    data[1, :2] = DQ.HOT | DQ.SATURATED  # drawn as saturated, counted as hot too
    data[2, 0] = DQ.WARM
    mask = DQMask(data)
    ax = plot_mask(mask)
    texts = sorted(t.get_text() for t in ax.get_legend().get_texts())
    assert texts == ["hot (5)", "saturated (2)", "warm (1)"]
    assert mask.counts()["HOT"] == 5
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_command_line_starts_without_heavy_imports():
    """``import ccdbadpix.cli`` (and ``ccdbadpix --help``) load no heavy library."""
    code = ("import sys, contextlib, io\n"
            "import ccdbadpix.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        ccdbadpix.cli.main(['--help'])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "heavy = ('sklearn', 'matplotlib', 'dask', 'photutils', 'scipy', 'pywt')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_month_unit_enabled_at_import():
    """``import ccdbadpix`` alone lets astropy parse the month of trend tables."""
    code = ("import ccdbadpix\n"
            "import astropy.units as u\n"
            "print(u.Unit('pix / month').to(u.pix / u.yr))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert float(out.stdout) == pytest.approx(12.0)


def test_package_imports_its_names_on_use():
    """``ccdbadpix`` is lazy yet every public name, and the simulate module, is there."""
    code = ("import sys\n"
            "import ccdbadpix\n"
            "lazy = 'scipy' not in sys.modules and 'ccdbadpix.dq.mask' not in sys.modules\n"
            "from ccdbadpix import DQMask, simulate\n"
            "import ccdbadpix as c\n"
            "ok = all(hasattr(c, n) for n in c.__all__) and set(c.__all__) <= set(dir(c))\n"
            "print(lazy, ok, simulate is c.simulate, DQMask.__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["True", "True", "True", "ccdbadpix.dq.mask"]
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        ccdbadpix.nonsense  # noqa: B018
