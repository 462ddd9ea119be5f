"""``ccdbadpix trend``: files or globs in, ECSV, plots and a printed summary out."""

import glob
import os

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import CCDData
from astropy.table import QTable

from ccdbadpix import trend_hot_pixels
from ccdbadpix.cli.main import main
from ccdbadpix.simulate import simulate_hot_pixel_series


def run(argv):
    """Exit status of ``ccdbadpix argv`` (argparse refusals exit through SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.fixture(scope="module")
def rate_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rates")
    sim = simulate_hot_pixel_series((128, 128), 25, new_per_month=30, initial_hot=100,
                                    step_pixels=150, step_time="2023-07-20", seed=4)
    for k, frame in enumerate(sim.frames):
        frame.write(folder / f"rate_{k:02d}.fits")
    return sim, folder


def test_trend_files_to_table_plots_and_summary(rate_files, tmp_path, capsys):
    sim, folder = rate_files
    out, fits_out = tmp_path / "trend.ecsv", tmp_path / "fits.ecsv"
    rc = main(["trend", str(folder / "rate_*.fits"), "-o", str(out), "--fits-output",
               str(fits_out), "--plots", str(tmp_path / "t"), "--no-progress"])
    assert rc == 0
    text = capsys.readouterr().out
    table = QTable.read(out)
    for thr in (1, 3, 10, 100):
        assert np.array_equal(table[f"count_{thr}"], sim.counts(thr * u.DN / u.s))
    fits_table = QTable.read(fits_out)
    expected = trend_hot_pixels(sorted(glob.glob(str(folder / "rate_*.fits"))),
                                progress=False)
    assert np.allclose(fits_table["rate"].value, expected.fits["rate"].value)
    assert list(fits_table["n_steps"]) == [1, 1, 1, 1]
    # the summary: one line per threshold with the rate and both cadences
    assert "25 dark-current maps" in text
    line = next(row for row in text.splitlines() if row.strip().startswith("1 DN / s"))
    assert f"{expected.fits['rate'][0].value:.2f}" in line
    cadence = expected.recommend_cadence(0.1, n_stamps=8).value
    assert f"{cadence:.1f} mon" in line
    assert "step at 1 DN / s" in text and "detected" in text
    for kind in ("counts", "risk", "first_hot"):
        assert (tmp_path / f"t_{kind}.png").read_bytes()[:4] == b"\x89PNG"
    # nothing is overwritten without --overwrite
    assert main(["trend", str(folder / "rate_*.fits"), "-o", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_trend_known_steps_dates_and_thresholds(rate_files, tmp_path, capsys):
    sim, folder = rate_files
    files = sorted(glob.glob(str(folder / "rate_*.fits")))[:8]
    dates = [t.isot for t in sim.times[:8]]
    out = tmp_path / "t.ecsv"
    rc = main(["trend", *files[::-1], "--dates", *dates[::-1], "--thresholds",
               "2,20 DN/s", "--steps", "none", "-o", str(out), "--stamp", "16x16",
               "--n-stamps", "4"])
    assert rc == 0
    text = capsys.readouterr().out
    table = QTable.read(out)
    assert table.colnames[3] == "count_2" and "count_20" in table.colnames
    assert np.array_equal(table["count_20"], sim.counts(20 * u.DN / u.s)[:8])
    assert "16x16 stamp" in text and "cadence 4 stamps" in text
    assert main(["trend", *files, "--dates", dates[0], "-o", str(tmp_path / "x.ecsv")]) == 2
    assert "--dates has 1 dates for 8 epochs" in capsys.readouterr().err


def test_trend_mask_files_with_conventions(tmp_path, capsys):
    rng = np.random.default_rng(5)
    bad = np.zeros((64, 64), bool)
    names, counts = [], []
    for k, date in enumerate(("240105", "20240410", "240712", "20241020")):
        bad |= rng.random((64, 64)) < 0.01
        data = bad.astype(np.int16)
        if k == 1:  # this one marks bad pixels with 1024, as a NIRCam mask does
            data = np.where(bad, 1024, 0).astype(np.int32)
        data[:2] |= 2 if k != 1 else 0  # a reference edge in the others
        path = tmp_path / f"mask_{date}.fits"
        fits.writeto(path, data)
        names.append(str(path))
        counts.append(int(bad.sum()))
    out = tmp_path / "masks.ecsv"
    rc = main(["trend", str(tmp_path / "mask_*.fits"), "--dates-from-names",
               "--flags", "DO_NOT_USE", "--bit-map", "1=DO_NOT_USE,2=REFERENCE_PIXEL",
               "--file-convention", "*20240410*", "value:1024", "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    table = QTable.read(out)
    assert list(table["count_DO_NOT_USE"]) == counts
    assert table.meta["n_pixels"] == 62 * 64
    assert "4 masks" in capsys.readouterr().out
    # without a stated layout the integer masks cannot be read
    assert main(["trend", *names, "--dates-from-names", "-o", str(tmp_path / "y.ecsv")]) == 2
    err = capsys.readouterr().err
    assert "mask_convention" not in err and "--convention" in err and "mask_240105" in err
    assert main(["trend", *names, "--file-convention", "*x*", "value:1",
                 "--dates-from-names", "-o", str(tmp_path / "z.ecsv")]) == 2
    assert "matches no --file-convention" in capsys.readouterr().err


def test_trend_bad_input(rate_files, tmp_path, capsys):
    sim, folder = rate_files
    one = str(folder / "rate_00.fits")
    assert main(["trend", one, "-o", str(tmp_path / "a.ecsv")]) == 2
    assert "at least two epochs" in capsys.readouterr().err
    assert main(["trend", str(tmp_path / "nothing_*.fits")]) == 2
    assert "no file matches" in capsys.readouterr().err
    bare = tmp_path / "bare"
    bare.mkdir()
    for k in range(2):
        CCDData(sim.frames[k].data, unit="DN/s").write(bare / f"r{k}.fits")
    assert main(["trend", str(bare / "r*.fits"), "-o", str(tmp_path / "b.ecsv")]) == 2
    assert "DATE-OBS" in capsys.readouterr().err
    assert main(["trend", one, one, "--stamp", "0x3"]) == 2
    assert "--stamp" in capsys.readouterr().err
    assert run(["trend", one, one, "--max-risk", "2"]) == 2
    assert "--max-risk" in capsys.readouterr().err


def test_trend_levels_must_fit_the_files(rate_files, tmp_path, capsys, monkeypatch):
    """--flags on rate maps (or --thresholds on masks) is refused, not ignored."""
    import ccdbadpix.trend.trend

    _, folder = rate_files
    files = sorted(glob.glob(str(folder / "rate_*.fits")))[:4]

    def never(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(ccdbadpix.trend.trend, "trend_hot_pixels", never)
    assert main(["trend", *files, "--flags", "HOT", "-o", str(tmp_path / "t.ecsv")]) == 2
    err = capsys.readouterr().err
    assert "--flags" in err and "--thresholds" in err
    masks = []
    for k in range(3):
        masks.append(tmp_path / f"m{k}.fits")
        fits.writeto(masks[-1], np.zeros((8, 8), np.int16))
    assert main(["trend", *map(str, masks), "--convention", "bad", "--thresholds",
                 "1 DN/s", "--dates-from-names", "-o", str(tmp_path / "t.ecsv")]) == 2
    assert "--thresholds" in capsys.readouterr().err
    # an output that is one of the inputs
    assert main(["trend", *files, "-o", files[0], "--overwrite"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert not (tmp_path / "t.ecsv").exists()


def test_trend_says_when_the_growth_is_not_significant(tmp_path, capsys):
    """No cadence is printed from a growth smaller than its error (or not positive)."""
    sim = simulate_hot_pixel_series((64, 64), 12, new_per_month=0, initial_hot=40,
                                    heal_fraction=0.0, intermittent=0, step_pixels=0,
                                    seed=3)
    files = []
    for k, frame in enumerate(sim.frames):
        files.append(str(tmp_path / f"flat_{k:02d}.fits"))
        frame.write(files[-1])
    assert main(["trend", *files, "--steps", "none", "-o", str(tmp_path / "t.ecsv")]) == 0
    text = capsys.readouterr().out
    table = QTable.read(tmp_path / "t.ecsv")
    fits_rows = table.meta["fits"]
    flat = [row for row in fits_rows if not (row["rate_err"] < row["rate"])]
    assert flat, "the simulated counts should show no significant growth"
    assert "0.0 mon" not in text
    assert text.count("not significant") >= 2 * len(flat)
    for row in flat:
        assert f"{row['rate']:.2f} +- {row['rate_err']:.2f} pix/month" in text


def test_trend_real_nircam_masks(shared_data, tmp_path, capsys):
    pattern = str(shared_data / "nircam_lw_masks" / "*.fits.gz")
    out = tmp_path / "nircam.ecsv"
    rc = main(["trend", pattern, "--dates-from-names", "--flags", "DO_NOT_USE", "--bit-map",
               "1=DO_NOT_USE,1024=REFERENCE_PIXEL", "--file-convention", "*20230710*",
               "value:1024", "-o", str(out), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    table = QTable.read(out)
    expected = {}
    for path in glob.glob(pattern):
        data = fits.getdata(path)
        name = os.path.basename(path)
        expected[name] = int(np.count_nonzero(data == 1024) if "20230710" in name
                             else np.count_nonzero(data & 1))
    assert dict(zip(table["name"], table["count_DO_NOT_USE"].tolist(), strict=True)) == expected
    assert "8 masks" in capsys.readouterr().out
