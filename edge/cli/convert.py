"""``edge convert``: labels from a data set folder's split to a COCO file, or back."""

import argparse
from pathlib import Path

from edge.cli.options import add_data_options

NAME = "convert"
HELP = "labels from one format to the other: a data set folder's split <-> a COCO file"
DESCRIPTION = (
    "Write the labelled images of --data (a COCO file, or a data set folder's --split) as a COCO "
    "instances file (--to FILE.json) or as a split of a data set folder (--to DIR: images/, boxes/, "
    "<split>.txt; polygons, which that layout cannot hold, are left out). From a folder, --category names "
    "the COCO category written (default: loop)."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser, "train", images_folder=True)
    parser.add_argument("--to", type=Path, required=True, metavar="FILE.json|DIR", help="what to write")
    parser.add_argument(
        "--copy-images", action="store_true", help="COCO: copy the images into the JSON's images/ folder"
    )


def run(args: argparse.Namespace) -> int:
    from edge.io.coco import write_coco
    from edge.io.dataset import write_split
    from edge.io.labels import read_labelled

    from_folder = args.data.is_dir()  # a folder's labels have no category: --category names the one written
    items = read_labelled(args.data, args.split, args.images, None if from_folder else args.category)
    if args.to.suffix.lower() == ".json":
        write_coco(items, args.to, args.category or "loop", args.copy_images)
    else:
        write_split(items, args.to, args.split)
    print(f"{len(items)} images, {sum(len(item.boxes) for item in items)} boxes written to {args.to}")
    return 0
