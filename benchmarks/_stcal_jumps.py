"""stcal two-point-difference jump detection on a dark cube (benchmark baseline).

Runs ``stcal.jump.jump.detect_jumps_data`` (stcal 1.20), the driver the JWST ``jump``
step calls, which runs the two-point-difference finder
``stcal.jump.twopoint_difference.find_crs`` in a single process. Settings are the JWST
``JumpStep`` defaults (3/4-group thresholds 6 and 5, the four neighbours of jumps between
10 and 1000 sigma flagged, no after-jump flagging, no snowball or shower search) except
for ``rejection_threshold`` and ``flag_4_neighbors``. No group is flagged saturated or
do-not-use beforehand, so saturating ramps get jump flags.

stcal expects the data in DN and gain (electron/DN) and read noise (DN) as 2-D per-pixel
maps; it converts both to electron itself. Its read noise is the CDS noise, i.e. that of
the difference of two single-read groups (the JWST READNOISE reference files hold it;
stcal's ramp fitting divides it by sqrt(2)). `stcal_jump_flags` takes the per-read noise
and passes ``sqrt(2) * read_noise``.

Run ``python benchmarks/_stcal_jumps.py`` for a self-check on the project simulator.
"""

import time

import numpy as np
from astropy import units as u
from stcal.jump.jump import detect_jumps_data
from stcal.jump.jump_class import JumpData

__all__ = ["DQFLAGS", "pixel_has_jump", "stcal_jump_flags"]

#: JWST data-quality bits used by stcal (values of ``stdatamodels`` ``dqflags.pixel``).
DQFLAGS = {"GOOD": 0, "DO_NOT_USE": 1, "SATURATED": 2, "JUMP_DET": 4,
           "NO_GAIN_VALUE": 524288, "REFERENCE_PIXEL": 2147483648}


def _value(x, unit, name):
    """Plain float array of ``x``; a Quantity is converted to ``unit``."""
    if isinstance(x, u.Quantity):
        x = x.to_value(unit)
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return x


def _map2d(x, shape, name):
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 0:
        return np.full(shape, x, dtype=np.float32)
    if x.shape != shape:
        raise ValueError(f"{name} must be a scalar or have shape {shape}, got {x.shape}")
    return x.copy()


def stcal_jump_flags(cube, gain, read_noise, group_time, rejection_threshold=4.0, *,
                     flag_4_neighbors=True):
    """Flag jumps in a dark ramp cube with stcal's two-point-difference method.

    Parameters
    ----------
    cube : `~numpy.ndarray`
        (ngroups, ny, nx) ramp cube in DN (one integration, one read per group),
        ``ngroups >= 3``; converted to float32.
    gain : float, `~numpy.ndarray` or `~astropy.units.Quantity`
        electron/DN, scalar or (ny, nx).
    read_noise : float, `~numpy.ndarray` or `~astropy.units.Quantity`
        Per-read noise in DN, scalar or (ny, nx); stcal receives the CDS noise
        ``sqrt(2) * read_noise``.
    group_time : float or `~astropy.units.Quantity`
        Time between groups in s. Used as stcal's ``dt_group`` (as its read-pattern path
        would set it); the flags do not depend on it for equally spaced groups.
    rejection_threshold : float, optional
        Sigma threshold for ramps with 4 or more usable differences.
    flag_4_neighbors : bool, optional
        Also flag the four neighbours of jumps between 10 and 1000 sigma (JWST default).

    Returns
    -------
    jump_groups : `~numpy.ndarray`
        (ngroups, ny, nx) bool, True where stcal set JUMP_DET (group ``i`` flags the
        difference ``cube[i] - cube[i - 1]``; group 0 is never flagged).
    seconds : float
        Wall time of the ``detect_jumps_data`` call.
    """
    cube = np.asarray(cube)
    if cube.ndim != 3 or cube.shape[0] < 3:
        raise ValueError(f"cube must be (ngroups >= 3, ny, nx), got shape {cube.shape}")
    ngroups, ny, nx = cube.shape
    gain2d = _map2d(_value(gain, u.electron / u.DN, "gain"), (ny, nx), "gain")
    rn2d = _map2d(np.sqrt(2.0) * _value(read_noise, u.DN, "read_noise"), (ny, nx),
                  "read_noise")
    dt = float(_value(group_time, u.s, "group_time"))
    if dt <= 0:
        raise ValueError(f"group_time must be > 0, got {dt}")

    data = np.array(cube[np.newaxis], dtype=np.float32)
    gdq = np.zeros((1, ngroups, ny, nx), dtype=np.uint8)
    pdq = np.zeros((ny, nx), dtype=np.uint32)

    jd = JumpData(gain2d=gain2d, rnoise2d=rn2d, dqflags=DQFLAGS)
    jd.init_arrays_from_arrays(data, gdq, pdq)
    jd.nframes = 1
    jd.dt_group = np.array([dt])
    jd.n_reads_groupdiff = np.array([2.0])
    jd.set_detection_settings(rejection_threshold, 6.0, 5.0, 1000.0, 10.0, bool(flag_4_neighbors))
    jd.set_after_jump(0.0, 0, 0.0, 0)
    jd.max_cores = "none"

    t0 = time.perf_counter()
    gdq_out = detect_jumps_data(jd)[0]
    seconds = time.perf_counter() - t0
    return (gdq_out[0] & DQFLAGS["JUMP_DET"]) != 0, seconds


def pixel_has_jump(jump_groups):
    """Pixels with a jump flag in any group.

    Parameters
    ----------
    jump_groups : `~numpy.ndarray`
        (ngroups, ny, nx) bool from `stcal_jump_flags`.

    Returns
    -------
    `~numpy.ndarray`
        (ny, nx) bool.
    """
    return np.any(jump_groups, axis=0)


if __name__ == "__main__":
    from ccdbadpix.simulate import simulate_ramps

    sim = simulate_ramps((256, 256), ngroups=60, seed=1)
    sim2 = simulate_ramps((256, 256), ngroups=40, gain=2.5 * u.electron / u.DN,
                          read_noise=18 * u.electron, group_time=5 * u.s, bias=8000 * u.DN,
                          ipc_alpha=0.02, seed=2)
    telegraph = sim.classes.index("telegraph")
    for name, s in (("sim", sim), ("sim2", sim2)):
        flags, secs = stcal_jump_flags(s.data, s.gain, s.read_noise / s.gain, s.group_time)
        hit = pixel_has_jump(flags)
        cr = s.cosmic_ray_group >= 0
        primary = s.labels == s.classes.index("cosmic_ray")
        tel = s.labels == telegraph
        first = np.argmax(flags, axis=0)
        at_group = hit & cr & (first == s.cosmic_ray_group)
        print(f"{name}: {s.data.shape}, {secs:.2f} s, {hit.size / secs:.3g} pix/s")
        print(f"  CR recall (cosmic_ray_group >= 0): {hit[cr].mean():.3f} "
              f"({hit[cr].sum()}/{cr.sum()}); first flag at the CR group: "
              f"{at_group.sum()}/{cr.sum()}; primary (label cosmic_ray): "
              f"{hit[primary].mean():.3f}")
        print(f"  telegraph pixels with a jump flag: {hit[tel].sum()}/{tel.sum()}")
        print(f"  flagged pixels without a CR step: {(hit & ~cr).sum()} "
              f"(of which good: {(hit & ~cr & (s.labels == 0)).sum()})")
