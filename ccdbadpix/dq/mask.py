"""`DQMask`: a JWST-convention DQ bit mask as an `~astropy.nddata.NDData`."""

import copy

import numpy as np
from astropy.nddata import NDData

from ccdbadpix.dq._layout import _as_dq_array, _as_header, _check_layout, convert_foreign
from ccdbadpix.dq.flags import DQ_FLAGS, dq_to_boolean

__all__ = ["DQMask"]


class DQMask(NDData):
    """A data-quality bit mask with the JWST flag values.

    ``.data`` is a ``uint32`` image of DQ values (`ccdbadpix.DQ` flags OR-ed
    together), ``.meta`` an `astropy.io.fits.Header` recording how the mask was made.

    Parameters
    ----------
    data : array-like of int
        2-D array of DQ values (non-negative integers below 2**32). The values are
        copied. Boolean masks are refused: use `DQMask.from_array` to choose their
        flag.
    meta : `~astropy.io.fits.Header` or dict, optional
        Provenance and other keywords; copied into a FITS header.
    wcs : optional
        World coordinate system of the image, passed to `~astropy.nddata.NDData`.

    Examples
    --------
    >>> import numpy as np
    >>> from ccdbadpix import DQ, DQMask
    >>> dq = np.zeros((4, 4), dtype=np.uint32)
    >>> dq[1, 2] = DQ.HOT | DQ.DO_NOT_USE
    >>> dq[3, 0] = DQ.WARM
    >>> mask = DQMask(dq)
    >>> mask.counts()
    {'DO_NOT_USE': 1, 'HOT': 1, 'WARM': 1}
    >>> int(mask.to_boolean().sum()), int(mask.to_boolean(ignore_flags="WARM").sum())
    (2, 1)
    """

    def __init__(self, data, meta=None, *, wcs=None):
        if isinstance(data, DQMask):
            meta = data.meta if meta is None else meta
            wcs = data.wcs if wcs is None else wcs
            data = data.data
        array = _as_dq_array(data)
        super().__init__(array, meta=_as_header(meta), wcs=wcs, copy=False)

    @classmethod
    def _wrap(cls, dq, meta):
        """A DQMask around a uint32 array this package made (no validation, no copy)."""
        mask = cls.__new__(cls)
        NDData.__init__(mask, dq, meta=meta, copy=False)
        return mask

    # -- views ---------------------------------------------------------------------
    @property
    def shape(self):
        """Shape of the mask image."""
        return self.data.shape

    def to_boolean(self, ignore_flags=None, *, flags=None):
        """Boolean mask, True where a pixel is bad.

        Built with `astropy.nddata.bitmask.bitfield_to_boolean_mask`.

        Parameters
        ----------
        ignore_flags : int, str or sequence of str, optional
            Flags that do not make a pixel bad (e.g. ``"WARM"`` or
            ``["WARM", "OTHER_BAD_PIXEL"]``).
        flags : int, str or sequence of str, optional
            Only these flags make a pixel bad. Cannot be combined with
            ``ignore_flags``.

        Returns
        -------
        mask : `numpy.ndarray` of bool

        Examples
        --------
        >>> from ccdbadpix import DQ, DQMask
        >>> mask = DQMask([[0, DQ.HOT], [DQ.WARM, DQ.DEAD | DQ.DO_NOT_USE]])
        >>> mask.to_boolean(flags="HOT,DEAD")
        array([[False,  True],
               [False,  True]])
        """
        return dq_to_boolean(self.data, flags=flags, ignore_flags=ignore_flags)

    def counts(self, include_zero=False):
        """Number of pixels carrying each flag.

        Parameters
        ----------
        include_zero : bool, optional
            Also list the flags no pixel carries.

        Returns
        -------
        counts : dict
            Flag name to number of pixels, in bit order.

        Examples
        --------
        >>> from ccdbadpix import DQ, DQMask
        >>> DQMask([[0, DQ.HOT | DQ.DO_NOT_USE], [DQ.HOT, 0]]).counts()
        {'DO_NOT_USE': 1, 'HOT': 2}
        """
        if not isinstance(include_zero, (bool, np.bool_)):
            raise TypeError(f"include_zero must be True or False, got {include_zero!r}")
        flagged = self.data[self.data != 0]
        result = {}
        for name, bit in DQ_FLAGS.items():
            n = int(np.count_nonzero(flagged & np.uint32(bit))) if flagged.size else 0
            if n or include_zero:
                result[name] = n
        return result

    def summary(self):
        """A short multi-line text summary: shape, flagged pixels and flag counts.

        Examples
        --------
        >>> from ccdbadpix import DQ, DQMask
        >>> print(DQMask([[0, DQ.HOT], [0, 0]]).summary())
        DQMask 2 x 2: 1 flagged pixel (25 %)
          HOT                       1
        """
        ny, nx = self.shape
        nbad = int(np.count_nonzero(self.data))
        frac = 100.0 * nbad / max(self.data.size, 1)
        plural = "" if nbad == 1 else "s"
        lines = [f"DQMask {ny} x {nx}: {nbad} flagged pixel{plural} ({frac:.3g} %)"]
        lines += [f"  {name:<20s}{n:>8d}" for name, n in self.counts().items()]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def __repr__(self):
        ny, nx = self.shape
        return f"<DQMask {ny}x{nx}, {int(np.count_nonzero(self.data))} flagged pixels>"

    # -- combination ---------------------------------------------------------------
    def __or__(self, other):
        if isinstance(other, DQMask):
            other_data = other.data
            label = "another DQMask"
        else:
            other_data = _as_dq_array(other, name="other")
            label = "a DQ array"
        if other_data.shape != self.shape:
            raise ValueError(
                f"cannot combine masks of shapes {self.shape} and {other_data.shape}: "
                f"other must have this mask's shape {self.shape}"
            )
        meta = self.meta.copy()
        meta.add_history(f"ccdbadpix: OR-ed with {label}")
        return DQMask(self.data | other_data, meta=meta, wcs=self.wcs)

    def __ror__(self, other):
        return self.__or__(other)

    def __eq__(self, other):
        if not isinstance(other, DQMask):
            return NotImplemented
        return self.shape == other.shape and bool(np.array_equal(self.data, other.data))

    __hash__ = None
    __array_ufunc__ = None  # ``array | mask`` calls `__ror__` rather than looping in numpy

    def apply_to(self, ccd, *, ignore_flags=None, flags=None):
        """A copy of ``ccd`` with this mask OR-ed into its boolean mask.

        Parameters
        ----------
        ccd : `~astropy.nddata.CCDData` or `~astropy.nddata.NDData`
            The image to mask; it is not modified.
        ignore_flags, flags : optional
            Passed to `to_boolean`.

        Returns
        -------
        masked : same type as ``ccd``
            A copy whose ``.mask`` is ``ccd.mask | self.to_boolean(...)``; for a
            `~astropy.nddata.CCDData` the ``BPMASK`` keyword records the step.

        Examples
        --------
        >>> import numpy as np
        >>> from astropy.nddata import CCDData
        >>> from ccdbadpix import DQ, DQMask
        >>> image = CCDData(np.ones((2, 2)), unit="adu")
        >>> masked = DQMask([[DQ.HOT, 0], [0, 0]]).apply_to(image)
        >>> masked.mask
        array([[ True, False],
               [False, False]])
        >>> image.mask is None
        True
        """
        if not isinstance(ccd, NDData):
            raise TypeError(f"ccd must be a CCDData or NDData, got {type(ccd).__name__}")
        if np.shape(ccd.data) != self.shape:
            raise ValueError(f"ccd has shape {np.shape(ccd.data)} but the mask is {self.shape}")
        if ccd.mask is not None and np.shape(ccd.mask) != self.shape:
            raise ValueError(f"ccd.mask has shape {np.shape(ccd.mask)} but the mask is "
                             f"{self.shape}")
        bad = self.to_boolean(ignore_flags=ignore_flags, flags=flags)
        result = ccd.copy() if hasattr(ccd, "copy") else copy.deepcopy(ccd)
        old = result.mask
        result.mask = bad if old is None else (np.asarray(old, dtype=bool) | bad)
        meta = getattr(result, "meta", None)
        if meta is not None:  # provenance, as ccdproc records its steps
            meta["BPMASK"] = f"ccdbadpix: {int(bad.sum())} pixels masked"
        return result

    # -- files ---------------------------------------------------------------------
    def write(self, path, format="fits", overwrite=False, **keywords):
        """Write the mask to a FITS file, atomically.

        Parameters
        ----------
        path : str or path-like
            Output file name.
        format : {"fits", "jwst"}
            ``"fits"``: the DQ image (uint32) in the primary HDU, with the
            provenance header, and a ``DQ_DEF`` table extension naming the flags.
            ``"jwst"``: a CRDS-style MASK reference file: empty primary HDU with
            REFTYPE=MASK and the standard keywords, a ``DQ`` uint32 image and a
            ``DQ_DEF`` table (BIT, VALUE, NAME, DESCRIPTION); it loads with
            ``stdatamodels.jwst.datamodels.MaskModel`` and serves as
            ``override_mask`` of the JWST pipeline's ``dq_init`` step.
        overwrite : bool, optional
            Replace an existing file. Otherwise an existing ``path`` raises
            `FileExistsError`.
        **keywords
            Header keywords to set. The friendly names ``telescope``,
            ``instrument``, ``detector``, ``subarray``, ``useafter``, ``pedigree``,
            ``author``, ``description`` map to TELESCOP, INSTRUME, DETECTOR,
            SUBARRAY, USEAFTER, PEDIGREE, AUTHOR, DESCRIP; other names are used as
            FITS keywords (at most 8 characters). For ``format="jwst"``,
            ``instrument`` and ``detector`` are required unless the mask's header
            has them; ``useafter`` (a date string or `~astropy.time.Time`)
            defaults to the header's USEAFTER, else its DATE-OBS (with TIME-OBS).
            A keyword given as None is not set.

        Returns
        -------
        path : `pathlib.Path`
            The file written.

        Examples
        --------
        >>> import os, tempfile
        >>> from ccdbadpix import DQ, DQMask
        >>> mask = DQMask([[0, DQ.HOT | DQ.DO_NOT_USE], [0, 0]])
        >>> path = os.path.join(tempfile.mkdtemp(), "mask.fits")
        >>> _ = mask.write(path, format="jwst", instrument="NIRSPEC", detector="NRS1",
        ...                useafter="2024-01-01T00:00:00")
        >>> DQMask.read(path) == mask
        True
        """
        from ccdbadpix.dq._io import write_mask

        return write_mask(self, path, format=format, overwrite=overwrite, **keywords)

    @classmethod
    def read(cls, path, *, convention=None, bad_value=None, bit_map=None,
             bad_flags="DO_NOT_USE", hdu=None, checksum="error"):
        """Read a mask written by ccdbadpix, the JWST pipeline or another tool.

        Parameters
        ----------
        path : str or path-like
            A FITS file.
        convention : {None, "dq", "bad", "good"}, optional
            How to read the integer image when the file has no ``DQ_DEF`` table:
            ``"dq"`` values are JWST DQ flags; ``"bad"`` non-zero means bad
            (``1 = bad``); ``"good"`` non-zero means good (``1 = good``), zero is
            bad. When the file has a ``DQ_DEF`` table (ccdbadpix and JWST files,
            CRDS references) its flags are mapped onto the JWST values by name and
            no convention is needed; a value with several names gets every name's
            flag, and names with no JWST flag become OTHER_BAD_PIXEL (with a
            warning).
        bad_value : int, optional
            Only pixels equal to this value are bad (e.g. ``1024`` for a mask
            that marks bad pixels with 1024).
        bit_map : dict, optional
            The file's own layout, foreign bit value to JWST flag name(s), e.g.
            ``{1: "DO_NOT_USE", 1024: "REFERENCE_PIXEL"}``. Set bits missing
            from it become OTHER_BAD_PIXEL, with a warning.
        bad_flags : str, int or sequence, optional
            The JWST flag(s) that bad pixels get with the ``"bad"``, ``"good"``
            and ``bad_value`` conventions. Default ``"DO_NOT_USE"``.
        hdu : int or str, optional
            The HDU holding the mask. Default: ``DQ`` if present, else the first
            image HDU with data.
        checksum : {"error", "warn", "ignore"}, optional
            What a CHECKSUM or DATASUM keyword that does not match the file's bytes
            (a damaged file, or one edited without updating them) does: raise (the
            default), warn, or nothing. Files without these keywords are read as they
            are.

        Returns
        -------
        mask : `DQMask`

        Raises
        ------
        FileNotFoundError
            No file at ``path``.
        OSError
            The file cannot be used: a directory, empty, not FITS, truncated, a
            checksum mismatch, no 2-D image, a malformed ``DQ_DEF`` table. The
            exception (``ccdbadpix.utils._files.FITSFileError``) is also a `ValueError`;
            its message names the file and what is wrong.
        ValueError
            A bad parameter (``convention``, ``hdu``, ``checksum``...).

        Examples
        --------
        A mask whose bad pixels are 1 and good pixels 0:

        >>> import os, tempfile
        >>> import numpy as np
        >>> from astropy.io import fits
        >>> from ccdbadpix import DQMask
        >>> path = os.path.join(tempfile.mkdtemp(), "plain.fits")
        >>> fits.writeto(path, np.array([[0, 1], [0, 0]], dtype=np.int16))
        >>> DQMask.read(path, convention="bad").counts()
        {'DO_NOT_USE': 1}
        """
        from ccdbadpix.dq._io import read_mask

        _check_layout(convention, bad_value, bit_map)
        return read_mask(cls, path, convention=convention, bad_value=bad_value,
                         bit_map=bit_map, bad_flags=bad_flags, hdu=hdu, checksum=checksum)

    @classmethod
    def from_array(cls, array, *, convention="dq", bad_value=None, bit_map=None,
                   bad_flags="DO_NOT_USE", meta=None):
        """A `DQMask` from an in-memory mask of any common layout.

        Parameters
        ----------
        array : array-like of int or bool
            The mask. Boolean arrays follow the astropy convention (True = bad)
            unless ``convention="good"``.
        convention, bad_value, bit_map, bad_flags
            As in `DQMask.read`.
        meta : dict or `~astropy.io.fits.Header`, optional
            Header for the result.

        Returns
        -------
        mask : `DQMask`

        Examples
        --------
        >>> import numpy as np
        >>> from ccdbadpix import DQMask
        >>> DQMask.from_array(np.array([[True, False]]), bad_flags="HOT").data
        array([[2048,    0]], dtype=uint32)
        >>> DQMask.from_array([[1, 0, 1025]], bit_map={1: "DO_NOT_USE",
        ...                   1024: "REFERENCE_PIXEL"}).counts()
        {'DO_NOT_USE': 2, 'REFERENCE_PIXEL': 1}
        """
        _check_layout(convention, bad_value, bit_map)
        header = _as_header(meta)
        data, history = convert_foreign(array, convention=convention, bad_value=bad_value,
                                        bit_map=bit_map, bad_flags=bad_flags)
        if history:
            header.add_history(history)
        return cls._wrap(data, header)  # a fresh, validated uint32 array

    def copy(self):
        """A deep copy of the mask."""
        return DQMask(self.data.copy(), meta=self.meta.copy(), wcs=copy.deepcopy(self.wcs))


