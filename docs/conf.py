"""Sphinx configuration of the ccdbadpix documentation.

Build with warnings as errors, offline (no intersphinx)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import datetime
import sys
from pathlib import Path

try:
    import ccdbadpix
except ImportError:  # building from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import ccdbadpix

# -- project -----------------------------------------------------------------------
project = "ccdbadpix"
author = "ccdbadpix developers"
copyright = f"{datetime.date.today().year}, {author}"
release = ccdbadpix.__version__
version = ".".join(release.split(".")[:2])

# -- general -----------------------------------------------------------------------
extensions = [
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_automodapi.automodapi",
    "matplotlib.sphinxext.plot_directive",
]
root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# `name` in docstrings is a cross-reference (the astropy convention). Without
# intersphinx, references to numpy/astropy objects stay plain code; nitpicky is off
# so that they do not warn.
default_role = "obj"
nitpicky = False

# -- numpydoc ----------------------------------------------------------------------
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# -- automodapi --------------------------------------------------------------------
automodapi_toctreedirnm = "api"
automodsumm_inherited_members = False
automodapi_inheritance_diagram = False

# -- plot directive (figures drawn from small seeded simulations at build time) -------
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# -- HTML --------------------------------------------------------------------------
html_theme = "alabaster"
html_theme_options = {
    "description": "Bad pixels of CCD and infrared detectors",
    "fixed_sidebar": True,
}
html_static_path = []
html_title = f"ccdbadpix {release}"
html_show_sourcelink = False
