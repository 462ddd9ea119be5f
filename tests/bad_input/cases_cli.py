"""Bad command lines of every command (issue 9, sections 4 and 5).

Each case exits with status 2, names the option (``--exposure-time``, not
``exposure_time=``) or the file on stderr, and writes nothing: outputs and JWST keywords
are checked before any work, and no output may be one of the inputs.
"""

import numpy as np
from _bad_input__cases import CliCase
from astropy.io import fits

from ccdbadpix.simulate import simulate_hot_pixel_series, simulate_ramps

_SEED = 11


def _dark(path, exptime=90.0, gain=1.5):
    rng = np.random.default_rng(_SEED)
    data = rng.normal(10.0, 1.0, (16, 16)).astype(np.float32) * (exptime or 90) / 90
    data[3, 4] = 500.0 * (exptime or 90)
    header = fits.Header({"BUNIT": "adu"})
    if exptime is not None:
        header["EXPTIME"] = exptime
    if gain is not None:
        header["GAIN"] = gain
    fits.writeto(path, data, header)


def darks(tmp):
    """dark_90.fits and dark_1000.fits: adu, EXPTIME and GAIN = 1.5."""
    _dark(tmp / "dark_90.fits", 90.0)
    _dark(tmp / "dark_1000.fits", 1000.0)


def darks_without_gain(tmp):
    _dark(tmp / "nogain.fits", 90.0, gain=None)
    _dark(tmp / "notime.fits", None)


def darks_with_two_gains(tmp):
    _dark(tmp / "g1.fits", 90.0, gain=1.5)
    _dark(tmp / "g2.fits", 1000.0, gain=2.0)
    _dark(tmp / "gx.fits", 1000.0, gain="high")


def ramps(tmp):
    """ramps.fits: a small cube with TIMES and GAIN, no INSTRUME/DETECTOR/DATE-OBS."""
    simulate_ramps((8, 8), ngroups=8, seed=_SEED).write(tmp / "ramps.fits")


def rates(tmp):
    """rate_00..03.fits: dark-current maps in DN/s with DATE-OBS."""
    sim = simulate_hot_pixel_series((16, 16), 4, new_per_month=2, initial_hot=5,
                                    seed=_SEED)
    for k, frame in enumerate(sim.frames):
        frame.write(tmp / f"rate_{k:02d}.fits")


def masks(tmp):
    """mask_20240101.fits, mask_20240601.fits: integer masks without DQ_DEF or BUNIT."""
    for k, date in enumerate(("20240101", "20240601")):
        data = np.zeros((8, 8), np.int16)
        data[1, : k + 1] = 1
        fits.writeto(tmp / f"mask_{date}.fits", data)


def garbage(tmp):
    (tmp / "garbage.fits").write_text("not a FITS file\n")
    (tmp / "garbage.npz").write_bytes(b"PK\x03\x04 truncated")


def existing(tmp):
    """Inputs, and outputs already there: m.fits, s.ecsv, t.ecsv, l.fits."""
    darks(tmp)
    ramps(tmp)
    rates(tmp)
    for name in ("m.fits", "s.ecsv", "t.ecsv", "l.fits"):
        (tmp / name).write_text("an earlier result\n")


def link(tmp):
    darks(tmp)
    (tmp / "alias.fits").symlink_to(tmp / "dark_90.fits")


def demo_file(tmp):
    (tmp / "afile").write_text("x\n")


def demo_earlier_run(tmp):
    (tmp / "d").mkdir()
    (tmp / "d" / "hot_pixels.fits").write_text("an earlier run\n")


_D = ("{tmp}/dark_90.fits", "{tmp}/dark_1000.fits")
_HOT = ("hot", *_D, "-o", "{tmp}/m.fits")
_CLS = ("classify", "{tmp}/ramps.fits", "-o", "{tmp}/m.fits", "--no-progress")
_CLU = ("cluster", "{tmp}/ramps.fits", "-o", "{tmp}/s.ecsv")
_TR = ("trend", "{tmp}/rate_*.fits", "-o", "{tmp}/t.ecsv", "--no-progress")
_MASKS = ("trend", "{tmp}/mask_*.fits", "--dates-from-names", "-o", "{tmp}/t.ecsv")
_JWST_OK = ("--instrument", "NIRSPEC", "--detector", "NRS1", "--useafter", "2025-01-01")

_TABLE = [
    # ---------------------------------------------------------------- hot: files
    ("hot-missing-file", ("hot", "{tmp}/nope.fits", "-o", "{tmp}/m.fits"), "nope.fits",
     None),
    ("hot-garbage-file", ("hot", "{tmp}/garbage.fits", "-o", "{tmp}/m.fits"),
     "garbage.fits", garbage),
    ("hot-input-is-a-folder", ("hot", "{tmp}", "-o", "{tmp}/m.fits"), "folder", None),
    ("hot-output-is-input", ("hot", *_D, "-o", "{tmp}/dark_90.fits", "--overwrite"),
     "dark_90.fits is the input", darks),
    ("hot-output-is-input-by-link", ("hot", "{tmp}/dark_90.fits", "-o", "{tmp}/alias.fits",
                                     "--overwrite"), "is the input file", link),
    ("hot-output-exists", _HOT, r"m\.fits already exists.*--overwrite", existing),
    ("hot-output-folder-missing", ("hot", *_D, "-o", "{tmp}/no/m.fits"),
     "--output.*does not exist", darks),
    ("hot-output-is-a-folder", ("hot", *_D, "-o", "{tmp}/sub", "--overwrite"),
     "--output", lambda tmp: (darks(tmp), (tmp / "sub").mkdir())),
    ("hot-output-txt", ("hot", *_D, "-o", "{tmp}/m.txt"), r"--output.*\.fits", darks),
    ("hot-output-gz", ("hot", *_D, "-o", "{tmp}/m.fits.gz"), "--output", darks),
    ("hot-plot-jpg", (*_HOT, "--plot", "{tmp}/map.jpg"), r"--plot.*\.png", darks),
    ("hot-plot-same-as-output", (*_HOT, "--plot", "{tmp}/m.fits"), "--plot|two outputs",
     darks),
    ("hot-plot-folder-missing", (*_HOT, "--plot", "{tmp}/no/map.png"), "--plot", darks),
    # ---------------------------------------------------------------- hot: numbers
    ("hot-gain-negative", (*_HOT, "--gain", "-1.5"), "--gain", darks),
    ("hot-gain-zero", (*_HOT, "--gain", "0"), "--gain", darks),
    ("hot-gain-nan", (*_HOT, "--gain", "nan"), "--gain", darks),
    ("hot-gain-inf", (*_HOT, "--gain", "inf electron/adu"), "--gain", darks),
    ("hot-gain-text", (*_HOT, "--gain", "abc"), "--gain", darks),
    ("hot-gain-seconds", (*_HOT, "--gain", "1.5 s"), "--gain", darks),
    ("hot-gain-needed", ("hot", "{tmp}/nogain.fits", "-o", "{tmp}/m.fits"), "--gain",
     darks_without_gain),
    ("hot-gain-keywords-differ", ("hot", "{tmp}/g1.fits", "{tmp}/g2.fits", "-o",
                                  "{tmp}/m.fits"), "GAIN.*--gain", darks_with_two_gains),
    ("hot-gain-keyword-not-a-number", ("hot", "{tmp}/gx.fits", "-o", "{tmp}/m.fits"),
     "gx.fits.*GAIN", darks_with_two_gains),
    ("hot-threshold-negative", (*_HOT, "--threshold", "-1 electron/s"), "--threshold",
     darks),
    ("hot-threshold-zero", (*_HOT, "--threshold", "0 electron/s"), "--threshold", darks),
    ("hot-threshold-nan", (*_HOT, "--threshold", "nan electron/s"), "--threshold", darks),
    ("hot-threshold-no-unit", (*_HOT, "--threshold", "3"), "--threshold", darks),
    ("hot-threshold-metres", (*_HOT, "--threshold", "3 m"), "--threshold", darks),
    ("hot-threshold-text", (*_HOT, "--threshold", "lots"), "--threshold", darks),
    ("hot-threshold-counts", (*_HOT, "--threshold", "3 adu"), "--threshold", darks),
    ("hot-threshold-with-sigma", (*_HOT, "--method", "sigma", "--threshold",
                                  "1 electron/s"), "--threshold.*--method sigma", darks),
    ("hot-warm-above-hot", (*_HOT, "--warm-threshold", "2 electron/s"), "--warm-threshold",
     darks),
    ("hot-warm-negative", (*_HOT, "--warm-threshold", "-0.1 electron/s"),
     "--warm-threshold", darks),
    ("hot-warm-counts", (*_HOT, "--warm-threshold", "1 adu"), "--warm-threshold", darks),
    ("hot-warm-text", (*_HOT, "--warm-threshold", "some"), "--warm-threshold", darks),
    ("hot-exposure-time-negative", (*_HOT, "--exposure-time", "-5"), "--exposure-time",
     darks),
    ("hot-exposure-time-zero", (*_HOT, "--exposure-time", "0"), "--exposure-time", darks),
    ("hot-exposure-time-nan", (*_HOT, "--exposure-time", "nan"), "--exposure-time", darks),
    ("hot-exposure-time-text", (*_HOT, "--exposure-time", "long"), "--exposure-time",
     darks),
    ("hot-exposure-time-three-for-two", (*_HOT, "--exposure-time", "90", "100", "1000"),
     "--exposure-time has 3 values for 2 darks", darks),
    ("hot-exptime-alias-negative", (*_HOT, "--exptime", "-1"), "--exposure-time", darks),
    ("hot-exposure-time-needed", ("hot", "{tmp}/notime.fits", "-o", "{tmp}/m.fits"),
     "--exposure-time", darks_without_gain),
    ("hot-exposure-times-equal", (*_HOT, "--exposure-time", "90", "90"),
     "different exposure times", darks),
    ("hot-sigma-negative", (*_HOT, "--method", "sigma", "--sigma", "-3"), "--sigma", darks),
    ("hot-sigma-text", (*_HOT, "--method", "sigma", "--sigma", "five"), "--sigma", darks),
    ("hot-maxiters-zero", (*_HOT, "--method", "sigma", "--maxiters", "0"), "--maxiters",
     darks),
    ("hot-maxiters-fraction", (*_HOT, "--method", "sigma", "--maxiters", "2.5"),
     "--maxiters", darks),
    ("hot-method-unknown", (*_HOT, "--method", "median"), "--method", darks),
    ("hot-neighbors-unknown", (*_HOT, "--neighbors", "all"), "--neighbors", darks),
    ("hot-ipc-too-large", (*_HOT, "--neighbors", "none", "--ipc", "0.3"), "--ipc", darks),
    ("hot-ipc-negative", (*_HOT, "--neighbors", "none", "--ipc", "-0.01"), "--ipc", darks),
    ("hot-ipc-nan", (*_HOT, "--neighbors", "none", "--ipc", "nan"), "--ipc", darks),
    ("hot-saturation-negative", (*_HOT, "--saturation", "-5 adu"), "--saturation", darks),
    ("hot-saturation-no-unit", (*_HOT, "--saturation", "65535"), "--saturation", darks),
    ("hot-saturation-rate", (*_HOT, "--saturation", "5 adu/s"), "--saturation", darks),
    ("hot-unit-unknown", (*_HOT, "--unit", "bananas"), "--unit", darks),
    ("hot-unit-metres", (*_HOT, "--unit", "m"), "--unit", darks),
    ("hot-format-unknown", (*_HOT, "--format", "hdf5"), "--format", darks),
    ("hot-jwst-no-instrument", (*_HOT, "--format", "jwst", "--detector", "NRS1",
                                "--useafter", "2025-01-01"), "--instrument", darks),
    ("hot-jwst-no-useafter", (*_HOT, "--format", "jwst", "--instrument", "NIRSPEC",
                              "--detector", "NRS1"), "--useafter", darks),
    ("hot-jwst-bad-useafter", (*_HOT, "--format", "jwst", "--instrument", "NIRSPEC",
                               "--detector", "NRS1", "--useafter", "soon"), "--useafter",
     darks),
    ("hot-jwst-bad-pedigree", (*_HOT, "--format", "jwst", *_JWST_OK, "--pedigree",
                               "MAYBE"), "--pedigree", darks),
    # ---------------------------------------------------------------- classify
    ("classify-missing-file", ("classify", "{tmp}/nope.fits"), "nope.fits", None),
    ("classify-garbage-file", ("classify", "{tmp}/garbage.fits", "-o", "{tmp}/m.fits"),
     "garbage.fits", garbage),
    ("classify-a-dark-not-a-cube", ("classify", "{tmp}/dark_90.fits", "-o", "{tmp}/m.fits"),
     "dark_90.fits", darks),
    ("classify-output-is-input", ("classify", "{tmp}/ramps.fits", "-o", "{tmp}/ramps.fits",
                                  "--overwrite"), "is the input file", ramps),
    ("classify-labels-is-input", (*_CLS, "--labels", "{tmp}/ramps.fits", "--overwrite"),
     "--labels.*is the input file", ramps),
    ("classify-output-exists", _CLS, r"m\.fits already exists.*--overwrite", existing),
    ("classify-labels-exists", ("classify", "{tmp}/ramps.fits", "-o", "{tmp}/new.fits",
                                "--labels", "{tmp}/l.fits"), "l.fits already exists",
     existing),
    ("classify-labels-png", (*_CLS, "--labels", "{tmp}/l.png"), "--labels", ramps),
    ("classify-output-ecsv", ("classify", "{tmp}/ramps.fits", "-o", "{tmp}/m.ecsv"),
     "--output", ramps),
    ("classify-plots-folder-missing", (*_CLS, "--plots", "{tmp}/no/p"), "--plots", ramps),
    ("classify-output-equals-labels", (*_CLS, "--labels", "{tmp}/m.fits"), "two outputs",
     ramps),
    ("classify-group-time-negative", (*_CLS, "--group-time", "-10"), "--group-time", ramps),
    ("classify-group-time-zero", (*_CLS, "--group-time", "0 s"), "--group-time", ramps),
    ("classify-group-time-metres", (*_CLS, "--group-time", "3 m"), "--group-time", ramps),
    ("classify-gain-negative", (*_CLS, "--gain", "-1"), "--gain", ramps),
    ("classify-gain-text", (*_CLS, "--gain", "big"), "--gain", ramps),
    ("classify-read-noise-zero", (*_CLS, "--read-noise", "0"), "--read-noise", ramps),
    ("classify-read-noise-negative", (*_CLS, "--read-noise", "-12 DN"), "--read-noise",
     ramps),
    ("classify-read-noise-rate", (*_CLS, "--read-noise", "3 electron/s"), "--read-noise",
     ramps),
    ("classify-hot-threshold-seconds", (*_CLS, "--hot-threshold", "3 s"), "--hot-threshold",
     ramps),
    ("classify-hot-threshold-negative", (*_CLS, "--hot-threshold", "-1 electron/s"),
     "--hot-threshold", ramps),
    ("classify-warm-above-hot", (*_CLS, "--warm-threshold", "2 electron/s"),
     "--warm-threshold", ramps),
    ("classify-min-confidence-above-one", (*_CLS, "--min-confidence", "2"),
     "--min-confidence", ramps),
    ("classify-min-confidence-negative", (*_CLS, "--min-confidence", "-0.5"),
     "--min-confidence", ramps),
    ("classify-min-confidence-nan", (*_CLS, "--min-confidence", "nan"), "--min-confidence",
     ramps),
    ("classify-jobs-zero", (*_CLS, "--jobs", "0"), "--jobs", ramps),
    ("classify-jobs-text", (*_CLS, "--jobs", "many"), "--jobs", ramps),
    ("classify-model-missing", (*_CLS, "--model", "{tmp}/nope.npz"), "--model.*nope.npz",
     ramps),
    ("classify-model-garbage", (*_CLS, "--model", "{tmp}/garbage.npz"), "garbage.npz",
     lambda tmp: (ramps(tmp), garbage(tmp))),
    ("classify-unit-rate", (*_CLS, "--unit", "DN/s"), "--unit", ramps),
    ("classify-unit-unknown", (*_CLS, "--unit", "bananas"), "--unit", ramps),
    ("classify-jwst-no-detector", (*_CLS, "--format", "jwst", "--instrument", "NIRSPEC",
                                   "--useafter", "2025-01-01"), "--detector", ramps),
    ("classify-jwst-no-useafter", (*_CLS, "--format", "jwst", "--instrument", "NIRSPEC",
                                   "--detector", "NRS1"), "--useafter", ramps),
    ("classify-jwst-bad-useafter", (*_CLS, "--format", "jwst", "--instrument", "NIRSPEC",
                                    "--detector", "NRS1", "--useafter", "2025-13-45"),
     "--useafter", ramps),
    ("classify-jwst-bad-pedigree", (*_CLS, "--format", "jwst", *_JWST_OK, "--pedigree",
                                    "flight"), "--pedigree", ramps),
    # ---------------------------------------------------------------- cluster
    ("cluster-missing-file", ("cluster", "{tmp}/nope.fits", "-o", "{tmp}/s.ecsv"),
     "nope.fits", None),
    ("cluster-garbage-file", ("cluster", "{tmp}/garbage.fits", "-o", "{tmp}/s.ecsv"),
     "garbage.fits", garbage),
    ("cluster-output-is-input", ("cluster", "{tmp}/ramps.fits", "-o", "{tmp}/ramps.fits",
                                 "--overwrite"), "is the input file", ramps),
    ("cluster-output-exists", _CLU, r"s\.ecsv already exists.*--overwrite", existing),
    ("cluster-output-fits", ("cluster", "{tmp}/ramps.fits", "-o", "{tmp}/s.fits"),
     r"--output.*\.ecsv", ramps),
    ("cluster-sheet-doc", (*_CLU, "--sheet", "{tmp}/sheet.doc"), "--sheet", ramps),
    ("cluster-sheet-folder-missing", (*_CLU, "--sheet", "{tmp}/no/sheet.png"), "--sheet",
     ramps),
    ("cluster-seed-negative", (*_CLU, "--seed", "-1"), "--seed", ramps),
    ("cluster-seed-text", (*_CLU, "--seed", "lucky"), "--seed", ramps),
    ("cluster-components-zero", (*_CLU, "--components", "0"), "--components", ramps),
    ("cluster-max-components-negative", (*_CLU, "--max-components", "-3"),
     "--max-components", ramps),
    ("cluster-per-cluster-zero", (*_CLU, "--per-cluster", "0"), "--per-cluster", ramps),
    ("cluster-sheet-per-cluster-zero", (*_CLU, "--sheet-per-cluster", "0"),
     "--sheet-per-cluster", ramps),
    ("cluster-gain-zero", (*_CLU, "--gain", "0"), "--gain", ramps),
    ("cluster-group-time-nan", (*_CLU, "--group-time", "nan"), "--group-time", ramps),
    # ---------------------------------------------------------------- trend
    ("trend-one-file", ("trend", "{tmp}/rate_00.fits", "-o", "{tmp}/t.ecsv"),
     "two epochs", rates),
    ("trend-no-file-matches", ("trend", "{tmp}/none_*.fits", "-o", "{tmp}/t.ecsv"),
     "none_", None),
    ("trend-garbage-file", ("trend", "{tmp}/garbage.fits", "{tmp}/rate_00.fits", "-o",
                            "{tmp}/t.ecsv"), "garbage.fits",
     lambda tmp: (rates(tmp), garbage(tmp))),
    ("trend-output-is-input", ("trend", "{tmp}/rate_*.fits", "-o", "{tmp}/rate_00.fits",
                               "--overwrite"), "is the input file", rates),
    ("trend-output-exists", _TR, r"t\.ecsv already exists.*--overwrite", existing),
    ("trend-output-fits", ("trend", "{tmp}/rate_*.fits", "-o", "{tmp}/t.fits"),
     r"--output.*\.ecsv", rates),
    ("trend-fits-output-txt", (*_TR, "--fits-output", "{tmp}/f.txt"), "--fits-output",
     rates),
    ("trend-fits-output-is-output", (*_TR, "--fits-output", "{tmp}/t.ecsv"), "two outputs",
     rates),
    ("trend-plots-folder-missing", (*_TR, "--plots", "{tmp}/no/p"), "--plots", rates),
    ("trend-flags-on-rate-maps", (*_TR, "--flags", "HOT"), "--flags", rates),
    ("trend-thresholds-on-masks", (*_MASKS, "--convention", "bad", "--thresholds",
                                   "1 DN/s"), "--thresholds", masks),
    ("trend-flags-unknown", (*_MASKS, "--convention", "bad", "--flags", "NOPE"), "--flags",
     masks),
    ("trend-thresholds-text", (*_TR, "--thresholds", "many"), "--thresholds", rates),
    ("trend-thresholds-negative", (*_TR, "--thresholds", "-1,3 DN/s"), "--thresholds",
     rates),
    ("trend-thresholds-nan", (*_TR, "--thresholds", "nan DN/s"), "--thresholds", rates),
    ("trend-thresholds-metres", (*_TR, "--thresholds", "1,3 m"), "--thresholds", rates),
    ("trend-max-risk-one", (*_TR, "--max-risk", "1"), "--max-risk", rates),
    ("trend-max-risk-zero", (*_TR, "--max-risk", "0"), "--max-risk", rates),
    ("trend-max-risk-text", (*_TR, "--max-risk", "low"), "--max-risk", rates),
    ("trend-n-stamps-zero", (*_TR, "--n-stamps", "0"), "--n-stamps", rates),
    ("trend-n-stamps-fraction", (*_TR, "--n-stamps", "1.5"), "--n-stamps", rates),
    ("trend-stamp-text", (*_TR, "--stamp", "big"), "--stamp", rates),
    ("trend-stamp-zero", (*_TR, "--stamp", "0x32"), "--stamp", rates),
    ("trend-gain-negative", (*_TR, "--gain", "-2"), "--gain", rates),
    ("trend-unit-unknown", (*_TR, "--unit", "bananas"), "--unit", rates),
    ("trend-dates-one-for-four", (*_TR, "--dates", "2024-01-01"), "--dates", rates),
    ("trend-dates-not-dates", (*_TR, "--dates", "a", "b", "c", "d"), "--dates|'a'", rates),
    ("trend-two-layouts", (*_MASKS, "--convention", "bad", "--bad-value", "1"),
     "--convention", masks),
    ("trend-bit-map-bad", (*_MASKS, "--bit-map", "one=HOT"), "--bit-map", masks),
    ("trend-file-convention-bad", (*_MASKS, "--file-convention", "*", "maybe"),
     "--file-convention", masks),
    ("trend-masks-need-a-layout", _MASKS, "--convention", masks),
    ("trend-steps-not-dates", (*_TR, "--steps", "sometime"), "--steps|sometime", rates),
    # ---------------------------------------------------------------- info
    ("info-missing-file", ("info", "{tmp}/nope.fits"), "nope.fits", None),
    ("info-garbage-file", ("info", "{tmp}/garbage.fits"), "garbage.fits", garbage),
    ("info-foreign-mask-needs-a-layout", ("info", "{tmp}/mask_20240101.fits"),
     "--convention", masks),
    ("info-two-layouts", ("info", "{tmp}/mask_20240101.fits", "--convention", "bad",
                          "--bit-map", "1=HOT"), "--convention", masks),
    ("info-bit-map-bad", ("info", "{tmp}/mask_20240101.fits", "--bit-map", "HOT"),
     "--bit-map", masks),
    ("info-convention-unknown", ("info", "{tmp}/mask_20240101.fits", "--convention",
                                 "odd"), "--convention", masks),
    ("info-bad-value-text", ("info", "{tmp}/mask_20240101.fits", "--bad-value", "one"),
     "--bad-value", masks),
    # ---------------------------------------------------------------- demo
    ("demo-out-is-a-file", ("demo", "--out", "{tmp}/afile", "--no-progress"),
     "afile is a file, not a folder", demo_file),
    ("demo-out-under-a-file", ("demo", "--out", "{tmp}/afile/sub", "--no-progress"),
     "not a folder", demo_file),
    ("demo-earlier-run", ("demo", "--out", "{tmp}/d", "--no-progress"),
     "hot_pixels.fits already exists.*--overwrite", demo_earlier_run),
    ("demo-seed-negative", ("demo", "--out", "{tmp}/d", "--seed", "-1"), "--seed", None),
    ("demo-seed-text", ("demo", "--out", "{tmp}/d", "--seed", "x"), "--seed", None),
    ("demo-size-too-small", ("demo", "--out", "{tmp}/d", "--size", "8"), "--size", None),
    ("demo-size-text", ("demo", "--out", "{tmp}/d", "--size", "big"), "--size", None),
    # ---------------------------------------------------------------- no command
    ("unknown-command", ("bake", "{tmp}/x"), "bake", None),
]

CASES = [CliCase(f"cli-{name}", tuple(argv), match, setup)
         for name, argv, match, setup in _TABLE]
