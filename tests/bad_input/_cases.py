"""Case records of the bad-input tables (see README.md in this folder)."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One bad call of the Python API.

    ``call(tmp_path)`` makes the call; it must raise ``exc`` (a class or a tuple of
    classes) with a message matching the regular expression ``match`` (searched
    case-insensitively), which names the parameter or the file at fault.
    """

    id: str
    call: Callable
    exc: type | tuple
    match: str


@dataclass(frozen=True)
class CliCase:
    """One bad command line: ``argv`` (``{tmp}`` is replaced by the test's folder).

    ``setup(tmp_path)``, if given, writes the input files first. The command must exit
    with status 2, print a message matching ``match`` on stderr (naming the option or
    the file) and leave no new file behind except those ``setup`` wrote.
    """

    id: str
    argv: tuple
    match: str
    setup: Callable | None = field(default=None)
