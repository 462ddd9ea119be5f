"""Simulated detector darks with per-pixel ground truth.

`simulate_ramps` builds up-the-ramp dark cubes of an HgCdTe (HxRG) array with every
pixel class that `ccdbadpix.classify_ramps` recognises; `simulate_darks` builds CCD-style
dark frames of several exposure times with hot, warm and non-proportional pixels. Both
model bias, read noise, Poisson shot noise, inter-pixel capacitance (IPC) and saturation,
and draw every random number from ``numpy.random.default_rng(seed)``.
`simulate_hot_pixel_series` builds a multi-year series of dark-current maps in which hot
pixels appear and heal over time, with the true trend, for testing hot-pixel trending.
"""

from ccdbadpix.simulate.darks import DarkSimulation, simulate_darks
from ccdbadpix.simulate.ramps import (
    DEFAULT_AMPLITUDES,
    DEFAULT_FRACTIONS,
    PIXEL_CLASSES,
    RampSimulation,
    simulate_ramps,
)
from ccdbadpix.simulate.series import HotPixelSeries, simulate_hot_pixel_series

__all__ = ["DEFAULT_AMPLITUDES", "DEFAULT_FRACTIONS", "PIXEL_CLASSES", "DarkSimulation",
           "HotPixelSeries", "RampSimulation", "simulate_darks", "simulate_hot_pixel_series",
           "simulate_ramps"]
