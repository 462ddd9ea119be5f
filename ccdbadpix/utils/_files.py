"""Files: reading FITS inputs with clear errors, atomic writes with the user's permissions,
FITS-safe header strings."""

import os
import re
import socket
import stat
import tempfile
import threading
import time
import warnings
from pathlib import Path

__all__ = []


class FITSFileError(OSError, ValueError):
    """A file that cannot be read as the FITS input it should be; the message names it.

    Both an `OSError` (the file is unreadable: not FITS, empty, truncated, corrupt) and a
    `ValueError` (its content is not what the reader needs), like `io.UnsupportedOperation`,
    so code catching either sees it.
    """


_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"PK\x03\x04")  # gzip, bzip2, zip: astropy reads
_CHECKSUM_CHOICES = ("error", "warn", "ignore")


def _fits_error(path, what, why):
    """A `FITSFileError` saying that ``what`` (e.g. ``darks[0]``), file ``path``, is bad."""
    return FITSFileError(f"{what + ': ' if what else ''}cannot read {path}: {why}")


def _check_checksum_option(checksum):
    if not isinstance(checksum, str) or checksum not in _CHECKSUM_CHOICES:
        raise ValueError(f"checksum must be 'error', 'warn' or 'ignore', got {checksum!r}")


def _decompressed_size(path, head):
    """Bytes of a gzip, bzip2 or zip file once decompressed; reading it to the end checks it.

    Raises `OSError`, `EOFError` or `zipfile.BadZipFile` when it is truncated or damaged.
    """
    import bz2
    import gzip
    import zipfile

    if head.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            if damaged is not None:
                raise OSError(f"{damaged} in the archive is damaged")
            return archive.infolist()[0].file_size  # astropy reads the first member
    size = 0
    with (gzip.open if head.startswith(b"\x1f\x8b") else bz2.open)(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            size += len(chunk)
    return size


def _check_fits_layout(hdul, path, what, size, trailing=True):
    """Raise when the headers announce more bytes than the (decompressed) file holds."""
    end = 0
    for index, hdu in enumerate(hdul):
        info = hdu.fileinfo()
        if info["datLoc"] + info["datSpan"] > size:
            raise _fits_error(path, what, f"truncated: HDU {index} ({hdu.name}) ends at byte "
                                          f"{info['datLoc'] + info['datSpan']}, the file has "
                                          f"{size} bytes")
        end = max(end, info["datLoc"] + info["datSpan"])
    if trailing and end < size:
        with open(path, "rb") as fh:
            fh.seek(end)
            extra = fh.read(1 << 20)
        if extra.strip(b"\0 "):
            raise _fits_error(path, what, f"truncated or corrupt: {size - end} bytes after the "
                                          "last complete HDU do not form an HDU")


def _checksum_mismatches(hdul):
    """What does not match its CHECKSUM/DATASUM keyword, per HDU (astropy's own checks:
    ``verify_checksum``/``verify_datasum`` return 0 on a mismatch, 2 without a keyword)."""
    found = []
    for index, hdu in enumerate(hdul):
        for key, verify in (("Checksum", hdu.verify_checksum), ("Datasum", hdu.verify_datasum)):
            if key.upper() in hdu.header and verify() == 0:
                found.append(f"{key} verification failed for HDU {index} ({hdu.name!r})")
    return found


def _open_fits(path, what, checksum="ignore"):
    """Open a FITS file to read, after checking it is one; the caller closes the result.

    Parameters
    ----------
    path : str or path-like
    what : str
        What the file is, for messages (``"mask"``, ``"darks[0]"``, ``"ramps"``).
    checksum : {"error", "warn", "ignore"}
        What a CHECKSUM/DATASUM that does not match the file's bytes does.

    Returns
    -------
    hdul : `~astropy.io.fits.HDUList`
        Every header read; a compressed file was decompressed once to check it.

    Raises
    ------
    FileNotFoundError
        No such file.
    FITSFileError
        A directory, an empty file, not FITS, truncated or corrupt, or (with
        ``checksum="error"``) a checksum mismatch; the message names the file and why.
    """
    from astropy.io import fits
    from astropy.utils.exceptions import AstropyUserWarning

    _check_checksum_option(checksum)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what + ': ' if what else ''}no file at {path}")
    if path.is_dir():
        raise _fits_error(path, what, "it is a directory, not a FITS file")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(80)
    except OSError as exc:
        raise _fits_error(path, what, exc.strerror or str(exc)) from None
    if size == 0:
        raise _fits_error(path, what, "the file is empty")
    compressed = head.startswith(_COMPRESSED_MAGIC)
    if not compressed and not head.startswith(b"SIMPLE  ="):
        raise _fits_error(path, what, "not a FITS file (it does not begin with a SIMPLE card)")
    if compressed:
        import zipfile

        try:
            size = _decompressed_size(path, head)
        except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
            raise _fits_error(path, what, f"truncated or corrupt ({exc})") from None
    hdul = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hdul = fits.open(path)
            len(hdul)  # reads every header
            _check_fits_layout(hdul, path, what, size, trailing=not compressed)
        except FITSFileError:
            hdul.close()
            raise
        except (OSError, ValueError, TypeError, EOFError, KeyError, IndexError) as exc:
            if hdul is not None:
                hdul.close()
            texts = [str(w.message) for w in caught if "truncated" in str(w.message)]
            why = (texts or [str(exc) or type(exc).__name__])[0].strip().splitlines()[0]
            raise _fits_error(path, what, f"truncated or corrupt ({why})") from None
    for warning in caught:
        text = str(warning.message).strip()
        if "truncated" in text or "corrupted" in text:
            hdul.close()
            raise _fits_error(path, what, f"truncated or corrupt ({text.splitlines()[0]})")
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    mismatched = [] if checksum == "ignore" else _checksum_mismatches(hdul)
    if mismatched:
        why = (f"{'; '.join(mismatched)}: the file is corrupt or was changed without updating "
               "CHECKSUM/DATASUM")
        if checksum == "error":
            hdul.close()
            raise _fits_error(path, what, f"{why} (pass checksum='warn' or 'ignore' to read it "
                                          "anyway)")
        warnings.warn(f"{what + ': ' if what else ''}{path}: {why}", AstropyUserWarning,
                      stacklevel=3)
    return hdul


#: The tag in the names of our temporary files: ``.NAME.ccdbadpix-HOST-PID-RANDOM.tmp``.
_TMP_TAG = "ccdbadpix"
_TMP_NAME = re.compile(rf"^\..*\.{_TMP_TAG}-(?P<host>[A-Za-z0-9-]*)-(?P<pid>\d+)-\w+\.tmp$")
#: A temporary file of a process that is no longer running on this host is stale once it
#: has not been written to for this long (a margin for writers in other pid namespaces).
_STALE_DEAD_SECONDS = 60
#: Any temporary file of ours untouched for this long is stale (other hosts, reused pids).
_STALE_ANY_SECONDS = 24 * 3600
_UMASK_LOCK = threading.Lock()


def _umask(status_file="/proc/self/status"):
    """The process umask, read without changing it where the system allows."""
    try:
        with open(status_file, encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # os.umask can only be read by setting it: briefly the strictest
        old = os.umask(0o077)
        os.umask(old)
    return old


def _host_tag():
    return re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname().split(".")[0])[:32]


def _pid_running(pid):
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running, as another user
        return True
    except (OSError, OverflowError, ValueError):
        return False
    return True


def _remove_stale_temporaries(directory, now=None):
    """Delete our temporary files in ``directory`` that no writer can still be writing.

    Only names of the form ``.NAME.ccdbadpix-HOST-PID-RANDOM.tmp`` are considered, never
    those of this process; such a file is stale when its process is not running on this
    host and it was last written ``_STALE_DEAD_SECONDS`` ago, or when it was last written
    ``_STALE_ANY_SECONDS`` ago whatever its host. Errors are ignored (best effort).
    Returns the names removed.
    """
    now = time.time() if now is None else now
    host, me, removed = _host_tag(), os.getpid(), []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.match(entry.name)
        if match is None:
            continue
        pid = int(match["pid"])
        try:
            if not entry.is_file(follow_symlinks=False) or (pid == me and
                                                            match["host"] == host):
                continue
            idle = now - entry.stat(follow_symlinks=False).st_mtime
            dead_here = match["host"] == host and not _pid_running(pid)
            if (dead_here and idle >= _STALE_DEAD_SECONDS) or idle >= _STALE_ANY_SECONDS:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _atomic_write(path, write, overwrite=False):
    """Write a file atomically: ``write(tmp_path)``, then rename onto ``path``.

    Refuses to replace an existing file unless ``overwrite`` is true. The file gets the
    permissions ``open()`` would give (``0o666`` less the umask); a replaced file keeps
    its mode. The temporary file, ``.NAME.ccdbadpix-HOST-PID-RANDOM.tmp`` beside
    ``path``, is removed on failure; those left by killed writers are removed at a later
    write to the same folder (see `_remove_stale_temporaries`).
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory; give a file name to write")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"directory {directory} does not exist (writing {path})")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    _remove_stale_temporaries(directory)
    prefix = f".{path.name[:100]}.{_TMP_TAG}-{_host_tag()}-{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(tmp)
        try:
            os.chmod(tmp, mode)
        except PermissionError:  # e.g. a file system without POSIX modes: keep the default
            pass
        if not overwrite and path.exists():
            raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _fits_str(value, maxlen=68):
    """A string that fits in a FITS card value."""
    text = str(value)
    return text if len(text) <= maxlen else "..." + text[-(maxlen - 3) :]
