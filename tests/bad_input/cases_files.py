"""Bad files given to every reader, bad DQ_DEF and TIMES tables, bad output paths (issue 9, 4).

A file that cannot be used raises ``FITSFileError`` (both an `OSError` and a `ValueError`)
naming the file and why; a missing one `FileNotFoundError`; the match of every case
names the file (or the parameter).
"""

import functools
import gzip

import numpy as np
from _bad_input__cases import Case
from astropy import units as u
from astropy.io import fits

from ccdbadpix import (
    DQMask,
    RampClassifier,
    classify_ramps,
    find_hot_pixels,
    measure_dark_current,
    ramp_features,
    trend_hot_pixels,
)
from ccdbadpix.dq.flags import DQ
from ccdbadpix.simulate import simulate_hot_pixel_series
from ccdbadpix.utils._files import FITSFileError

_RNG_SEED = 9


# ------------------------------------------------------------------- the bad files
def _image_bytes():
    hdul = fits.HDUList([fits.PrimaryHDU(np.ones((64, 64), np.float32)),
                         fits.ImageHDU(np.ones((8, 8), np.float32), name="EXTRA")])
    hdul[0].header["BUNIT"] = "adu"
    import io

    buffer = io.BytesIO()
    hdul.writeto(buffer)
    return buffer.getvalue()


def _write(tmp, name, data):
    path = tmp / name
    path.write_bytes(data)
    return path


def _empty(tmp):
    return _write(tmp, "empty.fits", b"")


def _text(tmp):
    return _write(tmp, "notes.fits", b"exposure 1: 100 s\nexposure 2: 300 s\n" * 20)


def _garbage(tmp):
    return _write(tmp, "garbage.fits", np.random.default_rng(_RNG_SEED).bytes(6000))


def _cut_data(tmp):  # the header is complete, the image stops part way
    return _write(tmp, "cutdata.fits", _image_bytes()[:2880 + 5000])


def _cut_header(tmp):  # the second HDU's header stops part way
    whole = _image_bytes()
    return _write(tmp, "cuthead.fits", whole[:2880 + 17280 + 100])  # 100 bytes of EXTRA


def _bad_header(tmp):  # SIMPLE, then no END card
    card = b"SIMPLE  =                    T".ljust(80)
    junk = np.random.default_rng(_RNG_SEED).integers(65, 90, 2800, dtype=np.uint8).tobytes()
    return _write(tmp, "noend.fits", card + junk)


def _directory(tmp):
    path = tmp / "folder.fits"
    path.mkdir()
    return path


def _missing(tmp):
    return tmp / "missing.fits"


def _cut_gzip(tmp):  # the end of the stream is missing: astropy alone reads it
    packed = gzip.compress(_image_bytes())
    return _write(tmp, "cut.fits.gz", packed[:len(packed) - 12])


def _table_only(tmp):
    path = tmp / "table.fits"
    column = fits.Column(name="A", format="J", array=np.arange(3))
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns([column])]).writeto(path)
    return path


def _header_only(tmp):
    path = tmp / "header.fits"
    fits.PrimaryHDU().writeto(path)
    return path


_FILES = [
    ("empty", _empty, FITSFileError, r"empty\.fits.*empty"),
    ("text", _text, FITSFileError, r"notes\.fits.*not a FITS file"),
    ("garbage", _garbage, FITSFileError, r"garbage\.fits.*not a FITS file"),
    ("cut-data", _cut_data, FITSFileError, r"cutdata\.fits.*truncated"),
    ("cut-header", _cut_header, FITSFileError, r"cuthead\.fits.*truncated"),
    ("no-end", _bad_header, FITSFileError, r"noend\.fits.*corrupt"),
    ("directory", _directory, FITSFileError, r"folder\.fits.*directory"),
    ("missing", _missing, FileNotFoundError, r"no file at .*missing\.fits"),
    ("cut-gzip", _cut_gzip, FITSFileError, r"cut\.fits\.gz.*truncated"),
    ("table-only", _table_only, FITSFileError, r"table\.fits.*no .*image"),
    ("header-only", _header_only, FITSFileError, r"header\.fits.*no .*image"),
]

_READERS = [
    ("mask-read", lambda p: DQMask.read(p)),
    ("mask-read-bad", lambda p: DQMask.read(p, convention="bad", checksum="ignore")),
    ("find-hot", lambda p: find_hot_pixels(p, exposure_time=100 * u.s)),
    ("measure-dark", lambda p: measure_dark_current(p, exposure_time=100 * u.s)),
    ("classify", lambda p: classify_ramps(p, group_time=10.0)),
    ("features", lambda p: ramp_features(p, group_time=10.0)),
    ("trend", lambda p: trend_hot_pixels([p, p], progress=False)),
]


def _file_case(reader, call, kind, make, exc, match):
    return Case(f"files-{reader}-{kind}", lambda tmp: call(make(tmp)), exc, match)


CASES = [_file_case(reader, call, *bad) for reader, call in _READERS for bad in _FILES]


# A bad file second in a list of good ones: the message names the bad one
def _good_dark(tmp, name="good.fits", exptime=100.0):
    path = tmp / name
    header = fits.Header({"BUNIT": "adu", "EXPTIME": exptime, "DATE-OBS": "2024-01-01"})
    fits.PrimaryHDU(np.full((16, 16), 10.0, np.float32), header=header).writeto(path)
    return path


CASES += [
    Case("files-find-hot-second-garbage",
         lambda tmp: find_hot_pixels([_good_dark(tmp), _garbage(tmp)]), FITSFileError,
         r"darks\[1\].*garbage\.fits"),
    Case("files-measure-dark-second-empty",
         lambda tmp: measure_dark_current([_good_dark(tmp), _empty(tmp)]), FITSFileError,
         r"darks\[1\].*empty\.fits"),
    Case("files-trend-second-text",
         lambda tmp: trend_hot_pixels([_good_dark(tmp), _text(tmp)], progress=False),
         FITSFileError, r"darks\[1\].*notes\.fits"),
]


# ----------------------------------------------------------------- masks: checksums
def _mask_file(tmp, name="mask.fits", **keywords):
    dq = np.zeros((6, 5), np.uint32)
    dq[1, 2] = DQ.HOT
    return DQMask(dq).write(tmp / name, **keywords)


def _flipped(tmp):
    good = _mask_file(tmp)
    with fits.open(good) as hdul:
        start = hdul[0].fileinfo()["datLoc"]
    raw = bytearray(good.read_bytes())
    raw[start + 11] ^= 0x04
    path = tmp / "flipped.fits"
    path.write_bytes(bytes(raw))
    return path


CASES += [
    Case("files-checksum-flip", lambda tmp: DQMask.read(_flipped(tmp)), FITSFileError,
         r"flipped\.fits.*Datasum"),
    Case("files-checksum-flip-error", lambda tmp: DQMask.read(_flipped(tmp), checksum="error"),
         OSError, r"flipped\.fits.*checksum='warn'"),
    Case("files-checksum-flip-trend",
         lambda tmp: trend_hot_pixels([_flipped(tmp), _mask_file(tmp, "b.fits")],
                                      times=["2024-01-01", "2024-02-01"], progress=False),
         FITSFileError, r"flipped\.fits"),
    Case("files-checksum-option-strict",
         lambda tmp: DQMask.read(_mask_file(tmp), checksum="strict"), ValueError, "checksum"),
    Case("files-checksum-option-true",
         lambda tmp: DQMask.read(_mask_file(tmp), checksum=True), ValueError, "checksum"),
    Case("files-checksum-option-none",
         lambda tmp: DQMask.read(_mask_file(tmp), checksum=None), ValueError, "checksum"),
    Case("files-checksum-option-upper",
         lambda tmp: DQMask.read(_mask_file(tmp), checksum="ERROR"), ValueError, "checksum"),
]


# ------------------------------------------------------------------ masks: DQ_DEF
def _with_dq_def(tmp, dq_def, name="def.fits", dq=None):
    dq = np.array([[0, 1], [2, 3]], np.uint32) if dq is None else dq
    path = tmp / name
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(dq, name="DQ"), dq_def]).writeto(path)
    return path


def _table(name="DQ_DEF", **columns):
    formats = {"i": "J", "f": "D", "U": "20A", "S": "20A"}
    cols = []
    for key, values in columns.items():
        array = np.asarray(values)
        fmt = "K" if array.dtype == np.int64 else formats[array.dtype.kind]
        cols.append(fits.Column(name=key, format=fmt, array=array))
    return fits.BinTableHDU.from_columns(cols, name=name)


CASES += [
    Case("files-dq-def-image",
         lambda tmp: DQMask.read(_with_dq_def(tmp, fits.ImageHDU(np.arange(3), name="DQ_DEF"))),
         FITSFileError, r"def\.fits.*DQ_DEF.*image"),
    Case("files-dq-def-no-name",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=np.array([1, 2], np.int32)))),
         FITSFileError, r"def\.fits.*DQ_DEF.*NAME"),
    Case("files-dq-def-no-value",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(NAME=["HOT", "WARM"]))),
         FITSFileError, r"def\.fits.*DQ_DEF.*VALUE"),
    Case("files-dq-def-string-value",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=["one", "two"],
                                                          NAME=["HOT", "WARM"]))),
         FITSFileError, r"def\.fits.*DQ_DEF VALUE"),
    Case("files-dq-def-nan-value",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=[1.0, np.nan],
                                                          NAME=["HOT", "WARM"]))),
         FITSFileError, r"def\.fits.*DQ_DEF VALUE of 'WARM'"),
    Case("files-dq-def-fraction-value",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=[1.0, 2.5],
                                                          NAME=["HOT", "WARM"]))),
         FITSFileError, r"def\.fits.*DQ_DEF VALUE of 'WARM'"),
    Case("files-dq-def-huge-value",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=np.array([1, 2**40]),
                                                          NAME=["HOT", "WARM"]))),
         FITSFileError, r"def\.fits.*DQ_DEF VALUE of 'WARM'.*uint32"),
    Case("files-dq-def-negative-int64",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=np.array([1, -4]),
                                                          NAME=["HOT", "WARM"]))),
         FITSFileError, r"def\.fits.*DQ_DEF VALUE of 'WARM'.*uint32"),
    Case("files-dq-extension-3d",
         lambda tmp: DQMask.read(_with_dq_def(tmp, _table(VALUE=np.array([1], np.int32),
                                                          NAME=["DO_NOT_USE"]),
                                              dq=np.zeros((2, 3, 3), np.uint32))),
         FITSFileError, r"def\.fits.*DQ extension.*2-D"),
    Case("files-mask-hdu-missing",
         lambda tmp: DQMask.read(_mask_file(tmp), hdu="SCI"), ValueError, r"hdu 'SCI'"),
    Case("files-mask-hdu-index",
         lambda tmp: DQMask.read(_mask_file(tmp), hdu=7), ValueError, r"hdu 7.*mask\.fits"),
    Case("files-mask-hdu-table",
         lambda tmp: DQMask.read(_mask_file(tmp), hdu="DQ_DEF"), ValueError,
         r"hdu 'DQ_DEF'.*not a 2-D image"),
]


# ---------------------------------------------------------------- ramps: TIMES
def _ramp_file(tmp, times_hdu):
    cube = np.cumsum(np.ones((5, 4, 4), np.float32), axis=0)
    path = tmp / "ramps.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(cube, name="SCI"), times_hdu]).writeto(path)
    return path


CASES += [
    Case("files-times-no-time-column",
         lambda tmp: classify_ramps(_ramp_file(tmp, _table("TIMES", T=np.arange(1.0, 6.0)))),
         FITSFileError, r"ramps\.fits.*no TIME column"),
    Case("files-times-no-time-column-features",
         lambda tmp: ramp_features(_ramp_file(tmp, _table("TIMES", GROUP=np.arange(5)))),
         FITSFileError, r"ramps\.fits.*no TIME column.*GROUP"),
    Case("files-times-image",
         lambda tmp: ramp_features(_ramp_file(tmp, fits.ImageHDU(np.arange(5.0),
                                                                 name="TIMES"))),
         FITSFileError, r"ramps\.fits.*TIMES extension is an image"),
    Case("files-times-strings",
         lambda tmp: ramp_features(_ramp_file(tmp, _table("TIMES", TIME=list("abcde")))),
         FITSFileError, r"ramps\.fits.*TIME column.*numbers"),
    Case("files-ramps-sci-2d",
         lambda tmp: ramp_features(_good_dark(tmp, "flat.fits")), FITSFileError,
         r"flat\.fits.*no 3-D or 4-D image"),
]


# ------------------------------------------------------------------ output paths
@functools.cache
def _model():
    x = np.arange(40.0).reshape(20, 2)
    return RampClassifier(3, random_state=0, feature_names=("u", "v")).fit(
        x, ["a"] * 10 + ["b"] * 10)


@functools.cache
def _trend():
    sim = simulate_hot_pixel_series((16, 16), 4, new_per_month=2, initial_hot=4,
                                    intermittent=0, seed=_RNG_SEED)
    return trend_hot_pixels(sim.frames, progress=False)


def _folder(tmp):
    path = tmp / "outdir"
    path.mkdir()
    return path


_SMALL = DQMask(np.zeros((2, 2), np.uint32))
_JWST = dict(format="jwst", instrument="NIRSPEC", detector="NRS1", useafter="2024-01-01")
_WRITERS = [
    ("mask-fits", lambda p, ow: _SMALL.write(p, overwrite=ow)),
    ("mask-jwst", lambda p, ow: _SMALL.write(p, overwrite=ow, **_JWST)),
    ("model-save", lambda p, ow: _model().save(p, overwrite=ow)),
    ("trend-write", lambda p, ow: _trend().write(p, overwrite=ow)),
]

for _name, _writer in _WRITERS:
    CASES += [
        Case(f"files-{_name}-to-directory",
             lambda tmp, w=_writer: w(_folder(tmp), True), IsADirectoryError,
             r"outdir is a directory"),
        Case(f"files-{_name}-to-directory-no-overwrite",
             lambda tmp, w=_writer: w(_folder(tmp), False), OSError, r"outdir"),
        Case(f"files-{_name}-missing-folder",
             lambda tmp, w=_writer: w(tmp / "nowhere" / "out.fits", False), FileNotFoundError,
             r"directory .*nowhere does not exist"),
        Case(f"files-{_name}-exists",
             lambda tmp, w=_writer: w(_empty(tmp), False), FileExistsError,
             r"empty\.fits already exists.*overwrite=True"),
    ]

CASES += [
    Case("files-jwst-no-useafter",
         lambda tmp: _SMALL.write(tmp / "m.fits", format="jwst", instrument="NIRSPEC",
                                  detector="NRS1"), ValueError, "useafter"),
    Case("files-jwst-bad-date-obs",
         lambda tmp: DQMask(_SMALL.data, meta={"DATE-OBS": "someday"}).write(
             tmp / "m.fits", format="jwst", instrument="NIRSPEC", detector="NRS1"),
         ValueError, "DATE-OBS"),
    Case("files-jwst-bad-header-useafter",
         lambda tmp: DQMask(_SMALL.data, meta={"USEAFTER": "2024-13-45"}).write(
             tmp / "m.fits", format="jwst", instrument="NIRSPEC", detector="NRS1"),
         ValueError, "USEAFTER"),
    Case("files-jwst-nan-keyword",
         lambda tmp: _SMALL.write(tmp / "m.fits", exptime=float("nan")), ValueError,
         "exptime"),
]
