"""Hot and warm pixels of dark frames: loading darks of several exposure times, the
dark-current map, inter-pixel capacitance and `find_hot_pixels`."""

from ccdbadpix.darks.current import measure_dark_current
from ccdbadpix.darks.hotpixels import find_hot_pixels
from ccdbadpix.darks.ipc import measure_ipc

__all__ = ["find_hot_pixels", "measure_dark_current", "measure_ipc"]
