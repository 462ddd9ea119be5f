"""Every pixel's history through the epochs: hot now, ever hot, healed, intermittent."""

import numpy as np

from ccdbadpix.dq.flags import DQ

__all__ = []


class _Tracker:
    """Per-pixel state through the epochs, for every level, in bounded memory."""

    HOT, EVER, HEALED, INTERMITTENT = 1, 2, 4, 8

    def __init__(self, n_levels, shape, n_epochs):
        self.state = np.zeros((n_levels, *shape), dtype=np.uint8)
        dtype = np.int16 if n_epochs < 2**15 else np.int32
        self.first = np.full((n_levels, *shape), -1, dtype=dtype)
        self.n = 0

    def update(self, level, hot, measured):
        """Fold in one epoch's hot map of one level; return (count, new, returned, healed).

        Whole-array bit operations on the uint8 state (bit 0 hot now, 1 ever hot, 2 has
        healed, 3 intermittent), so every epoch costs a few passes over the image.
        """
        state = self.state[level]
        was = state & np.uint8(self.HOT)
        if measured is not None:  # unmeasured pixels keep their previous state
            hot = np.where(measured, hot, was.view(bool))
        h = np.ascontiguousarray(hot, dtype=bool).view(np.uint8)
        ever = (state >> 1) & np.uint8(1)
        on = h & (was ^ np.uint8(1))
        new = on & (ever ^ np.uint8(1))
        returned = on & ever
        healed = was & (h ^ np.uint8(1))
        comeback = returned & (state >> 2)  # hot again after having healed
        np.copyto(self.first[level], self.n, where=new.view(bool))
        state &= np.uint8(0xFF ^ self.HOT)
        state |= h | (h << 1) | (healed << 2) | (comeback << 3)
        count = int(np.count_nonzero(h if measured is None else h.view(bool) & measured))
        return (count, int(np.count_nonzero(new)), int(np.count_nonzero(returned)),
                int(np.count_nonzero(healed)))


def _history_flags(hot, intermittent, healed):
    """DQ flags of the pixel histories: hot at the last epoch HOT | DO_NOT_USE;
    intermittent (they come back) TELEGRAPH | DO_NOT_USE; healed for good
    OTHER_BAD_PIXEL only."""
    healed = healed & ~intermittent
    dq = np.zeros(hot.shape, np.uint32)
    dq[hot] |= np.uint32(DQ.HOT | DQ.DO_NOT_USE)
    dq[intermittent] |= np.uint32(DQ.TELEGRAPH | DQ.DO_NOT_USE)
    dq[healed] |= np.uint32(DQ.OTHER_BAD_PIXEL)
    return dq
