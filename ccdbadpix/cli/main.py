"""The ``ccdbadpix`` command line: ``hot``, ``classify``, ``cluster``, ``trend``, ``info``,
``demo``; one module per command, each with its ``add_parser`` and ``run``."""

# Only the standard library at import time: ``ccdbadpix --help`` must not wait for numpy,
# astropy or scipy. Each command imports what it uses when it runs.
import argparse
import sys

import ccdbadpix.cli.classify as classify
import ccdbadpix.cli.cluster as cluster
import ccdbadpix.cli.demo as demo
import ccdbadpix.cli.hot as hot
import ccdbadpix.cli.info as info
import ccdbadpix.cli.trend as trend
from ccdbadpix import __version__
from ccdbadpix.cli._args import cli_message

__all__ = ["main"]

#: The commands, in the order ``--help`` lists them.
_COMMANDS = {"hot": hot, "classify": classify, "cluster": cluster, "trend": trend,
             "info": info, "demo": demo}


def _parser():
    parser = argparse.ArgumentParser(
        prog="ccdbadpix",
        description="Find, classify and trend bad pixels of CCD and infrared detectors.",
    )
    parser.add_argument("--version", action="version", version=f"ccdbadpix {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS.values():
        command.add_parser(subparsers)
    return parser


def main(argv=None):
    """Entry point of the ``ccdbadpix`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from astropy.units import UnitsError

    try:
        return _COMMANDS[args.command].run(args)
    except BrokenPipeError:  # e.g. piped into head: the reader has gone, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, UnitsError, OSError, ImportError) as exc:
        message = _error_message(args, exc)
        print(f"ccdbadpix {args.command}: error: {message}", file=sys.stderr)
        return 2


def _error_message(args, exc):
    """The message of an error, in the command line's words (options, file names)."""
    files = getattr(args, "input_files", None) or getattr(args, "darks", ())
    message = cli_message(str(exc), extra=_COMMANDS[args.command].OPTIONS, files=files)
    if isinstance(exc, FileExistsError) and "--overwrite" not in message:
        message += " (use --overwrite)"
    return message


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
