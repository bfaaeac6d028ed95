"""``edge evaluate``: detections scored against labels, or how much a loop's size depends on its box."""

import argparse
import json
from pathlib import Path

from edge.cli.labelled import audited, listed, read_data
from edge.cli.options import AUDIT_HELP, add_data_options, add_pipeline_options, pipeline_settings, pixel_size_nm
from edge.pipeline.settings import PipelineSettings

NAME = "evaluate"
HELP = "score detections against labels: a data set folder's split or a COCO file"
DESCRIPTION = (
    "Score detections with the li2018 protocol (box centres within the model set's tolerance, "
    "20 px for li2018, in x and in y, one to one, or the paper's many-to-many rule) and at IoU >= 0.4; "
    "prints pooled figures with 95 % bootstrap intervals over images, and per-image figures. Where the "
    "labels have polygons (COCO segmentation), also the measured major axes against the outlines'."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser, "test")
    parser.add_argument(
        "--matching",
        choices=("one-to-one", "paper"),
        default="one-to-one",
        help="one-to-one: each label and detection in at most one pair (default); paper: the authors' "
        "many-to-many rule, a label is found if any detection is near it and a detection is right if any "
        "label is near it (duplicates not penalised)",
    )
    parser.add_argument(
        "--images",
        type=Path,
        metavar="FILE|DIR",
        help="a file: score only the images named in it, one a line (e.g. docs/li2018-paper-test-images.txt, "
        "the 28 the paper scored); a folder: where a COCO file's images are",
    )
    parser.add_argument("--audit", type=Path, action="append", metavar="FILE.csv", help=AUDIT_HELP)
    parser.add_argument(
        "--detections",
        type=Path,
        help="folder of detection box files, <image stem>.txt (default: run the pipeline's detector)",
    )
    parser.add_argument(
        "--moved-boxes",
        type=int,
        metavar="N",
        help="instead of scoring detections, measure each labelled loop in its box and in N copies of the box "
        "moved by up to 15 %% of its side and resized 0.8-1.25x, as a detector's windows are, and print how much "
        "the measured size depends on the box (median and 90th percentile relative difference, share lost)",
    )
    parser.add_argument(
        "--pixel-size",
        type=pixel_size_nm,
        metavar="NM",
        help="the frames' pixel size in nm (overrides their files'): where the model set's is known too, frames are "
        "brought to it before detection",
    )
    add_pipeline_options(
        parser, ("polarity", "follow_rounds", "measure_starts", "measure_threads", "backend", "screen", "model")
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")


def run(args: argparse.Namespace) -> int:
    from edge.eval.scoring import evaluate_labelled, format_report

    if args.images is not None and not args.images.exists():
        raise FileNotFoundError(f"--images {args.images}: no such file (a list of image names) or folder")
    listing = args.images if args.images is not None and not args.images.is_dir() else None
    items = audited(args, listed(args, read_data(args, args.images if listing is None else None), listing))
    settings = pipeline_settings(args)
    if args.moved_boxes is not None:
        return _report_stability(items, args.moved_boxes, settings, args.json)
    report = evaluate_labelled(items, settings, args.matching, args.detections, args.pixel_size)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _report_stability(items: list, copies: int, settings: PipelineSettings, json_path: Path | None) -> int:
    from edge.eval.stability import box_stability
    from edge.pipeline.measure import LoopMeasurer

    if copies < 1:
        raise ValueError(f"--moved-boxes must be at least 1, got {copies}")
    summary = box_stability(items, copies, LoopMeasurer.from_settings(settings)).summary()
    print(
        f"{summary['loops']} loops, each in its label box and {copies} moved and resized boxes: "
        f"|relative difference| median {summary['median_difference']:.4f}, 90th percentile "
        f"{summary['p90_difference']:.4f}; lost in {100 * summary['lost_share']:.2f} % of the moved boxes"
    )
    if json_path:
        json_path.write_text(json.dumps(summary, indent=1))
    return 0
