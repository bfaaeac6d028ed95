"""``edge train classify``: an SEM scene classifier for a folder-per-class image set."""

import argparse
from pathlib import Path

from edge.cli.options import add_parameter_options, parameters_from, require_training_extra
from edge.train.parameters import ClassifyTraining

NAME = "classify"
HELP = "an SEM scene classifier for a folder-per-class image set"
DESCRIPTION = (
    "Train a CNN (CPU; flips, rotations, crops, contrast, noise, progressive resizing) on "
    "FOLDER/<class>/*.jpg with a group-aware validation split, optionally group-aware k-fold "
    "cross-validation first (--folds 5); exports ONNX and writes a JSON record and a confusion-matrix PNG."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="folder with a subfolder per class")
    parser.add_argument("--groups", type=Path, help="CSV with columns image, group (near-duplicates)")
    parser.add_argument("--weights", type=Path, help="PyTorch state dict to start from")
    parser.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    add_parameter_options(parser, ClassifyTraining)


def run(args: argparse.Namespace) -> int:
    require_training_extra("edge train classify")
    from edge.train.scenes import train_classify, write_confusion_png

    params = parameters_from(args, ClassifyTraining)
    args.out.parent.mkdir(parents=True, exist_ok=True)  # written only after training
    record = train_classify(args.data, args.out, params, args.groups, args.weights)
    report = record["cross_validation"]["options"] if "cross_validation" in record else record["validation"]
    write_confusion_png(report["cnn + texture"], record["classes"], args.out.with_suffix(".confusion.png"))
    return 0
