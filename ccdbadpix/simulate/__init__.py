"""Simulated detector darks with per-pixel ground truth.

`simulate_ramps` builds up-the-ramp dark cubes of an HgCdTe (HxRG) array with every
pixel class that `ccdbadpix.classify_ramps` recognises; `simulate_darks` builds CCD-style
dark frames of several exposure times with hot, warm and non-proportional pixels. Both
model bias, read noise, Poisson shot noise, inter-pixel capacitance (IPC) and saturation,
and draw every random number from ``numpy.random.default_rng(seed)``. `simulate_ramps`
adds, on request (``effects=REALISTIC_EFFECTS``), what real HxRG darks show: spread of
read noise, decaying hot pixels, non-linearity, reset anomaly, 1/f readout noise,
Markov telegraph noise, cosmic-ray halos, tracks and snowballs, stuck dead pixels.
`simulate_hot_pixel_series` builds a multi-year series of dark-current maps in which hot
pixels appear and heal over time, with the true trend, for testing hot-pixel trending.
"""

from ccdbadpix.simulate.darks import DarkSimulation, simulate_darks
from ccdbadpix.simulate.ramps import (
    DEFAULT_AMPLITUDES,
    DEFAULT_EFFECTS,
    DEFAULT_FRACTIONS,
    PIXEL_CLASSES,
    REALISTIC_EFFECTS,
    RampSimulation,
    simulate_ramps,
)
from ccdbadpix.simulate.series import HotPixelSeries, simulate_hot_pixel_series

__all__ = ["DEFAULT_AMPLITUDES", "DEFAULT_EFFECTS", "DEFAULT_FRACTIONS", "PIXEL_CLASSES",
           "REALISTIC_EFFECTS", "DarkSimulation", "HotPixelSeries", "RampSimulation",
           "simulate_darks", "simulate_hot_pixel_series", "simulate_ramps"]
