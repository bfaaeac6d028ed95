"""``edge train screen``: module II's screening CNN, exported to ONNX."""

import argparse
from pathlib import Path

from edge.cli.labelled import audited, data_name, read_data
from edge.cli.options import (
    AUDIT_HELP,
    add_data_options,
    add_parameter_options,
    parameters_from,
    require_training_extra,
)
from edge.train.parameters import ScreenTraining

NAME = "screen"
HELP = "the screening CNN of module II (PyTorch, exported to ONNX)"
DESCRIPTION = (
    "Train the screening CNN on crops around the cascade's detections on the train split "
    "(or a COCO file): by default fine-tuning the bundled li2018 screen (--start none: from scratch; "
    "--start FILE.onnx: another set's). Images held out choose the epoch and the threshold (best F1; "
    "--target-recall R: the most precise with recall R): a validation carve (--validation-fraction), or, where "
    "that would hold under 100 loops or 3 images, every image once in 4 folds (--folds K; 1: a carve), the "
    "network kept then trained again on all of them. Writes ONNX, an FP16 ONNX and a JSON record. Needs the "
    "'train' extra (PyTorch)."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser, "train", images_folder=True)
    parser.add_argument(
        "--cascade",
        type=Path,
        metavar="DIR/cascade.xml",
        help="the model set's cascade whose candidates it screens (default: the bundled li2018 set's)",
    )
    parser.add_argument("--out", type=Path, required=True, help="ONNX file to write (DIR/screen.onnx for a model set)")
    parser.add_argument("--audit", type=Path, action="append", metavar="FILE.csv", help=AUDIT_HELP)
    add_parameter_options(parser, ScreenTraining)


def run(args: argparse.Namespace) -> int:
    require_training_extra("edge train screen")
    from edge.train.screen import train_screen

    params = parameters_from(args, ScreenTraining)
    models = _cascade_model_set(args.cascade)
    if args.cascade is None:
        print(f"screening the candidates of the bundled cascade ({models.cascade}); --cascade names another")
    items = audited(args, read_data(args, args.images))
    args.out.parent.mkdir(parents=True, exist_ok=True)  # written only after training
    train_screen(items, args.out, params, models, data_name(args), args.audit)
    return 0


def _cascade_model_set(cascade: Path | None):
    """The model set whose cascade ``--cascade`` names (None: the bundled set)."""
    from edge.pipeline.model_set import CASCADE, ModelSet

    if cascade is not None and cascade.name != CASCADE:
        raise ValueError(f"--cascade {cascade}: give a model set's {CASCADE} (as 'edge train cascade --out "
                         f"DIR/{CASCADE}' writes it, with settings.json beside it)")  # fmt: skip
    return ModelSet.load(cascade.parent if cascade is not None else None)
