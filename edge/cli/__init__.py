"""The ``edge`` command: one entry point, a module per command (``edge.cli.commands`` says what
each declares)."""

import argparse
import difflib
import logging
import sys
from collections.abc import Sequence

from edge import __version__
from edge.cli import (
    analyse,
    bench,
    build_engine,
    classify,
    convert,
    demo,
    evaluate,
    replay,
    serve,
    train,
    view,
)
from edge.cli.commands import add_commands

COMMANDS = (analyse, evaluate, convert, train, classify, demo, view, serve, replay, build_engine, bench)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``edge`` command line; returns the exit status."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        _refuse_unknown(getattr(args, "parser", parser), unknown)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except (ValueError, OSError, RuntimeError) as error:
        print(f"edge {args.command}: {error}", file=sys.stderr)
        return 1


def _refuse_unknown(parser: argparse.ArgumentParser, unknown: list[str]) -> None:
    """Exit as argparse does for arguments ``parser`` does not take, naming the option meant
    where one is spelled nearly so (``--pixelsize``: did you mean ``--pixel-size``?)."""
    options = list(parser._option_string_actions)
    guesses = []
    for argument in unknown:
        if argument.startswith("-"):
            close = difflib.get_close_matches(argument.split("=")[0], options, n=1, cutoff=0.6)
            guesses += [f"{argument}: did you mean {close[0]}?"] if close else []
    parser.error(f"unrecognized arguments: {' '.join(unknown)}" + "".join(f"; {guess}" for guess in guesses))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edge",
        description="Find dislocation loops in electron-microscope frames and report their statistics.",
    )
    parser.add_argument("--version", action="version", version=f"edge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and warnings")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND"), COMMANDS)
    return parser
