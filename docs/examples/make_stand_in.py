"""Stand-ins for another lab's in-situ bright-field frames, made from li2018's *training* images.

    python docs/examples/make_stand_in.py OUT_DIR [--plain]

16 frames, 12 written to ``OUT_DIR/train.json`` and 4 to ``OUT_DIR/test.json`` (COCO), with the
images in ``OUT_DIR/images/``:

- 8 of li2018's bright-field frames ("BF X500K ...", dark loops on a light ground) and 8 of its
  other frames (among the 40 with the most loops), drawn with seed 7 from the *train* split only;
- each made to look like an in-situ bright-field frame: inverted where its loops are brighter
  than their surroundings, halved (1024 -> 512 px, loops half as many pixels across), blurred
  (sigma 1 px), and given Gaussian noise of sd contrast / SNR, the SNR drawn from 2-4 per
  frame (the contrast: the median over the labelled loops of how far their box's darkest
  tenth lies from the frame's median). Boxes are halved with the frame.

``OUT_DIR/audit.csv`` carries over the decisions of the audits about those frames
(``edge/models/li2018/audit*.csv``: loops nobody boxed, boxes that are no loop; the bundled set's,
and ``audit-stand-in.csv``, what sets trained on this stand-in kept and lost in its 16 source
frames; the ``--plain`` recipe's audit carries those about the sources it shares), scaled and
renamed with them. Give it to ``edge evaluate --audit`` so that precision counts a detection on
an unboxed loop as right (li2018's bright-field frames box only a few of the loops they show),
and to ``edge train screen --audit`` as a user who completed their labels would.

With ``--plain``, 16 of the 40 train frames with the most loops are only cut to 512x512 where
most loops are (the stand-in of docs/train-your-own.md). ``stand_ins()`` gives each frame with its source
and the scale, so a script can compare what is measured in a stand-in with the same loops in
the original (docs/examples/stand_in_sizes.py). It stands in for another lab's 12 + 4 frames;
it is not held-out data of another material.
"""

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.io.coco import write_coco
from edge.io.dataset import LabelledImage, read_split
from edge.train.audit import DECISION_COLUMNS, Decision, read_decisions

LI2018 = Path(__file__).parents[2].parent / "shared" / "data" / "li2018"
AUDITS = sorted((Path(__file__).parents[2] / "edge" / "models" / "li2018").glob("audit*.csv"))
SNR_RANGE = (2.0, 4.0)
BLUR_PX = 1.0
SIDE = 512


@dataclass(frozen=True)
class StandIn:
    """One stand-in frame: its pixels and boxes, the li2018 image and boxes it was made from,
    and how: ``scale`` (0.5: halved) and ``origin`` (the crop's corner in the source, ``--plain``)."""

    pixels: np.ndarray
    boxes: np.ndarray
    source: LabelledImage
    scale: float
    origin: tuple[int, int]


def chosen_sources(data: Path = LI2018) -> list[LabelledImage]:
    """8 bright-field and 8 other frames of li2018's train split, 1024x1024, drawn with seed 7."""
    items = [it for it in read_split(data, "train") if cv2.imread(str(it.image), 0).shape == (1024, 1024)]
    rng = np.random.default_rng(7)
    bright_field = [it for it in items if it.image.name.startswith("BF X500K")]
    dense = sorted((it for it in items if it not in bright_field), key=lambda it: -len(it.boxes))[:40]
    picked_bf = [bright_field[i] for i in rng.choice(len(bright_field), 8, replace=False)]
    picked_dense = [dense[i] for i in rng.choice(len(dense), 8, replace=False)]
    # alternate the two kinds, so train (12) and test (4) each hold both
    return [item for pair in zip(picked_bf, picked_dense, strict=True) for item in pair]


def plain_sources(data: Path = LI2018) -> list[LabelledImage]:
    """16 of the 40 train frames with the most loops, drawn with seed 7 (the ``--plain`` recipe)."""
    items = [it for it in read_split(data, "train") if cv2.imread(str(it.image), 0).shape == (1024, 1024)]
    dense = sorted(items, key=lambda it: -len(it.boxes))[:40]
    return [dense[i] for i in np.random.default_rng(7).choice(len(dense), 16, replace=False)]


def stand_ins(plain: bool = False, data: Path = LI2018) -> Iterator[StandIn]:
    """The 16 stand-in frames, in order (the first 12 train, the last 4 test)."""
    if plain:
        yield from (_cropped(cv2.imread(str(item.image), 0), item) for item in plain_sources(data))
        return
    rng = np.random.default_rng(11)
    for item in chosen_sources(data):
        image = cv2.imread(str(item.image), 0).astype(np.float32)
        contrast = _loop_contrast(image, item.boxes)
        if contrast < 0:  # loops brighter than their surroundings: turn them dark, as in bright field
            image, contrast = 255 - image, -contrast
        halved = cv2.resize(image, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
        blurred = cv2.GaussianBlur(halved, (0, 0), BLUR_PX)
        noisy = blurred + rng.normal(0, contrast / rng.uniform(*SNR_RANGE), blurred.shape).astype(np.float32)
        pixels = np.clip(noisy, 0, 255).astype(np.uint8)
        yield StandIn(pixels, item.boxes / 2, item, 0.5, (0, 0))


def _loop_contrast(image: np.ndarray, boxes: np.ndarray) -> float:
    """How much darker the loops are than the frame (negative: brighter): the median over the
    boxes of how far the box's darker (10th percentile) or lighter (90th) tail lies from the
    frame's median, whichever is farther in the median box."""
    background = float(np.median(image))
    darker, lighter = [], []
    for x0, y0, x1, y1 in np.rint(boxes).astype(int):
        inside = image[max(y0, 0) : y1, max(x0, 0) : x1]
        if inside.size:
            darker.append(background - float(np.percentile(inside, 10)))
            lighter.append(float(np.percentile(inside, 90)) - background)
    if not darker:
        return 0.0
    dark, light = float(np.median(darker)), float(np.median(lighter))
    return dark if dark >= light else -light


def _cropped(image: np.ndarray, item: LabelledImage) -> StandIn:
    centres = (item.boxes[:, :2] + item.boxes[:, 2:]) / 2
    corners = [(y, x) for y in range(0, 513, 128) for x in range(0, 513, 128)]
    y, x = max(corners, key=lambda corner: _inside(centres, corner).sum())
    boxes = np.clip(item.boxes[_inside(centres, (y, x))] - [x, y, x, y], 0, SIDE)
    return StandIn(image[y : y + SIDE, x : x + SIDE], boxes, item, 1.0, (x, y))


def _inside(centres: np.ndarray, corner: tuple[int, int]) -> np.ndarray:
    y, x = corner
    return (centres[:, 0] >= x) & (centres[:, 0] < x + SIDE) & (centres[:, 1] >= y) & (centres[:, 1] < y + SIDE)


def audit_rows(stand_in: StandIn, name: str, decisions: list[Decision]) -> list[list]:
    """Of the bundled audit's ``decisions``, those about ``stand_in``'s source frame, as rows of
    a decisions file about the stand-in ``name``: boxes scaled and shifted as the frame was,
    those whose centre falls outside it left out."""
    rows = []
    for decision in (d for d in decisions if d.image == stand_in.source.image.name):
        box = np.array(decision.box) * stand_in.scale - np.tile(stand_in.origin, 2)
        centre = (box[:2] + box[2:]) / 2
        if (centre >= 0).all() and (centre < SIDE).all():
            rows.append([name, *(round(float(v), 3) for v in box), decision.decision, decision.reason])
    return rows


def main() -> None:
    out = Path(sys.argv[1])
    (out / "images").mkdir(parents=True, exist_ok=True)
    audit = [decision for path in AUDITS for decision in read_decisions(path)]
    made, decisions = [], []
    for k, stand_in in enumerate(stand_ins(plain="--plain" in sys.argv)):
        path = out / "images" / f"frame{k:02d}.png"
        cv2.imwrite(str(path), stand_in.pixels)
        made.append(LabelledImage(path, stand_in.boxes))
        decisions += audit_rows(stand_in, path.name, audit)
    write_coco(made[:12], out / "train.json")
    write_coco(made[12:], out / "test.json")
    with open(out / "audit.csv", "w", newline="") as file:
        csv.writer(file).writerows([DECISION_COLUMNS, *decisions])
    print(sum(len(m.boxes) for m in made[:12]), "train boxes", sum(len(m.boxes) for m in made[12:]), "test boxes")


if __name__ == "__main__":
    main()
