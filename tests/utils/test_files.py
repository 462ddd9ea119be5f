"""Files: permissions, temporary files, checksums, foreign DQ_DEF tables, bad FITS files."""

import os
import stat
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix import DQ, DQMask, ramp_features, trend_hot_pixels
from ccdbadpix.dq._io import check_jwst_keywords
from ccdbadpix.ramps.forest import RampClassifier
from ccdbadpix.simulate import simulate_hot_pixel_series
from ccdbadpix.utils._files import (
    _STALE_ANY_SECONDS,
    _STALE_DEAD_SECONDS,
    FITSFileError,
    _atomic_write,
    _host_tag,
    _remove_stale_temporaries,
    _umask,
)

JWST = dict(format="jwst", instrument="NIRSPEC", detector="NRS1", useafter="2024-01-01")


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.fixture(scope="module")
def small_mask():
    dq = np.zeros((6, 5), dtype=np.uint32)
    dq[1, 2] = DQ.HOT | DQ.DO_NOT_USE
    dq[4, 0] = DQ.WARM
    return DQMask(dq)


def _write_bytes(tmp):
    with open(tmp, "wb") as fh:
        fh.write(b"payload")


def _writers(small_mask):
    x = np.arange(40.0).reshape(20, 2)
    model = RampClassifier(3, random_state=0, feature_names=("u", "v")).fit(
        x, ["a"] * 10 + ["b"] * 10)
    sim = simulate_hot_pixel_series((32, 32), 6, new_per_month=5, initial_hot=10,
                                    intermittent=0, seed=3)
    trend = trend_hot_pixels(sim.frames, progress=False)
    return {
        "atomic_write": lambda p, ow: _atomic_write(p, _write_bytes, overwrite=ow),
        "mask_fits": lambda p, ow: small_mask.write(p, overwrite=ow),
        "mask_jwst": lambda p, ow: small_mask.write(p, overwrite=ow, **JWST),
        "model_save": lambda p, ow: model.save(p, overwrite=ow),
        "trend_write": lambda p, ow: trend.write(p, overwrite=ow),
    }


_SUFFIX = {"model_save": ".npz", "trend_write": ".ecsv"}


@pytest.fixture(scope="module")
def writers(small_mask):
    return _writers(small_mask)


# ------------------------------------------------------------------------ permissions
@pytest.mark.parametrize("mask_bits", [0o022, 0o077, 0o002])
@pytest.mark.parametrize("writer", ["atomic_write", "mask_fits", "mask_jwst", "model_save",
                                    "trend_write"])
def test_new_files_get_the_umask_permissions(writers, writer, mask_bits, umask, tmp_path):
    path = tmp_path / f"out{_SUFFIX.get(writer, '.fits')}"
    umask(mask_bits)
    writers[writer](path, False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask_bits
    # what open() gives, for comparison
    with open(tmp_path / "plain", "w"):
        pass
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o666 & ~mask_bits
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "plain"])


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640])
@pytest.mark.parametrize("writer", ["atomic_write", "mask_fits", "mask_jwst", "model_save",
                                    "trend_write"])
def test_overwritten_files_keep_their_mode(writers, writer, mode, umask, tmp_path):
    path = tmp_path / f"out{_SUFFIX.get(writer, '.fits')}"
    path.write_bytes(b"old")
    os.chmod(path, mode)
    umask(0o077)  # the umask does not apply to a file that already exists
    writers[writer](path, True)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert path.read_bytes() != b"old"


@pytest.mark.parametrize("status_file", ["/proc/self/status", "/nonexistent/status"])
def test_umask_is_read_without_being_changed(status_file, umask):
    for bits in (0o027, 0o002):
        umask(bits)
        assert _umask(status_file) == bits  # /proc, or setting and restoring it
        assert os.umask(bits) == bits  # still in place


def test_refuses_directory_and_missing_folder_as_output(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        _atomic_write(tmp_path, _write_bytes, overwrite=True)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        _atomic_write(tmp_path / "nowhere" / "x.fits", _write_bytes)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ temporary files
def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _plant(folder, name, age):
    path = folder / name
    path.write_bytes(b"partial")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_temporary_files_are_named_as_ours(tmp_path):
    seen = []

    def write(tmp):
        seen.append(os.path.basename(tmp))
        _write_bytes(tmp)

    _atomic_write(tmp_path / "mask.fits", write)
    assert seen[0].startswith(f".mask.fits.ccdbadpix-{_host_tag()}-{os.getpid()}-")
    assert seen[0].endswith(".tmp")
    assert [p.name for p in tmp_path.iterdir()] == ["mask.fits"]


def test_stale_temporaries_are_removed_and_others_kept(tmp_path):
    host, dead, old = _host_tag(), _dead_pid(), _STALE_DEAD_SECONDS + 60
    stale = [
        _plant(tmp_path, f".a.fits.ccdbadpix-{host}-{dead}-abc123.tmp", old),
        _plant(tmp_path, f".b.fits.ccdbadpix-otherhost-{os.getpid()}-x_y.tmp",
               _STALE_ANY_SECONDS + 60),  # another host, but untouched for a day
        _plant(tmp_path, f".c.npz.ccdbadpix-{host}-{os.getppid()}-abc.tmp",
               _STALE_ANY_SECONDS + 60),  # a running pid, untouched for a day
    ]
    kept = [
        _plant(tmp_path, f".d.fits.ccdbadpix-{host}-{dead}-abc.tmp", 1),  # just written
        _plant(tmp_path, f".e.fits.ccdbadpix-{host}-{os.getppid()}-abc.tmp", old),  # alive
        _plant(tmp_path, f".f.fits.ccdbadpix-otherhost-{dead}-abc.tmp", old),  # elsewhere
        _plant(tmp_path, f".g.fits.ccdbadpix-{host}-{os.getpid()}-abc.tmp",
               _STALE_ANY_SECONDS + 60),  # this process: maybe another thread writing
        _plant(tmp_path, ".h.fits.abcd1234.tmp", _STALE_ANY_SECONDS + 60),  # not ours
        _plant(tmp_path, "notes.ccdbadpix-1-a.tmp", _STALE_ANY_SECONDS + 60),  # not hidden
        _plant(tmp_path, f".i.fits.ccdbadpix-{host}-{dead}-abc.tmp.keep", old),
    ]
    (tmp_path / f".j.fits.ccdbadpix-{host}-{dead}-abc.tmp").mkdir()  # not a file
    _atomic_write(tmp_path / "out.fits", _write_bytes)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)
    assert (tmp_path / "out.fits").read_bytes() == b"payload"


def test_concurrent_writers_in_one_folder_do_not_remove_each_others_files(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    def slow(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"a")
            fh.flush()
            then = time.time() - _STALE_ANY_SECONDS - 60  # looks abandoned, but is ours
            os.utime(tmp, (then, then))
            time.sleep(0.05)
            fh.write(b"b")

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda i: _atomic_write(tmp_path / f"f{i}.bin", slow),
                              range(16)))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert all(p.read_bytes() == b"ab" for p in paths)


def test_a_killed_write_leaves_a_temporary_that_a_later_write_removes(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from ccdbadpix.utils._files import _atomic_write
        def write(tmp):
            with open(tmp, "wb") as fh:
                fh.write(b"x" * 100000)
                fh.flush()
                print("writing", flush=True)
                time.sleep(60)
        _atomic_write({str(tmp_path / 'big.fits')!r}, write)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"writing"
        left = [p for p in tmp_path.iterdir()]
        assert len(left) == 1 and f"-{proc.pid}-" in left[0].name
        # while the writer lives, its file is never touched, however old
        then = time.time() - _STALE_ANY_SECONDS / 2
        os.utime(left[0], (then, then))
        assert _remove_stale_temporaries(tmp_path) == []
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert left[0].exists() and not (tmp_path / "big.fits").exists()
    DQMask([[0, 1]]).write(tmp_path / "next.fits")
    assert [p.name for p in tmp_path.iterdir()] == ["next.fits"]


# -------------------------------------------------------------------------- checksums
def _flip_data_byte(src, dst, hdu=0, offset=100):
    with fits.open(src) as hdul:
        start = hdul[hdu].fileinfo()["datLoc"]
    raw = bytearray(src.read_bytes())
    raw[start + offset] ^= 0x01
    dst.write_bytes(bytes(raw))


def test_checksum_mismatch_is_an_error_by_default(small_mask, tmp_path):
    good = small_mask.write(tmp_path / "mask.fits")
    bad = tmp_path / "flipped.fits"
    _flip_data_byte(good, bad, offset=4 * 2 + 3)  # the low byte of pixel (0, 2)
    with pytest.raises(OSError, match=r"flipped\.fits.*(Checksum|Datasum)"):
        DQMask.read(bad)
    with pytest.warns(AstropyUserWarning, match=r"flipped\.fits.*Datasum"):
        read = DQMask.read(bad, checksum="warn")
    assert read.data[0, 2] == DQ.DO_NOT_USE  # the flipped bit, a flag added silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DQMask.read(bad, checksum="ignore") == read
        assert DQMask.read(good) == small_mask  # a good file reads without a word


def test_checksum_mismatch_in_a_jwst_mask_and_in_a_header(small_mask, tmp_path):
    good = small_mask.write(tmp_path / "mask.fits", **JWST)
    bad = tmp_path / "flipped.fits"
    _flip_data_byte(good, bad, hdu="DQ", offset=7)
    with pytest.raises(FITSFileError, match=r"flipped\.fits.*'DQ'"):
        DQMask.read(bad)
    raw = good.read_bytes().replace(b"AUTHOR  = 'ccdbadpix'", b"AUTHOR  = 'ccdbadpiX'")
    bad.write_bytes(raw)
    with pytest.raises(ValueError, match=r"flipped\.fits.*Checksum"):
        DQMask.read(bad)
    # files without CHECKSUM are read as they are
    fits.writeto(tmp_path / "plain.fits", small_mask.data)
    assert DQMask.read(tmp_path / "plain.fits", convention="dq") == small_mask


# -------------------------------------------------------------------- DQ_DEF tables
def test_official_nircam_mask_keeps_both_names_of_a_shared_value(shared_data):
    path = shared_data / "nircam_official_mask" / "jwst_nircam_mask_ref.fits.gz"
    raw = fits.getdata(path, "DQ")
    with pytest.warns(AstropyUserWarning) as record:
        mask = DQMask.read(path)
    messages = " | ".join(str(w.message) for w in record)
    assert "WEIRD=16384" in messages and "NOISY=8192" in messages
    assert "value bits 0x10c00" in messages  # 1024, 2048, 65536: not in its DQ_DEF
    rc = (raw & 16384) != 0
    assert int(rc.sum()) == 92401
    assert mask.counts()["RC"] == 92401
    np.testing.assert_array_equal(mask.to_boolean(flags="RC"), rc)
    # WEIRD, which has no JWST name, is kept as OTHER_BAD_PIXEL on the same pixels
    assert mask.to_boolean(flags="OTHER_BAD_PIXEL")[rc].all()
    np.testing.assert_array_equal(mask.to_boolean(flags="DO_NOT_USE"), (raw & 1) != 0)
    np.testing.assert_array_equal(mask.to_boolean(flags="REFERENCE_PIXEL"), (raw & 2) != 0)


def _mask_file(path, dq, dq_def):
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(dq, name="DQ"), dq_def]).writeto(path)
    return path


def test_dq_def_signed_reference_pixel_value(tmp_path):
    dq = np.array([[0, 1], [2**31, 2**31 + 4]], dtype=np.uint32)
    table = fits.BinTableHDU.from_columns([
        fits.Column(name="BIT", format="J", array=np.array([0, 31, 2], np.int32)),
        fits.Column(name="VALUE", format="J",
                    array=np.array([1, -2147483648, 4], np.int32)),  # no BZERO: signed
        fits.Column(name="NAME", format="20A", array=["DO_NOT_USE", "REFERENCE_PIXEL",
                                                      "DEAD"]),
    ], name="DQ_DEF")
    mask = DQMask.read(_mask_file(tmp_path / "signed.fits", dq, table))
    assert mask.data.tolist() == [[0, DQ.DO_NOT_USE],
                                  [DQ.REFERENCE_PIXEL, DQ.REFERENCE_PIXEL | DQ.DEAD]]


def test_dq_def_duplicate_names_in_a_small_table(tmp_path):
    dq = np.array([[0, 8], [16, 24]], dtype=np.uint32)
    table = fits.BinTableHDU.from_columns([
        fits.Column(name="VALUE", format="J", array=np.array([8, 8, 16], np.int32)),
        fits.Column(name="NAME", format="20A", array=["HOT", "WARM", "TELEGRAPH"]),
    ], name="DQ_DEF")
    mask = DQMask.read(_mask_file(tmp_path / "dup.fits", dq, table))
    assert mask.data.tolist() == [[0, DQ.HOT | DQ.WARM],
                                  [DQ.TELEGRAPH, DQ.HOT | DQ.WARM | DQ.TELEGRAPH]]
    # the same in a bit map given by hand: every name keeps its flag
    with pytest.warns(AstropyUserWarning, match="BOGUS=8"):
        by_hand = DQMask.from_array(dq, bit_map={8: ["HOT", "BOGUS"], 16: "TELEGRAPH"})
    assert by_hand.data[0, 1] == DQ.HOT | DQ.OTHER_BAD_PIXEL


def test_dq_def_as_an_image_is_a_clear_error(tmp_path):
    path = _mask_file(tmp_path / "imgdef.fits", np.zeros((2, 2), np.uint32),
                      fits.ImageHDU(np.arange(4, dtype=np.int32), name="DQ_DEF"))
    with pytest.raises(FITSFileError, match=r"imgdef\.fits.*DQ_DEF.*image"):
        DQMask.read(path)
    # a convention that does not use the DQ_DEF reads the image
    assert DQMask.read(path, convention="bad").counts() == {}


def _ramp_file(path, times_hdu):
    cube = np.cumsum(np.ones((5, 4, 4), np.float32), axis=0)
    hdus = [fits.PrimaryHDU(), fits.ImageHDU(cube, name="SCI")]
    if times_hdu is not None:
        hdus.append(times_hdu)
    fits.HDUList(hdus).writeto(path)
    return path


def test_ramp_times_table_without_time_column(tmp_path):
    table = fits.BinTableHDU.from_columns(
        [fits.Column(name="T", format="D", array=np.arange(1.0, 6.0))], name="TIMES")
    path = _ramp_file(tmp_path / "ramps.fits", table)
    with pytest.raises(FITSFileError, match=r"ramps\.fits.*TIMES.*no TIME column.*\bT\b"):
        ramp_features(path)
    good = fits.BinTableHDU.from_columns(
        [fits.Column(name="time", format="D", array=np.arange(2.0, 12.0, 2.0))], name="TIMES")
    features = ramp_features(_ramp_file(tmp_path / "good.fits", good), gain=1.0,
                             read_noise=5.0)
    assert features.times.to_value("s").tolist() == [2.0, 4.0, 6.0, 8.0, 10.0]  # found


# ------------------------------------------------------------------ JWST USEAFTER
def test_jwst_useafter_from_the_header(small_mask, tmp_path):
    keywords = dict(format="jwst", instrument="NIRSPEC", detector="NRS1")
    cases = [({"USEAFTER": "2023-05-06"}, "2023-05-06T00:00:00"),
             ({"DATE-OBS": "2024-02-03", "TIME-OBS": "04:05:06.789"}, "2024-02-03T04:05:06"),
             ({"DATE-OBS": "2024-02-03T07:08:09"}, "2024-02-03T07:08:09"),
             ({"USEAFTER": "2021-01-01", "DATE-OBS": "2024-02-03"}, "2021-01-01T00:00:00")]
    for i, (meta, expected) in enumerate(cases):
        path = DQMask(small_mask.data, meta=meta).write(tmp_path / f"m{i}.fits", **keywords)
        assert fits.getval(path, "USEAFTER") == expected
        assert check_jwst_keywords(meta, **keywords)["USEAFTER"] == expected
    # the keyword wins over the header; None is "not given"
    path = DQMask(small_mask.data, meta=cases[0][0]).write(
        tmp_path / "given.fits", useafter="2025-01-01", **keywords)
    assert fits.getval(path, "USEAFTER") == "2025-01-01T00:00:00"
    with pytest.raises(ValueError, match="useafter"):
        small_mask.write(tmp_path / "none.fits", useafter=None, **keywords)
    assert not (tmp_path / "none.fits").exists()


@pytest.mark.parametrize("meta, keywords, match", [
    ({}, dict(instrument="NIRSPEC", detector="NRS1"), "useafter"),
    ({}, dict(detector="NRS1", useafter="2024-01-01"), "INSTRUME"),
    ({}, dict(instrument="NIRSPEC", useafter="2024-01-01"), "DETECTOR"),
    ({}, dict(instrument="NIRSPEC", detector="NRS1", useafter="soon"), "useafter"),
    ({"DATE-OBS": "yesterday"}, dict(instrument="NIRSPEC", detector="NRS1"), "DATE-OBS"),
    ({"USEAFTER": "x"}, dict(instrument="NIRSPEC", detector="NRS1"), "USEAFTER"),
    ({}, dict(instrument="NIRSPEC", detector="NRS1", useafter="2024-01-01",
              pedigree="MAYBE"), "pedigree"),
    ({}, dict(instrument="NIRSPEC", detector="NRS1", useafter="2024-01-01",
              averylongname=1), "averylongname"),
    ({}, dict(instrument="NIRSPEC", detector="NRS1", useafter="2024-01-01",
              author=float("nan")), "author"),
])
def test_check_jwst_keywords_names_the_keyword(meta, keywords, match, small_mask, tmp_path):
    with pytest.raises(ValueError, match=match):
        check_jwst_keywords(meta, **keywords)
    with pytest.raises(ValueError, match=match):  # the same refusal as the writer's
        DQMask(small_mask.data, meta=meta).write(tmp_path / "x.fits", format="jwst",
                                                 **keywords)
    assert list(tmp_path.iterdir()) == []


def test_check_jwst_keywords_accepts_a_plain_dict_and_writes_nothing(tmp_path):
    header = check_jwst_keywords({"DATE-OBS": "2024-02-03", "EXPTIME": 10.0},
                                 instrument="NIRCAM", detector="NRCA1", useafter=None)
    assert header["INSTRUME"] == "NIRCAM" and header["USEAFTER"] == "2024-02-03T00:00:00"
    assert header["PEDIGREE"] == "GROUND"


# ------------------------------------------------------------------ unreadable files
def test_unreadable_file_error_is_both_oserror_and_valueerror(tmp_path):
    path = tmp_path / "empty.fits"
    path.write_bytes(b"")
    with pytest.raises(FITSFileError) as info:
        DQMask.read(path)
    assert isinstance(info.value, OSError) and isinstance(info.value, ValueError)
    assert str(path) in str(info.value) and "empty" in str(info.value)


def test_compressed_masks_read_and_truncated_ones_refused(small_mask, tmp_path):
    import gzip

    raw = small_mask.write(tmp_path / "mask.fits").read_bytes()
    (tmp_path / "mask.fits.gz").write_bytes(gzip.compress(raw))
    assert DQMask.read(tmp_path / "mask.fits.gz") == small_mask
    (tmp_path / "cut.fits.gz").write_bytes(gzip.compress(raw)[:300])
    with pytest.raises(FITSFileError, match=r"cut\.fits\.gz.*truncated"):
        DQMask.read(tmp_path / "cut.fits.gz")
