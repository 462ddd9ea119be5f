"""DQ flags and DQMask: JWST values, boolean views, combination, files in and out."""

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import CCDData, bitmask
from astropy.utils.exceptions import AstropyUserWarning

from ccdbadpix import DQ, DQ_FLAGS, DQMask, dq_to_boolean, flag_names, flags_to_value

# The JWST values, written out from the JWST documentation (dqflags.pixel).
JWST_VALUES = {
    "DO_NOT_USE": 1, "SATURATED": 2, "JUMP_DET": 4, "DROPOUT": 8, "OUTLIER": 16,
    "PERSISTENCE": 32, "AD_FLOOR": 64, "CHARGELOSS": 128, "RESERVED": 256,
    "NON_SCIENCE": 512, "DEAD": 1024, "HOT": 2048, "WARM": 4096, "LOW_QE": 8192,
    "RC": 16384, "TELEGRAPH": 32768, "NONLINEAR": 65536, "BAD_REF_PIXEL": 131072,
    "NO_FLAT_FIELD": 262144, "NO_GAIN_VALUE": 524288, "NO_LIN_CORR": 1048576,
    "NO_SAT_CHECK": 2097152, "UNRELIABLE_BIAS": 4194304, "UNRELIABLE_DARK": 8388608,
    "UNRELIABLE_SLOPE": 16777216, "UNRELIABLE_FLAT": 33554432, "OPEN": 67108864,
    "ADJ_OPEN": 134217728, "FLUX_ESTIMATED": 268435456, "MSA_FAILED_OPEN": 536870912,
    "OTHER_BAD_PIXEL": 1073741824, "REFERENCE_PIXEL": 2147483648,
}


def test_flags_are_the_jwst_values_in_order():
    assert dict(DQ_FLAGS) == JWST_VALUES
    assert list(DQ_FLAGS) == list(JWST_VALUES)
    for name, value in JWST_VALUES.items():
        assert DQ[name] == value
        assert getattr(DQ, name) == value


def test_flags_match_stdatamodels():
    dqflags = pytest.importorskip("stdatamodels.jwst.datamodels.dqflags")
    theirs = {k: v for k, v in dqflags.pixel.items() if k != "GOOD"}
    assert theirs == dict(DQ_FLAGS)


def test_dq_is_an_astropy_flag_map():
    dq = np.array([0, DQ.HOT | DQ.WARM, DQ.DEAD], dtype=np.uint32)
    out = bitmask.bitfield_to_boolean_mask(dq, ignore_flags="HOT,WARM", flag_name_map=DQ,
                                           good_mask_value=False)
    assert out.tolist() == [False, False, True]


def test_flag_helpers():
    assert flags_to_value("hot, do_not_use") == 2049
    assert flags_to_value("HOT+WARM") == DQ.HOT | DQ.WARM
    assert flags_to_value([1024, "WARM"]) == 1024 | 4096
    assert flags_to_value(None) == 0
    assert flag_names(DQ.REFERENCE_PIXEL | DQ.DO_NOT_USE) == ["DO_NOT_USE", "REFERENCE_PIXEL"]
    with pytest.raises(ValueError, match="unknown DQ flag name 'HOTT'"):
        flags_to_value("HOTT")
    with pytest.raises(ValueError, match="uint32"):
        flags_to_value(2**32)
    dq = np.array([0, 1, 2048, 2049, 4096])
    assert dq_to_boolean(dq).tolist() == [False, True, True, True, True]
    assert dq_to_boolean(dq, flags="HOT").tolist() == [False, False, True, True, False]
    assert dq_to_boolean(dq, ignore_flags=["DO_NOT_USE", "WARM"]).tolist() == [
        False, False, True, True, False]
    with pytest.raises(ValueError, match="either flags or ignore_flags"):
        dq_to_boolean(dq, flags="HOT", ignore_flags="WARM")


@pytest.fixture
def mask():
    dq = np.zeros((6, 5), dtype=np.uint32)
    dq[1, 1] = DQ.HOT | DQ.DO_NOT_USE
    dq[2, 3] = DQ.WARM
    dq[4, 0] = DQ.DEAD | DQ.DO_NOT_USE
    dq[5, 4] = DQ.REFERENCE_PIXEL
    return DQMask(dq, meta={"DETECTOR": "NRS1"})


def test_dqmask_basics(mask):
    assert mask.data.dtype == np.uint32
    assert mask.counts() == {"DO_NOT_USE": 2, "DEAD": 1, "HOT": 1, "WARM": 1,
                             "REFERENCE_PIXEL": 1}
    assert len(mask.counts(include_zero=True)) == 32
    assert mask.to_boolean().sum() == 4
    assert mask.to_boolean(ignore_flags="WARM,REFERENCE_PIXEL").sum() == 2
    assert mask.to_boolean(flags="HOT").sum() == 1
    assert "4 flagged pixels" in mask.summary()
    assert mask.meta["DETECTOR"] == "NRS1"


def test_dqmask_does_not_keep_a_reference_to_input():
    dq = np.zeros((2, 2), dtype=np.int64)
    m = DQMask(dq)
    dq[0, 0] = 5
    assert m.data[0, 0] == 0


@pytest.mark.parametrize(("data", "error", "match"), [
    (np.zeros((2, 2), bool), TypeError, "from_array"),
    (np.zeros((2, 2), float), TypeError, "integer"),
    (np.zeros(4, int), ValueError, "2-D"),
    (np.array([[-1, 0]]), ValueError, "negative"),
    (np.array([[2**33, 0]]), ValueError, "uint32"),
])
def test_dqmask_rejects_bad_data(data, error, match):
    with pytest.raises(error, match=match):
        DQMask(data)


def test_or_combines(mask):
    other = np.zeros(mask.shape, dtype=np.uint32)
    other[1, 1] = DQ.TELEGRAPH
    other[0, 0] = DQ.NONLINEAR
    both = mask | DQMask(other)
    assert both.data[1, 1] == DQ.HOT | DQ.DO_NOT_USE | DQ.TELEGRAPH
    assert both.data[0, 0] == DQ.NONLINEAR
    assert (mask | other) == both
    assert mask.data[1, 1] == DQ.HOT | DQ.DO_NOT_USE  # operands unchanged
    with pytest.raises(ValueError, match="shapes"):
        mask | np.zeros((2, 2), dtype=np.uint32)


def test_apply_to_ccddata(mask):
    ccd = CCDData(np.ones(mask.shape), unit="adu", mask=np.zeros(mask.shape, bool))
    ccd.mask[0, 0] = True
    out = mask.apply_to(ccd)
    assert out.mask.sum() == 5
    assert out.mask[0, 0] and out.mask[1, 1]
    assert ccd.mask.sum() == 1  # input untouched
    assert out.meta["BPMASK"] == "ccdbadpix: 4 pixels masked"  # by this mask
    assert mask.apply_to(ccd, ignore_flags="WARM,REFERENCE_PIXEL").mask.sum() == 3
    with pytest.raises(ValueError, match="shape"):
        mask.apply_to(CCDData(np.ones((2, 2)), unit="adu"))


def test_fits_round_trip_and_overwrite(mask, tmp_path):
    path = tmp_path / "mask.fits"
    mask.write(path)
    with fits.open(path) as hdul:
        assert hdul[0].data.dtype == np.uint32
        names = [n.strip() for n in hdul["DQ_DEF"].data["NAME"]]
        assert names == list(DQ_FLAGS)
        assert hdul["DQ_DEF"].data["VALUE"].tolist() == list(DQ_FLAGS.values())
    back = DQMask.read(path)
    assert back == mask
    assert back.meta["DETECTOR"] == "NRS1"
    with pytest.raises(FileExistsError, match="overwrite=True"):
        mask.write(path)
    (mask | np.full(mask.shape, DQ.LOW_QE, np.uint32)).write(path, overwrite=True)
    assert DQMask.read(path).counts()["LOW_QE"] == mask.data.size
    # nothing but the file is left in the folder (no stray temporary files)
    assert [p.name for p in tmp_path.iterdir()] == ["mask.fits"]


def test_failed_write_leaves_old_file(mask, tmp_path):
    path = tmp_path / "mask.fits"
    mask.write(path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="longer than 8"):
        mask.write(path, overwrite=True, averylongkeyword=1)
    with pytest.raises(ValueError, match="INSTRUME, DETECTOR"):
        DQMask(mask.data).write(path, format="jwst", overwrite=True, useafter="2024-01-01")
    assert path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


def test_jwst_format_keywords(mask, tmp_path):
    path = tmp_path / "jwst_mask.fits"
    mask.write(path, format="jwst", instrument="NIRSPEC", useafter="2024-03-05",
               pedigree="INFLIGHT 2024-01-01 2024-02-01", author="Team")
    with fits.open(path) as hdul:
        primary = hdul[0].header
        assert hdul[0].data is None
        assert hdul["DQ"].data.dtype == np.uint32
        assert primary["REFTYPE"] == "MASK"
        assert primary["TELESCOP"] == "JWST"
        assert primary["USEAFTER"] == "2024-03-05T00:00:00"
        assert primary["DETECTOR"] == "NRS1"
        assert primary["PEDIGREE"] == "INFLIGHT 2024-01-01 2024-02-01"
        assert primary["SUBSIZE1"] == 5 and primary["SUBSIZE2"] == 6
        assert {c.name for c in hdul["DQ_DEF"].columns} == {"BIT", "VALUE", "NAME",
                                                          "DESCRIPTION"}
    with pytest.raises(ValueError, match="pedigree"):
        mask.write(tmp_path / "x.fits", format="jwst", instrument="NIRSPEC",
                   useafter="2024-01-01", pedigree="MAYBE")
    with pytest.raises(ValueError, match="useafter"):
        mask.write(tmp_path / "x.fits", format="jwst", instrument="NIRSPEC")
    with pytest.raises(ValueError, match="format"):
        mask.write(tmp_path / "x.fits", format="hdf5")


def test_jwst_mask_loads_and_validates_in_stdatamodels(mask, tmp_path):
    datamodels = pytest.importorskip("stdatamodels.jwst.datamodels")
    path = tmp_path / "jwst_mask.fits"
    mask.write(path, format="jwst", instrument="NIRSPEC", useafter="2024-03-05")
    with datamodels.MaskModel(str(path)) as model:
        model.validate()
        assert model.meta.reftype == "MASK"
        assert model.meta.instrument.name == "NIRSPEC"
        assert model.meta.instrument.detector == "NRS1"
        assert model.dq.dtype == np.uint32
        np.testing.assert_array_equal(model.dq, mask.data)
    assert DQMask.read(path) == mask


def test_jwst_pipeline_dq_init_applies_the_mask(tmp_path):
    pytest.importorskip("jwst", reason="the JWST pipeline (jwst package) is not installed")
    from jwst.dq_init.dq_initialization import do_dqinit
    from stdatamodels.jwst import datamodels

    dq = np.zeros((16, 24), dtype=np.uint32)
    dq[3, 4] = DQ.HOT | DQ.DO_NOT_USE
    dq[5, 6] = DQ.WARM
    path = tmp_path / "mask.fits"
    DQMask(dq).write(path, format="jwst", instrument="NIRCAM", detector="NRCA1",
                     useafter="2022-07-01")
    ramp = datamodels.RampModel(data=np.zeros((1, 4, 16, 24), np.float32))
    ramp.meta.instrument.name = "NIRCAM"
    ramp.meta.exposure.type = "NRC_IMAGE"
    ramp.meta.subarray.xstart, ramp.meta.subarray.ystart = 1, 1
    ramp.meta.subarray.xsize, ramp.meta.subarray.ysize = 24, 16
    with datamodels.MaskModel(str(path)) as mask_model:
        out = do_dqinit(ramp, mask_model)
    np.testing.assert_array_equal(out.pixeldq, dq)
    # DO_NOT_USE propagates to every group of the masked pixel only
    assert (out.groupdq[0, :, 3, 4] == 1).all()
    assert out.groupdq[0, :, 5, 6].sum() == 0


def test_read_real_nirspec_dq_layout(shared_data):
    path = shared_data / "nirspec_dark" / "jwst_nirspec_dark_0046.fits"
    raw = fits.getdata(path, "DQ")
    mask = DQMask.read(path)
    assert mask.shape == (32, 512)
    # the file's own layout: WARM=2, HOT=4, UNRELIABLE_SLOPE=8 -> JWST values by name
    assert mask.counts() == {"HOT": 8196, "WARM": 376, "UNRELIABLE_SLOPE": 119}
    np.testing.assert_array_equal(mask.to_boolean(flags="HOT"), (raw & 4) > 0)
    np.testing.assert_array_equal(mask.to_boolean(flags="WARM"), (raw & 2) > 0)
    np.testing.assert_array_equal(mask.to_boolean(), raw > 0)
    assert mask.meta["DETECTOR"] == "NRS1"
    assert mask.meta["SUBARRAY"] == "SUB512"


def test_read_conventions(tmp_path):
    data = np.array([[0, 1, 0], [1, 0, 0]], dtype=np.int16)
    path = tmp_path / "plain.fits"
    fits.writeto(path, data)
    with pytest.raises(ValueError, match="convention"):
        DQMask.read(path)
    assert DQMask.read(path, convention="bad").to_boolean().tolist() == (data == 1).tolist()
    good = DQMask.read(path, convention="good")
    assert good.to_boolean().tolist() == (data == 0).tolist()
    hot = DQMask.read(path, convention="bad", bad_flags="HOT,DO_NOT_USE")
    assert hot.counts() == {"DO_NOT_USE": 2, "HOT": 2}
    assert DQMask.read(path, convention="dq").counts() == {"DO_NOT_USE": 2}
    with pytest.raises(ValueError, match="convention must be"):
        DQMask.read(path, convention="maybe")
    with pytest.raises(FileNotFoundError):
        DQMask.read(tmp_path / "missing.fits", convention="bad")


def test_bad_value_and_bit_map():
    data = np.array([[0, 1024, 1], [1025, 0, 0]])
    assert DQMask.from_array(data, bad_value=1024).to_boolean().sum() == 1
    layout = {1: "DO_NOT_USE", 1024: "REFERENCE_PIXEL"}
    m = DQMask.from_array(data, bit_map=layout)
    assert m.counts() == {"DO_NOT_USE": 2, "REFERENCE_PIXEL": 2}
    assert m.data[1, 0] == DQ.DO_NOT_USE | DQ.REFERENCE_PIXEL


def test_foreign_flags_are_never_dropped():
    data = np.array([[0, 1, 2, 8]])
    with pytest.warns(AstropyUserWarning, match="bits not in the layout"):
        m = DQMask.from_array(data, bit_map={1: "DO_NOT_USE", 2: "HOT"})
    assert m.data[0, 3] == DQ.OTHER_BAD_PIXEL
    with pytest.warns(AstropyUserWarning, match="no JWST name"):
        m = DQMask.from_array(data, bit_map={1: "DO_NOT_USE", 2: "HOT", 8: "SPARKLY"})
    assert m.data[0, 3] == DQ.OTHER_BAD_PIXEL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert DQMask.from_array(data, bit_map={1: 1, 2: 2048, 8: 4096}).data.tolist() == [
            [0, 1, 2048, 4096]]


def test_from_array_boolean():
    bad = np.array([[True, False], [False, True]])
    assert DQMask.from_array(bad).data.tolist() == [[1, 0], [0, 1]]
    assert DQMask.from_array(bad, convention="good").data.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match="at least one flag"):
        DQMask.from_array(bad, bad_flags=0)


def test_or_with_an_array_on_either_side(mask):
    other = np.zeros(mask.shape, dtype=np.int64)
    other[0, 0] = DQ.DEAD
    left, right = mask | other, other | mask
    assert isinstance(right, DQMask)
    assert left == right
    assert right.data[0, 0] == DQ.DEAD and right.counts()["HOT"] == 1
    with pytest.raises(ValueError, match="other holds negative values"):
        -np.ones(mask.shape, dtype=int) | mask


def test_apply_to_refuses_an_image_mask_of_another_shape(mask):
    from astropy.nddata import NDData

    image = NDData(np.ones(mask.shape), mask=np.zeros((1, mask.shape[1]), bool))
    with pytest.raises(ValueError, match=r"ccd\.mask has shape \(1, 5\)"):
        mask.apply_to(image)
    own = np.zeros(mask.shape, bool)
    own[0, 0] = True
    masked = mask.apply_to(NDData(np.ones(mask.shape), mask=own))
    np.testing.assert_array_equal(masked.mask, own | mask.to_boolean())


def test_dq_values_are_never_wrapped():
    # -1 as uint32 would carry every flag; signed arrays of valid values still work
    with pytest.raises(ValueError, match="dq holds negative values"):
        dq_to_boolean(np.array([0, -1]))
    assert dq_to_boolean(np.array([0, 2048], np.int16), flags="HOT").tolist() == [False, True]
    with pytest.raises(ValueError, match=r"bit_map\[1\]: DQ value -1"):
        DQMask.from_array(np.eye(2, dtype=int), bit_map={1: -1})


def test_layout_options_that_contradict_each_other():
    data = np.array([[0, 1], [2, 1]])
    with pytest.raises(ValueError, match="bad_value cannot be combined with convention='good'"):
        DQMask.from_array(data, bad_value=2, convention="good")
    with pytest.raises(TypeError, match="bad_value must be an integer"):
        DQMask.from_array(data, bad_value="2")
    assert DQMask.from_array(data, bad_value=np.int16(2)).to_boolean().tolist() == [
        [False, False], [True, False]]
