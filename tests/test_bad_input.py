"""Bad input across every public function and command: a clear error naming the culprit.

The cases live in tables under ``tests/bad_input/`` (one module per concern); this
module collects them all. Each Python case must raise the stated exception with a
message naming the parameter or file; each command-line case must exit with status 2,
name the option or file on stderr and write nothing.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from ccdbadpix.cli.main import main

_HERE = Path(__file__).parent / "bad_input"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_bad_input_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_records = _load("_cases")
_TABLES = sorted(p.stem for p in _HERE.glob("cases_*.py"))
_ALL = [case for name in _TABLES for case in _load(name).CASES]
API_CASES = [c for c in _ALL if isinstance(c, _records.Case)]
CLI_CASES = [c for c in _ALL if isinstance(c, _records.CliCase)]


def test_tables_are_large_and_unique():
    ids = [c.id for c in _ALL]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(ids) >= 300


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_api_rejects(case, tmp_path):
    with pytest.raises(case.exc) as info:
        case.call(tmp_path)
    assert re.search(case.match, str(info.value), re.IGNORECASE), (
        f"message does not name {case.match!r}: {info.value}")
    assert "allow_pickle" not in str(info.value)  # never suggest unsafe loading


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli_rejects(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(tmp_path)
    before = set(tmp_path.rglob("*"))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case.argv]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse refuses before the command runs
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2, f"exit status {status}; stderr: {err}"
    assert re.search(case.match, err, re.IGNORECASE), f"stderr does not name {case.match!r}: {err}"
    assert "Traceback" not in err
    assert set(tmp_path.rglob("*")) == before, "a file was written"
