"""Each labelled loop's measured outline against its label box: where the measurement lost a loop.

    python docs/examples/label_box_extent.py [--all] [--worst N] [--by-kind]

Each labelled loop of the 40 validation images of the bundled screen's record (li2018's *train*
split; ``--all``: the whole train split) is measured in its label box, and its outline's longer
extent (the axis-aligned extent of its fitted ellipse) divided by the box's longer side. li2018's
boxes are the experts' ellipses padded, so most loops come out at 0.8-1.0; far under that, the
measurement has lost part of the loop (an arc, a ring open on one side), far over it, run into a
neighbour. Prints the percentiles of that ratio by label box side, the counts under 0.5 and 0.6
and over 1.5, and the ``--worst`` loops at each end, to draw and look at. ``--by-kind`` also
prints, for hollow and filled loops apart, the box's longer side less the measured major axis
(the experts' padding, 5-15 px, where the loop is measured as they drew it) and the major axis
over the side.
"""

import argparse
import json
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from edge.io.bundled import BUNDLED_SET
from edge.io.dataset import read_split
from edge.io.images import read_frame
from edge.pipeline.measure import LoopMeasurer, outline_boxes

LI2018 = Path(__file__).parents[2].parent / "shared" / "data" / "li2018"
SIZE_RANGES = ((0, 40), (40, 70), (70, 10_000))


class Measured(NamedTuple):
    """One labelled loop measured in its label box (NaN and None where nothing was measured)."""

    image: str
    box: list[int]
    side: float  # the label box's longer side, px
    ratio: float  # the measured outline's longer extent over ``side``
    major: float  # the measured major axis, px
    hollow: bool | None


def extent_ratios(every_image: bool) -> list[Measured]:
    """Each labelled loop of the validation images (``every_image``: the whole train split),
    measured in its label box."""
    names = set(json.loads((BUNDLED_SET / "screen.json").read_text())["validation_images"])
    items = [item for item in read_split(LI2018, "train") if every_image or item.image.name in names]
    measurer = LoopMeasurer()
    rows = []
    for item in items:
        pixels = read_frame(item.image).pixels
        for box, defect in zip(item.boxes, measurer.measure_each(pixels, item.boxes), strict=True):
            side = float(max(box[2] - box[0], box[3] - box[1]))
            if defect is None:
                rows.append(Measured(item.image.name, box.astype(int).tolist(), side, math.nan, math.nan, None))
                continue
            outline = outline_boxes([defect])[0]
            extent = max(outline[2] - outline[0], outline[3] - outline[1])
            ratio = float(extent / side)
            rows.append(
                Measured(item.image.name, box.astype(int).tolist(), side, ratio, defect.major_px, defect.hollow)
            )
    return rows


def print_by_kind(rows: list[Measured]) -> None:
    """Per label box side and kind: loops, the median of the box's side less the major axis, and
    the median major axis over the side."""
    print(f"{'label box side':<16} {'kind':<7} {'loops':>6}  side - major (median px)  major / side (median)")
    for low, high in SIZE_RANGES:
        for kind, hollow in (("hollow", True), ("filled", False)):
            chosen = [row for row in rows if row.hollow is hollow and low <= row.side < high]
            if not chosen:
                continue
            sides, majors = np.array([row.side for row in chosen]), np.array([row.major for row in chosen])
            print(
                f"{_size_name(low, high):<16} {kind:<7} {len(chosen):>6}  {np.median(sides - majors):>24.1f}"
                f"  {np.median(majors / sides):>21.3f}"
            )


def _size_name(low: int, high: int) -> str:
    return f"{low}-{high - 1} px" if high < 10_000 else f">= {low} px"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="the whole train split, not the 40 validation images")
    parser.add_argument("--worst", type=int, default=10, help="loops to list at each end (default 10)")
    parser.add_argument("--by-kind", action="store_true", help="also the box's side less the major axis, by kind")
    options = parser.parse_args()
    rows = extent_ratios(options.all)
    sides = np.array([row.side for row in rows])
    ratios = np.array([row.ratio for row in rows])
    print(f"{len(rows)} loops, {int(np.isnan(ratios).sum())} measured as nothing")
    print(f"{'label box side':<16} {'loops':>6}  outline extent / box side: 5th, 25th, 50th, 75th, 95th percentile")
    for low, high in SIZE_RANGES:
        chosen = ratios[(sides >= low) & (sides < high)]
        name = _size_name(low, high)
        percentiles = ", ".join(f"{value:.2f}" for value in np.nanpercentile(chosen, [5, 25, 50, 75, 95]))
        print(f"{name:<16} {len(chosen):>6}  {percentiles}")
    print(f"under 0.5: {(ratios < 0.5).sum()}, under 0.6: {(ratios < 0.6).sum()}, over 1.5: {(ratios > 1.5).sum()}")
    order = np.argsort(np.nan_to_num(ratios, nan=0.0))
    for title, picked in (("smallest", order[: options.worst]), ("largest", order[::-1][: options.worst])):
        print(f"{title}:")
        for index in picked:
            row = rows[index]
            print(f"  {row.ratio:5.2f}  {row.image}  box {row.box}")
    if options.by_kind:
        print_by_kind(rows)


if __name__ == "__main__":
    main()
