"""Optional dependencies, imported only where they are used.

``HAS_MATPLOTLIB``, ``HAS_DASK`` and ``HAS_DISTRIBUTED`` say whether a package can be
imported, without importing it (as photutils' ``utils/_optional_deps.py`` does), so that
``import ccdbadpix`` and ``ccdbadpix --help`` stay fast. `optional_import` imports one
when it is needed, or raises an `ImportError` that names the extra to install.

Examples
--------
>>> from ccdbadpix.utils._optional_deps import HAS_MATPLOTLIB, optional_import
>>> HAS_MATPLOTLIB in (True, False)
True
>>> optional_import("no_such_package_xyz", "this example")
Traceback (most recent call last):
...
ImportError: this example needs no_such_package_xyz, which is not installed
"""

import importlib
import importlib.util

__all__ = ["optional_import", "pyplot"]

#: Optional package -> the ccdbadpix extra that installs it.
_EXTRAS = {"matplotlib": "plot", "dask": "dask", "distributed": "dask"}


def __getattr__(name):
    if name.startswith("HAS_") and name[4:].lower() in _EXTRAS:
        return importlib.util.find_spec(name[4:].lower()) is not None
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def optional_import(module, purpose):
    """Import ``module`` (e.g. ``"dask.array"``) of an optional package.

    Parameters
    ----------
    module : str
        Module to import.
    purpose : str
        What needs it, for the message (e.g. ``"plotting"``).

    Raises
    ------
    ImportError
        The package is missing; the message names the extra that installs it.
    """
    package = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRAS.get(package)
        hint = f": pip install 'ccdbadpix[{extra}]'" if extra else ", which is not installed"
        raise ImportError(f"{purpose} needs {package}{hint}") from exc


def pyplot():
    """``matplotlib.pyplot`` (its backend is non-interactive where there is no display)."""
    return optional_import("matplotlib.pyplot", "plotting")
