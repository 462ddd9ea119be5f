"""Figures (matplotlib, an optional dependency imported on use): masks, dark-current
histograms, ramp classes, confidence and example ramps; the trend figures are methods of
`~ccdbadpix.HotPixelTrend`.

One namespace for figures defined next to their concern (``ccdbadpix.dq.plotting``,
``ccdbadpix.darks.plotting``, ``ccdbadpix.ramps.plotting``); library code imports those
modules, never this one."""

from ccdbadpix.darks.plotting import plot_dark_current_histogram
from ccdbadpix.dq.plotting import plot_mask
from ccdbadpix.ramps.plotting import plot_class_ramps, plot_classification, plot_confidence

__all__ = ["plot_class_ramps", "plot_classification", "plot_confidence",
           "plot_dark_current_histogram", "plot_mask"]
