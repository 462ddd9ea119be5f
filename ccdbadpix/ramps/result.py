"""`RampClassification`: the result of `classify_ramps`."""

from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.table import QTable

__all__ = ["RampClassification"]


@dataclass(frozen=True, eq=False)
class RampClassification:
    """Per-pixel classes, confidences and DQ mask of an up-the-ramp cube.

    Returned by `classify_ramps`.

    Attributes
    ----------
    classes : tuple of str
        Class names; ``labels`` are codes into it. The last one is ``uncertain``.
    labels : `~numpy.ndarray`
        (ny, nx) int16 class codes.
    confidence : `~numpy.ndarray`
        (ny, nx) float32 in [0, 1]: the probability of the label. For shape classes it is
        the fraction of trees voting for it; for ``good``/``warm``/``hot`` it is the
        fraction voting for a straight-line ramp times the probability that the dark
        current is on that side of the thresholds given its uncertainty. Pixels settled
        by the cheap first pass count as a unanimous straight-line vote. 0 where the ramp
        holds NaN or inf.
    probabilities : `~numpy.ndarray`
        (len(classes) - 1, ny, nx) float32, one map per class except ``uncertain``;
        they sum to 1 for every finite pixel.
    dq : `~ccdbadpix.DQMask`
        The DQ mask (see `DEFAULT_DQ_MAPPING`); a ``cosmic_ray`` pixel is only flagged
        when its dark current makes it hot or warm.
    dark_current, dark_current_err : `~astropy.units.Quantity`
        (ny, nx) jump-corrected least-squares dark current and its uncertainty (electron/s),
        averaged over integrations.
    read_noise, gain : `~astropy.units.Quantity`
        Read noise (electron, estimated unless given) and gain used.
    times : `~astropy.units.Quantity`
        Group read times.
    finite : `~numpy.ndarray`
        (ny, nx) bool; False where a ramp holds NaN or inf (label ``uncertain``,
        DO_NOT_USE | OTHER_BAD_PIXEL).
    settled : `~numpy.ndarray`
        (ny, nx) bool: every integration settled by the cheap first pass.
    jump_group : `~numpy.ndarray`
        (nints, ny, nx) int16: group index of the largest step beyond the jump threshold
        in each integration, -1 if none.
    jump_step : `~astropy.units.Quantity`
        (nints, ny, nx) size of that step (electron).
    cosmic_ray_vote : `~numpy.ndarray`
        (nints, ny, nx) fraction of trees voting ``cosmic_ray`` in each integration.
    meta : `~astropy.io.fits.Header`
        Provenance (also in ``dq.meta``).

    Examples
    --------
    >>> from ccdbadpix import classify_ramps
    >>> from ccdbadpix.simulate import simulate_ramps
    >>> sim = simulate_ramps((32, 32), ngroups=30, seed=3)
    >>> res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
    >>> res.classes[-1], res.probabilities.shape
    ('uncertain', (10, 32, 32))
    >>> res.dq.meta["BPMETHOD"]
    'classify_ramps'
    """

    classes: tuple
    labels: np.ndarray
    confidence: np.ndarray
    probabilities: np.ndarray
    dq: object
    dark_current: u.Quantity
    dark_current_err: u.Quantity
    read_noise: u.Quantity
    gain: u.Quantity
    times: u.Quantity
    finite: np.ndarray
    settled: np.ndarray
    jump_group: np.ndarray
    jump_step: u.Quantity
    cosmic_ray_vote: np.ndarray
    meta: fits.Header
    ramps: object = field(default=None, repr=False)
    _events: list = field(default_factory=list, repr=False)

    def __repr__(self):
        return (f"<RampClassification shape={self.labels.shape} "
                f"defective={int(self.dq.to_boolean().sum())}>")

    def mask(self, name):
        """Boolean (ny, nx) map of the pixels labelled ``name``.

        Examples
        --------
        >>> from ccdbadpix import classify_ramps
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((32, 32), ngroups=20, seed=0)
        >>> res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
        >>> int(res.mask("dead").sum()) == res.counts()["dead"]
        True
        """
        if name not in self.classes:
            raise ValueError(f"unknown class {name!r}; classes: {self.classes}")
        return self.labels == self.classes.index(name)

    def counts(self):
        """Pixels per class, as a dict (classes with no pixel included)."""
        return {name: int((self.labels == i).sum()) for i, name in enumerate(self.classes)}

    def summary(self):
        """A short text report: pixels and median confidence per class."""
        lines = [f"{'class':<12}{'pixels':>10}{'median conf.':>14}"]
        for i, name in enumerate(self.classes):
            sel = self.labels == i
            med = float(np.median(self.confidence[sel])) if sel.any() else float("nan")
            lines.append(f"{name:<12}{int(sel.sum()):>10}{med:>14.3f}")
        lines.append(f"read noise {self.read_noise:.3g}, gain {self.gain:.3g}, "
                     f"{len(self.cosmic_rays)} cosmic-ray events")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    @property
    def cosmic_rays(self):
        """Cosmic-ray hits as events, a `~astropy.table.QTable` (one row per event).

        A pixel is hit in an integration when the forest votes ``cosmic_ray`` for its
        ramp in that integration (at least half the trees) and it has a step; neighbours
        (8-connected) with a step at the same group join the event. Events are the
        connected groups of hit pixels found with `photutils.segmentation.detect_sources`,
        split by group. Columns: ``integration``, ``group``, ``time``, ``x``, ``y``
        (centroid weighted by the steps), ``npix``, ``peak_step`` and ``total_step``
        (electron).
        """
        if not self._events:
            self._events.extend(_cosmic_ray_events(self))
        return self._events[0]

    def cosmic_ray_map(self):
        """(nints, ny, nx) int32: row of `cosmic_rays` each pixel belongs to, -1 if none.

        Examples
        --------
        >>> from ccdbadpix import classify_ramps
        >>> from ccdbadpix.simulate import simulate_ramps
        >>> sim = simulate_ramps((32, 32), ngroups=20, seed=0)
        >>> res = classify_ramps(sim.data, times=sim.times, gain=sim.gain)
        >>> res.cosmic_ray_map().shape
        (1, 32, 32)
        """
        self.cosmic_rays  # noqa: B018 - computes the events
        return self._events[1].copy()

    def plot_map(self, ax=None, **kwargs):
        """Detector map coloured by class (`ccdbadpix.plotting.plot_classification`)."""
        from ccdbadpix.ramps.plotting import plot_classification

        return plot_classification(self, ax=ax, **kwargs)

    def plot_confidence(self, **kwargs):
        """Confidence map and per-class confidence histograms
        (`ccdbadpix.plotting.plot_confidence`)."""
        from ccdbadpix.ramps.plotting import plot_confidence

        return plot_confidence(self, **kwargs)

    def plot_ramps(self, **kwargs):
        """Example ramps of each class with their confidence
        (`ccdbadpix.plotting.plot_class_ramps`)."""
        from ccdbadpix.ramps.plotting import plot_class_ramps

        return plot_class_ramps(self, **kwargs)


def _neighbour_same_group(primary, group):
    """Pixels with a step at the same group as an 8-connected primary hit."""
    ny, nx = group.shape
    out = np.zeros_like(primary)
    pg = np.where(primary, group, -2)
    pad = np.pad(pg, 1, constant_values=-2)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == dx == 0:
                continue
            shifted = pad[1 + dy:1 + dy + ny, 1 + dx:1 + dx + nx]
            out |= (shifted == group) & (group >= 1)
    return out & ~primary


def _cosmic_ray_events(res):
    from photutils.segmentation import detect_sources

    rows = []
    event_map = np.full(res.jump_group.shape, -1, np.int32)
    times = res.times.to_value(u.s)
    cr = res.classes.index("cosmic_ray")
    for i in range(res.jump_group.shape[0]):
        group = res.jump_group[i]
        step = res.jump_step[i].to_value(u.electron)
        primary = (res.cosmic_ray_vote[i] >= 0.5) & (group >= 1) & res.finite
        if res.jump_group.shape[0] == 1:
            primary |= (res.labels == cr) & (group >= 1)
        if not primary.any():
            continue
        members = primary | _neighbour_same_group(primary, group)
        segm = detect_sources(members.astype(np.float32), 0.5, 1, connectivity=8)
        seg = segm.data
        yy, xx = np.nonzero(seg)
        key = seg[yy, xx].astype(np.int64) * (times.size + 1) + group[yy, xx]
        order = np.argsort(key, kind="stable")
        key, yy, xx = key[order], yy[order], xx[order]
        bounds = np.flatnonzero(np.diff(key)) + 1
        for py, px in zip(np.split(yy, bounds), np.split(xx, bounds), strict=True):
            g = int(group[py[0], px[0]])
            if not primary[py, px].any():
                continue
            w = np.maximum(step[py, px], 1e-12)
            event_map[i, py, px] = len(rows)
            rows.append((i, g, times[g], float((px * w).sum() / w.sum()),
                         float((py * w).sum() / w.sum()), py.size, float(step[py, px].max()),
                         float(step[py, px].sum())))
    names = ("integration", "group", "time", "x", "y", "npix", "peak_step", "total_step")
    if not rows:
        table = QTable(names=names, dtype=(int, int, float, float, float, int, float, float))
    else:
        table = QTable(rows=rows, names=names)
    table["time"].unit = u.s
    table["peak_step"].unit = u.electron
    table["total_step"].unit = u.electron
    return table, event_map
