"""The ``ccdbadpix`` command line: the parser and one module per command. Only the
standard library is imported until a command runs, so ``ccdbadpix --help`` is fast."""

from ccdbadpix.cli.main import main

__all__ = ["main"]
