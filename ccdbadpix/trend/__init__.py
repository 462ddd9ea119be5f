"""Hot-pixel populations over years: epochs of darks, rate maps or masks, the pixel
tracker, growth fits with steps, `unmasked_risk` and mask-update cadences
(`trend_hot_pixels`, `HotPixelTrend`)."""

from ccdbadpix.trend.result import HotPixelTrend
from ccdbadpix.trend.risk import unmasked_risk
from ccdbadpix.trend.trend import trend_hot_pixels
from ccdbadpix.utils._units import month

__all__ = ["HotPixelTrend", "month", "trend_hot_pixels", "unmasked_risk"]
