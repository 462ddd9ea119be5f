"""Private utilities shared by every concern: units, files (FITS reading, atomic writes),
progress bars, parameter checks and lazily imported optional dependencies. Nothing here
is public API."""
