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
    "cross-validation first (--folds 5); exports ONNX and writes a JSON record and a confusion-matrix PNG. "
    "--backbone efficientnet-lite0 instead fits a linear probe on ImageNet-pretrained EfficientNet-Lite0 "
    "features of the tiles (frozen; the weights come with the 'train' extra), with leave-groups-out draws "
    "(--held-out-draws 20) beside the folds"
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
    figures = confusion_source(record)
    if figures is not None:
        write_confusion_png(figures, record["classes"], args.out.with_suffix(".confusion.png"))
    return 0


def confusion_source(record: dict) -> dict | None:
    """The figures whose confusion matrix is drawn: the shipped combination's (cross-validated
    where it was) for the CNN, the probe's k-fold (else leave-groups-out) figures for a backbone."""
    if record["parameters"]["backbone"] == "none":
        report = record["cross_validation"]["options"] if "cross_validation" in record else record["validation"]
        return report["cnn + texture"]
    splits = record.get("cross_validation", {})
    return next((splits[kind]["probe"] for kind in ("k-fold", "leave-groups-out") if kind in splits), None)
