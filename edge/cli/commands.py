"""How a command module joins the command line: each declares ``NAME``, ``HELP``,
``DESCRIPTION``, ``add_options(parser)`` and ``run(args) -> int`` (a group of subcommands has no
``run``; a command may declare ``ALIASES``),
importing what is heavy inside ``run`` so that ``edge --help`` stays fast."""

import argparse
from types import ModuleType


def add_commands(subparsers: argparse._SubParsersAction, modules: tuple[ModuleType, ...]) -> None:
    """A subcommand for each command module, in order."""
    for module in modules:
        parser = subparsers.add_parser(
            module.NAME, aliases=getattr(module, "ALIASES", ()), help=module.HELP, description=module.DESCRIPTION
        )
        module.add_options(parser)
        parser.set_defaults(parser=parser)  # the innermost command's parser: it explains unknown options
        if hasattr(module, "run"):  # a group of subcommands (``train``) runs the one chosen
            parser.set_defaults(run=module.run)
