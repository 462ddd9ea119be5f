"""Shared fixtures: the real detector data beside the checkout (``../shared/data``)."""

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
DATA_DIR = Path(os.environ.get("CCDBADPIX_DATA", _DEFAULT))


@pytest.fixture(scope="session")
def shared_data():
    """Folder of real detector data; tests using it skip when it is absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"real detector data not found at {DATA_DIR} (set CCDBADPIX_DATA)")
    return DATA_DIR
