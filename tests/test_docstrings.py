"""Every example in the docstrings and the narrative docs runs and gives what it shows."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import ccdbadpix

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
MODULES = sorted(m.name for m in pkgutil.walk_packages(ccdbadpix.__path__, "ccdbadpix.")
                 if not m.name.endswith("__main__"))
DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert result.failed == 0


def test_public_functions_have_examples():
    missing = [
        name for name in ccdbadpix.__all__
        if callable(getattr(ccdbadpix, name)) and "Examples" not in
        (getattr(ccdbadpix, name).__doc__ or "")
    ]
    assert missing == []


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.rst")) or ["<none>"])
def test_docs_page_examples(page, tmp_path, monkeypatch):
    if page == "<none>":
        pytest.skip(f"no docs pages found beside the tests ({DOCS})")
    monkeypatch.chdir(tmp_path)  # examples write files into the working directory
    result = doctest.testfile(str(DOCS / page), module_relative=False, optionflags=FLAGS,
                              report=True)
    assert result.failed == 0
