"""``edge train audit``: contact sheets of the crops the labels and the models disagree on."""

import argparse
from pathlib import Path

from edge.cli.labelled import audited, listed, never_test, read_data, read_decisions
from edge.cli.options import add_data_options, add_pipeline_options

NAME = "audit"
HELP = "contact sheets of the crops the labels and the models disagree on, to complete the labels by eye"
DESCRIPTION = (
    "Find the candidates the model set keeps (at --confident) that no label is near and the "
    "labelled loops it loses, and draw them, shuffled and without scores, on contact sheets in --out, with "
    "decisions.csv to fill in (loop / not / unsure, and a reason) and index.json. The filled rows, kept "
    "beside the model set, complete the labels of 'edge train screen --audit' and 'edge evaluate --audit'. "
    "The test split is never audited."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser, "train")
    parser.add_argument("--images", type=Path, metavar="FILE", help="audit only the images named in it, one a line")
    add_pipeline_options(parser, ("model",))
    parser.add_argument(
        "--confident", type=float, default=0.2, help="candidates kept at this CNN probability count (default: 0.2)"
    )
    parser.add_argument(
        "--audit",
        type=Path,
        action="append",
        metavar="FILE.csv",
        help="decisions made before (repeatable): they complete the labels, and boxes they decided are not drawn again",
    )
    parser.add_argument("--per-sheet", type=int, default=30, help="tiles a sheet (default: 30)")
    parser.add_argument("--seed", type=int, default=0, help="the sheets' shuffle (default: 0)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the sheets, decisions.csv and index.json")


def run(args: argparse.Namespace) -> int:
    from edge.cli.options import pipeline_settings
    from edge.pipeline.model_set import ModelSet
    from edge.pipeline.pipeline import Pipeline
    from edge.train.audit import disputed_crops, write_sheets

    if args.images is not None and not args.images.is_file():
        raise FileNotFoundError(f"--images {args.images}: no such file (a list of image names)")
    items = audited(args, never_test(args, listed(args, read_data(args, None), args.images), leave_out=True))
    decided = read_decisions(args.audit)
    settings = pipeline_settings(args)
    models = ModelSet.load(settings.model)
    pipeline = Pipeline.from_settings(settings, models)
    padding = models.outline_padding or 1.0
    disputed = disputed_crops(items, pipeline, padding, models.centre_tolerance_px, args.confident, decided)
    sheets = write_sheets(disputed, args.out, args.per_sheet, args.seed)
    kinds = {kind: sum(d.kind == kind for d in disputed) for kind in ("unlabelled", "rejected")}
    print(f"{len(items)} images: {kinds['unlabelled']} kept loops without a label, {kinds['rejected']} labelled "
          f"loops lost, on {len(sheets)} sheets in {args.out}; fill in {args.out / 'decisions.csv'}")  # fmt: skip
    return 0
