"""How far a change of the measurement moves the sizes it publishes: li2018's labelled loops
measured in their label boxes by two checkouts, compared loop by loop and image by image.

    python docs/examples/sizes_against.py measure SIZES.csv [--all]
    python docs/examples/sizes_against.py compare BEFORE.csv AFTER.csv

``measure`` measures each labelled loop of the 40 validation images of the bundled screen's
record (li2018's *train* split; ``--all``: the whole train split) in its label box, a frame's
boxes together as the pipeline measures them, with the measurement of whichever ``edge`` the
running Python imports, and writes one row a loop. It uses
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
"""

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[2]
LI2018 = HERE.parent / "shared" / "data" / "li2018"
VALIDATION = HERE / "edge" / "models" / "li2018" / "screen.json"
FIELDS = ("image", "x0", "y0", "x1", "y1", "major_px", "hollow")


def measure(out: Path, every_image: bool) -> None:
    """Write each labelled loop's major axis and kind, measured in its label box (an empty major
    axis where nothing was measured), to the CSV file ``out``."""
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
            found = measure_defects(read_frame(item.image).pixels, boxes, scores=np.arange(len(boxes)))
            by_row = {int(defect.score): defect for defect in found}
            for row, box in enumerate(boxes):
                defect = by_row.get(row)
                major, hollow = (f"{defect.major_px:.3f}", int(defect.hollow)) if defect else ("", "")
                writer.writerow([item.image.name, *box.astype(int).tolist(), major, hollow])


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    measuring = commands.add_parser("measure", help="measure the labelled loops in their label boxes")
    measuring.add_argument("out", type=Path, help="CSV file to write")
    measuring.add_argument("--all", action="store_true", help="the whole train split, not its 40 validation images")
    comparing = commands.add_parser("compare", help="compare two measure files")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    arguments = parser.parse_args()
    if arguments.command == "measure":
        measure(arguments.out, arguments.all)
    else:
        compare(arguments.before, arguments.after)


if __name__ == "__main__":
    main()
