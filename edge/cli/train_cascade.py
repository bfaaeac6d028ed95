"""``edge train cascade``: module I's LBP cascade, as OpenCV cascade XML in a model set."""

import argparse
from pathlib import Path

from edge.cli.labelled import data_name, read_data
from edge.cli.options import add_data_options, add_parameter_options, parameters_from, pixel_size_nm
from edge.train.parameters import CascadeTraining

NAME = "cascade"
HELP = "the LBP cascade of module I (gentle AdaBoost, OpenCV cascade XML)"
DESCRIPTION = (
    "Train a boosted multi-block LBP stump cascade on the train split (or a COCO file) and write "
    "it as OpenCV cascade XML (loadable by cv2.CascadeClassifier), with a JSON record and the settings "
    "derived from the training boxes (settings.json) beside it: that folder is a model set."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser, "train", images_folder=True)
    parser.add_argument(
        "--out", type=Path, required=True, help="cascade XML to write; settings.json (derived from the boxes) beside it"
    )
    parser.add_argument(
        "--pixel-size",
        type=pixel_size_nm,
        metavar="NM",
        help="the training frames' pixel size, where their files do not carry it: frames of another known pixel "
        "size are then brought to it before detection (recorded in settings.json)",
    )
    add_parameter_options(parser, CascadeTraining)


def run(args: argparse.Namespace) -> int:
    from edge.train.cascade import train_cascade

    params = parameters_from(args, CascadeTraining)
    items = read_data(args, args.images)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    train_cascade(items, args.out, params, data_name(args), args.pixel_size)
    return 0
