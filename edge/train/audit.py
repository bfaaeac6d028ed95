"""``edge train audit``: labels completed by looking, as the paper's authors completed theirs.

The li2018 training labels leave out loops that its test labels would box, so a screen scored
against them is punished for finding loops nobody boxed. The authors sorted their training crops
by hand; this module does the same for the crops the labels and the models disagree on:

- candidates the current pipeline keeps (at a low, "confident" threshold) that no label is near;
- labelled loops that no loop the pipeline keeps (at its own threshold) is near.

``disputed_crops`` finds them, ``write_sheets`` draws them on shuffled contact sheets (each
crop at twice its size where it fits, with context around the box, without the model's score
or whether it was labelled) and writes a decisions template, and ``read_decisions`` /
``apply_decisions`` read the decisions back and apply them to the labels:

- a disputed box decided ``loop`` that no label covers becomes a label (once, however often it
  was decided so);
- a box decided ``not`` (not an a/2<111> loop) is no label, whether it was labelled or added;
- ``unsure`` changes nothing.

The decisions file (CSV: image, x0, y0, x1, y1, decision, reason) is versioned beside the model
set. The test split is never audited.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.eval.matching import centres_within
from edge.io.dataset import LabelledImage
from edge.io.images import read_frame, to_uint8
from edge.pipeline.measure import measure_defects, outline_boxes
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.screen import kept_indices

DECISIONS = ("loop", "not", "unsure")
DECISION_COLUMNS = ("image", "x0", "y0", "x1", "y1", "decision", "reason")
TILE_PX = 200  # a contact sheet's tile
CONTEXT = 2.5  # a tile shows this many times the box's longer side (at least MIN_REGION_PX)
MIN_REGION_PX = 40
SAME_BOX_PX = 0.5  # a decision applies to the label whose corners all lie this close


@dataclass(frozen=True)
class Disputed:
    """A box the labels and the models disagree on: ``unlabelled`` (the models keep it, no label
    is near) or ``rejected`` (labelled; nothing the models keep is near)."""

    image: Path
    box: tuple[float, float, float, float]
    kind: str


def disputed_crops(
    items: list[LabelledImage],
    pipeline: Pipeline,
    padding: float,
    tolerance_px: float,
    confident: float,
    decided: list["Decision"] = (),
) -> list[Disputed]:
    """The disputed boxes of ``items``: kept loops (candidates screened at ``confident``, each as
    its measured outline padded by ``padding``, as ``edge evaluate`` scores them) with no label
    centre within ``tolerance_px``, and labels with no kept loop of the pipeline's own threshold
    that near; less those within ``tolerance_px`` of a box ``decided`` before (an audit of a
    later model decides only what is new)."""
    if pipeline.screener is None:
        raise ValueError("an audit needs a screen: the model set has none")
    disputed = []
    for item in items:
        pixels = read_frame(item.image).pixels
        view = to_uint8(pixels)
        boxes, _, support = pipeline.detector.detect_with_support(view)
        boxes = boxes[support >= pipeline.screener.min_support]
        probabilities = pipeline.screener.probabilities(view, boxes)
        confident_loops = _outlines(pixels, boxes[kept_indices(boxes, probabilities, confident)], padding)
        own_loops = _outlines(pixels, boxes[kept_indices(boxes, probabilities, pipeline.screener.threshold)], padding)
        unlabelled = ~centres_within(confident_loops, item.boxes, tolerance_px).any(axis=1)
        rejected = ~centres_within(item.boxes, own_loops, tolerance_px).any(axis=1)
        seen = np.array([d.box for d in decided if d.image == item.image.name]).reshape(-1, 4)
        for boxes, kind in ((confident_loops[unlabelled], "unlabelled"), (item.boxes[rejected], "rejected")):
            fresh = ~centres_within(boxes, seen, tolerance_px).any(axis=1)
            disputed += [Disputed(item.image, tuple(box), kind) for box in boxes[fresh].tolist()]
    return disputed


def _outlines(pixels: np.ndarray, boxes: np.ndarray, padding: float) -> np.ndarray:
    """The loops measured in ``boxes``, as their outlines padded (those the flood can measure)."""
    return outline_boxes(measure_defects(pixels, boxes), padding).reshape(-1, 4)


def write_sheets(disputed: list[Disputed], out: Path, per_sheet: int = 30, seed: int = 0) -> list[Path]:
    """Shuffled contact sheets ``out/sheet-NN.png`` of the disputed boxes (tiles numbered
    ``NN-TT``, the box marked by its corners), ``out/decisions.csv`` with a row per tile to
    fill in, and ``out/index.json`` (tile -> image, box, kind: kept apart, not on the sheets)."""
    out.mkdir(parents=True, exist_ok=True)
    order = np.random.default_rng(seed).permutation(len(disputed))
    columns = 6
    frames: dict[Path, np.ndarray] = {}
    sheets, index, rows = [], {}, []
    for sheet_number, start in enumerate(range(0, len(order), per_sheet), 1):
        chosen = [disputed[i] for i in order[start : start + per_sheet]]
        tile_rows = -(-len(chosen) // columns)
        sheet = np.full((tile_rows * TILE_PX, columns * TILE_PX, 3), 255, np.uint8)
        for position, crop in enumerate(chosen):
            name = f"{sheet_number:02d}-{position + 1:02d}"
            if crop.image not in frames:
                frames = {crop.image: to_uint8(read_frame(crop.image).pixels)}  # one frame held at a time
            row, column = divmod(position, columns)
            sheet[row * TILE_PX : (row + 1) * TILE_PX, column * TILE_PX : (column + 1) * TILE_PX] = _tile(
                frames[crop.image], np.array(crop.box), name
            )
            index[name] = {"image": crop.image.name, "box": [round(v, 1) for v in crop.box], "kind": crop.kind}
            rows.append([name, crop.image.name, *(f"{v:.1f}" for v in crop.box), "", ""])
        path = out / f"sheet-{sheet_number:02d}.png"
        cv2.imwrite(str(path), sheet)
        sheets.append(path)
    (out / "index.json").write_text(json.dumps(index, indent=1))
    with open(out / "decisions.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["tile", *DECISION_COLUMNS])
        writer.writerows(rows)
    return sheets


def _tile(frame: np.ndarray, box: np.ndarray, name: str) -> np.ndarray:
    """``TILE_PX`` square: the frame around ``box`` (``CONTEXT`` times its side), corners of the
    box in yellow, the tile's name in the top left."""
    side = max(box[2] - box[0], box[3] - box[1])
    region = max(CONTEXT * side, MIN_REGION_PX)
    centre = (box[:2] + box[2:]) / 2
    zoom = TILE_PX / region
    # the frame shifted and scaled so that the region fills the tile, borders reflected
    warp = np.array([[zoom, 0, TILE_PX / 2 - zoom * centre[0]], [0, zoom, TILE_PX / 2 - zoom * centre[1]]])
    grey = cv2.warpAffine(frame, warp, (TILE_PX, TILE_PX), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    tile = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    x0, y0 = (zoom * (box[:2] - centre) + TILE_PX / 2).astype(int)
    x1, y1 = (zoom * (box[2:] - centre) + TILE_PX / 2).astype(int)
    arm = max(4, (x1 - x0) // 5)
    for x, y, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
        cv2.line(tile, (x, y), (x + dx * arm, y), (0, 230, 255), 1)
        cv2.line(tile, (x, y), (x, y + dy * arm), (0, 230, 255), 1)
    cv2.rectangle(tile, (0, 0), (TILE_PX - 1, TILE_PX - 1), (255, 255, 255), 1)
    cv2.putText(tile, name, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3)
    cv2.putText(tile, name, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
    return tile


@dataclass(frozen=True)
class Decision:
    """One audited box of one image: ``loop``, ``not`` (a loop) or ``unsure``, and why."""

    image: str
    box: tuple[float, float, float, float]
    decision: str
    reason: str


def read_decisions(path: Path) -> list[Decision]:
    """The decisions in the CSV ``path`` (columns ``DECISION_COLUMNS``; others, such as a
    sheet's ``tile``, are ignored); rows without a decision are skipped."""
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        missing = set(DECISION_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: no column {', '.join(sorted(missing))} (needs {', '.join(DECISION_COLUMNS)})")
        decisions = []
        for line, row in enumerate(reader, 2):
            decision = (row["decision"] or "").strip()
            if not decision:
                continue
            if decision not in DECISIONS:
                raise ValueError(f"{path}:{line}: decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
            box = tuple(float(row[key]) for key in ("x0", "y0", "x1", "y1"))
            decisions.append(Decision(row["image"].strip(), box, decision, (row["reason"] or "").strip()))
    return decisions


def apply_decisions(items: list[LabelledImage], decisions: list[Decision]) -> list[LabelledImage]:
    """``items`` with their labels completed: boxes decided ``loop`` that are not labelled
    added, labelled boxes decided ``not`` removed (see the module's docstring). Decisions
    about images not in ``items`` are ignored."""
    by_image: dict[str, list[Decision]] = {}
    for decision in decisions:
        by_image.setdefault(decision.image, []).append(decision)
    audited = []
    for item in items:
        mine = by_image.get(item.image.name, [])
        labelled = item.boxes.reshape(-1, 4)
        keep = np.ones(len(labelled), bool)
        added = []
        for decision in mine:
            same = (np.abs(labelled - np.array(decision.box)) <= SAME_BOX_PX).all(axis=1)
            added_before = [box for box in added if _same_box(box, decision.box)]
            if decision.decision == "not":
                keep &= ~same
                added = [box for box in added if box not in added_before]
            elif decision.decision == "loop" and not same.any() and not added_before:
                added.append(decision.box)
        boxes = np.vstack([labelled[keep], np.array(added).reshape(-1, 4)])
        outlines = None
        if item.outlines is not None:  # an added loop has no drawn outline
            outlines = [o for o, kept in zip(item.outlines, keep, strict=True) if kept] + [None] * len(added)
        before = np.zeros(len(keep), bool) if item.added is None else item.added
        audited.append(
            LabelledImage(item.image, boxes, outlines, np.concatenate([before[keep], np.ones(len(added), bool)]))
        )
    return audited


def _same_box(first: tuple, second: tuple) -> bool:
    return all(abs(a - b) <= SAME_BOX_PX for a, b in zip(first, second, strict=True))


def decision_counts(decisions: list[Decision]) -> dict[str, int]:
    """How many boxes were decided each way."""
    return {kind: sum(d.decision == kind for d in decisions) for kind in DECISIONS}
