"""``edge train``: a model from a data set, one subcommand per kind of model."""

import argparse

from edge.cli import train_audit, train_cascade, train_classify, train_screen
from edge.cli.commands import add_commands

NAME = "train"
HELP = "train a model from a data set"
DESCRIPTION = "Train a model."
MODELS = (train_cascade, train_screen, train_audit, train_classify)


def add_options(parser: argparse.ArgumentParser) -> None:
    add_commands(parser.add_subparsers(dest="model", metavar="MODEL", required=True), MODELS)
