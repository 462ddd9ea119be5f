"""Figures (matplotlib, an optional dependency imported on use): masks, dark-current
histograms, ramp classes, confidence and example ramps; the trend figures are methods of
`~ccdbadpix.HotPixelTrend`."""

from ccdbadpix.plotting.figures import (
    plot_class_ramps,
    plot_classification,
    plot_confidence,
    plot_dark_current_histogram,
    plot_mask,
)

__all__ = ["plot_class_ramps", "plot_classification", "plot_confidence",
           "plot_dark_current_histogram", "plot_mask"]
