"""How far a change of the measurement moves the sizes it publishes: li2018's labelled loops
measured in their label boxes by two checkouts, compared loop by loop and image by image, and
against the experts' own ellipses.

    python docs/examples/sizes_against.py measure SIZES.csv [--all] [--follow-rounds N]
    python docs/examples/sizes_against.py compare BEFORE.csv AFTER.csv
    python docs/examples/sizes_against.py experts BEFORE.csv [AFTER.csv ...]

``measure`` measures each labelled loop of the 40 validation images of the bundled screen's
record (li2018's *train* split; ``--all``: the whole train split) in its label box, a frame's
boxes together as the pipeline measures them, with the measurement of whichever ``edge`` the
running Python imports, and writes one row a loop (``--follow-rounds N``: following each loop's
outline at most N times, 0 for the detector's window alone, where the default is 3). It uses
only ``read_split``, ``read_frame`` and ``measure_defects``, which older commits have too, so an
older commit's sizes come from its own checkout and environment running this file::

    git worktree add ../before COMMIT
    python3 -m venv ../before/.venv && ../before/.venv/bin/pip install -e ../before
    ../before/.venv/bin/python docs/examples/sizes_against.py measure before.csv
    .venv/bin/python docs/examples/sizes_against.py measure after.csv
    python docs/examples/sizes_against.py compare before.csv after.csv

``compare`` prints, for the loops both measured, the image's mean major axis after over before
(the figure a microscopist reads per frame: median and 10th-90th percentile over the images),
the same per loop with the shares that moved by over 10 %, and the loops by kind before and
after (hollow H, filled F) with the median ratio of each.

``experts`` compares each file's ellipses with the ellipses li2018's experts drew. Their label
boxes were made from those ellipses by the paper's code (uw-cmg/MATLAB-loop-detection,
``getPos.m``): each side is the ellipse's extent along it, ``E``, rounded, plus ``min(max(5,
round(0.3 E)), 15)`` px (MATLAB's ``round``). The side grows with ``E``, so each box side gives
back the extent of the experts' ellipse (13 of the train split's 14,766 box sides are sides no
extent gives, against 18 % one pixel either way: the rule holds). Boxes on the frame's edge were cut by it
and are left out. A loop's error is the geometric mean of its measured ellipse's two extents
over the experts', less 1 (the major axis itself is not recoverable: the box keeps no angle).
Loops are grouped by the kind the first file measured them (rings by that measurement, and
blobs), so that every file is scored on the same loops; medians of the signed and absolute
error, and the absolute error's 75th percentile, per group. Then, for each later file, the
loops by their kind in the first file and in it (H -> F: hollow then, filled now), with both
files' median errors.
"""

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[2]
LI2018 = HERE.parent / "shared" / "data" / "li2018"
VALIDATION = HERE / "edge" / "models" / "li2018" / "screen.json"
FIELDS = ("image", "x0", "y0", "x1", "y1", "major_px", "hollow", "minor_px", "angle_deg", "frame_width", "frame_height")
LEAST_PAD_PX, PAD_SHARE, MOST_PAD_PX = 5, 0.3, 15  # getPos.m: a box side is E + min(max(5, round(0.3 E)), 15)


def measure(out: Path, every_image: bool, follow_rounds: int | None = None) -> None:
    """Write each labelled loop's ellipse (major and minor axis, angle) and kind, measured in its
    label box (empty where nothing was measured), with its frame's size, to the CSV file ``out``;
    ``follow_rounds``, where given, how many times each loop's outline is followed."""
    from edge.io.dataset import read_split
    from edge.io.images import read_frame
    from edge.pipeline.measure import measure_defects

    names = set(json.loads(VALIDATION.read_text())["validation_images"])
    items = [item for item in read_split(LI2018, "train") if every_image or item.image.name in names]
    with out.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(FIELDS)
        for item in items:
            boxes = np.asarray(item.boxes, dtype=np.float64).reshape(-1, 4)
            # a frame's boxes together, as the pipeline measures them (the polarity is the frame's);
            # each defect's score is its box's row, as older commits' measure_defects skip boxes unmeasured
            pixels = read_frame(item.image).pixels
            following = {} if follow_rounds is None else {"follow_rounds": follow_rounds}
            found = measure_defects(pixels, boxes, scores=np.arange(len(boxes)), **following)
            by_row = {int(defect.score): defect for defect in found}
            for row, box in enumerate(boxes):
                defect = by_row.get(row)
                shape = (defect.major_px, defect.hollow, defect.minor_px, defect.angle_deg) if defect else None
                measured = (
                    [f"{shape[0]:.3f}", int(shape[1]), f"{shape[2]:.3f}", f"{shape[3]:.2f}"] if shape else [""] * 4
                )
                height, width = pixels.shape[:2]
                writer.writerow([item.image.name, *box.astype(int).tolist(), *measured, width, height])


def _read(path: Path) -> list[tuple[tuple[str, ...], float, str]]:
    """A ``measure`` file's loops in order: image and box, major axis (NaN where none) and kind
    (H, F or -)."""
    with path.open(newline="") as file:
        return [
            (
                tuple(row[field] for field in FIELDS[:5]),
                float(row["major_px"]) if row["major_px"] else np.nan,
                {"1": "H", "0": "F"}.get(row["hollow"], "-"),
            )
            for row in csv.DictReader(file)
        ]


def compare(before_path: Path, after_path: Path) -> None:
    """Print how the sizes of ``after_path`` differ from those of ``before_path`` (both ``measure``
    files of the same loops)."""
    before, after = _read(before_path), _read(after_path)
    if [loop[0] for loop in before] != [loop[0] for loop in after]:
        sys.exit("compare: the two files hold different loops (measure both with or both without --all)")
    both = [
        (loop[0][0], loop[1], later[1], f"{loop[2]} -> {later[2]}")
        for loop, later in zip(before, after, strict=True)
        if np.isfinite(loop[1]) and np.isfinite(later[1])
    ]  # image, major before, major after, kinds
    ratios = np.array([major_after / major_before for _, major_before, major_after, _ in both])
    by_image = defaultdict(list)
    for image, major_before, major_after, _ in both:
        by_image[image].append((major_before, major_after))
    image_ratios = np.array(
        [np.mean([a for _, a in sizes]) / np.mean([b for b, _ in sizes]) for sizes in by_image.values()]
    )
    print(f"{len(both)} loops of {len(by_image)} images measured by both ({len(before) - len(both)} by one or neither)")
    print(
        f"image mean major axis, after / before: median {np.median(image_ratios):.3f}, "
        f"10th-90th percentile {np.percentile(image_ratios, 10):.3f}-{np.percentile(image_ratios, 90):.3f}"
    )
    print(
        f"per loop: median {np.median(ratios):.3f}; over 1.1: {np.mean(ratios > 1.1):.1%}, "
        f"under 0.9: {np.mean(ratios < 0.9):.1%}"
    )
    transitions = defaultdict(list)
    for (*_, kinds), ratio in zip(both, ratios, strict=True):
        transitions[kinds].append(ratio)
    for name, values in sorted(transitions.items()):
        print(
            f"  {name}: {len(values)} loops ({len(values) / len(both):.0%}), "
            f"after / before median {np.median(values):.3f}"
        )


def _padded_side(extent: int) -> int:
    """The box side ``getPos.m`` made for an ellipse extent of ``extent`` px (MATLAB's ``round``:
    halves away from zero)."""
    return extent + min(max(LEAST_PAD_PX, math.floor(PAD_SHARE * extent + 0.5)), MOST_PAD_PX)


# the side grows with the extent, a pixel or two a step, so each side comes from one extent at most
EXTENT_OF_SIDE = {_padded_side(extent): extent for extent in range(1, 4096)}


def expert_errors(path: Path) -> dict[tuple[str, ...], tuple[str, float]]:
    """Each loop of a ``measure`` file, by its image and box: its kind (H, F or -) and the error of
    its ellipse's extents against the experts' (NaN where the box lies on the frame's edge, a side
    comes from no extent, or nothing was measured)."""
    from edge.kernels.landscape import ellipse_half_extent

    errors = {}
    with path.open(newline="") as file:
        rows = csv.DictReader(file)
        if not set(FIELDS) <= set(rows.fieldnames or ()):
            sys.exit(f"experts: {path} lacks {sorted(set(FIELDS) - set(rows.fieldnames or ()))}: measure it again")
        for row in rows:
            key = tuple(row[field] for field in FIELDS[:5])
            x0, y0, x1, y1 = (int(value) for value in key[1:])
            kind = {"1": "H", "0": "F"}.get(row["hollow"], "-")
            on_edge = min(x0, y0) <= 1 or x1 >= int(row["frame_width"]) - 1 or y1 >= int(row["frame_height"]) - 1
            sides = (EXTENT_OF_SIDE.get(x1 - x0), EXTENT_OF_SIDE.get(y1 - y0))
            if on_edge or not row["major_px"] or None in sides:
                errors[key] = (kind, np.nan)
                continue
            turn = math.radians(float(row["angle_deg"]))
            half_x, half_y = ellipse_half_extent(float(row["major_px"]) / 2, float(row["minor_px"]) / 2, turn)
            errors[key] = (kind, math.sqrt(4 * half_x * half_y / (sides[0] * sides[1])) - 1)
    return errors


def experts(paths: list[Path]) -> None:
    """Print each file's error against the experts' ellipses, on the loops every file measured
    and the experts' box gives: those the first file measured hollow, those it measured filled,
    and all; then each later file against the first by kind then and now."""
    files = [expert_errors(path) for path in paths]
    if any(errors.keys() != files[0].keys() for errors in files):
        sys.exit("experts: the files hold different loops (measure all with or all without --all)")
    scored = [key for key in files[0] if all(np.isfinite(errors[key][1]) for errors in files)]
    first = files[0]
    groups = {"hollow then": "H", "filled then": "F", "all": None}
    for path, errors in zip(paths, files, strict=True):
        parts = [f"{path.name}: {sum(errors[key][0] == 'H' for key in scored)} hollow"]
        for name, kind in groups.items():
            values = np.array([errors[key][1] for key in scored if kind in (None, first[key][0])])
            parts.append(
                f"{name} ({len(values)}) {np.median(values):+.3f} signed, {np.median(np.abs(values)):.3f} abs "
                f"(75th percentile {np.percentile(np.abs(values), 75):.3f})"
            )
        print(" | ".join(parts))
    for path, errors in zip(paths[1:], files[1:], strict=True):
        print(f"{paths[0].name} -> {path.name}, by kind then and now:")
        pairs = defaultdict(list)
        for key in scored:
            pairs[f"{first[key][0]} -> {errors[key][0]}"].append((first[key][1], errors[key][1]))
        for name, values in sorted(pairs.items()):
            then, now = np.array(values).T
            print(
                f"  {name}: {len(values)} loops, {np.median(then):+.3f} signed and {np.median(np.abs(then)):.3f} abs "
                f"then, {np.median(now):+.3f} and {np.median(np.abs(now)):.3f} now"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    measuring = commands.add_parser("measure", help="measure the labelled loops in their label boxes")
    measuring.add_argument("out", type=Path, help="CSV file to write")
    measuring.add_argument("--all", action="store_true", help="the whole train split, not its 40 validation images")
    measuring.add_argument(
        "--follow-rounds", type=int, help="follow each outline at most this many times (0: the window alone)"
    )
    comparing = commands.add_parser("compare", help="compare two measure files")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    against = commands.add_parser("experts", help="measure files against the experts' ellipses")
    against.add_argument(
        "files", type=Path, nargs="+", help="measure files of the same loops, the first setting the groups"
    )
    arguments = parser.parse_args()
    if arguments.command == "measure":
        measure(arguments.out, arguments.all, arguments.follow_rounds)
    elif arguments.command == "compare":
        compare(arguments.before, arguments.after)
    else:
        experts(arguments.files)


if __name__ == "__main__":
    main()
