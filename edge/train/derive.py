"""Settings that follow the data: the detector's scan range and working resolution, the
screen's crop size and the evaluation's centre tolerance, derived from the sizes of the
training boxes instead of carried over from li2018.

The rules (a box's size is its longer side):
- working resolution: frames are analysed at their own size, or halved (again while it
  holds) when even the smallest loops (2nd percentile of box sizes) stay at least
  ``2 x window`` px, so large loops do not cost scanning time;
- scan range, in working pixels: from the 2nd percentile of box sizes (at least 6 px; the
  detector upsamples where this is below the cascade's window) to 1.1 x the largest box;
- screen crop: 16 px when the median box, with its context, is at most 20 px, else 32 px;
- centre tolerance for scoring and for labelling training candidates: 0.4 x the median box
  size in frame pixels, at least 3 px (li2018: 0.4 x 52 = 21 px, against its protocol's 20);
- the frames' pixel size: the one given, else the one all training frames' files carry (within
  ``SAME_PIXEL_SIZE`` of each other), else unknown; frames of another known pixel size are brought to
  it before detection (``edge.pipeline.scale``);
- the loops' contrast: "dark" or "bright", as most training boxes read against their crop's
  border (``edge.pipeline.measure.box_polarities``; unknown on an even split); frames whose loops
  are of the other contrast are shown to the models inverted (``edge.pipeline.orientation``);
- boxes from outlines: module III measures the loop inside each training box; the padding is
  the median ratio of a box's side to its measured outline's extent (square root of the areas'
  ratio), which is how these labellers box a loop. Where the padded outlines agree with the
  training boxes (median IoU >= 0.5, an unmeasurable box counting 0) and the padding is within
  the range a model set accepts, ``edge evaluate`` scores each loop as its measured outline
  padded so (``edge.pipeline.measure.outline_boxes``): more exact than the window the cascade
  fired on, whose size moves in scan steps of 26 %. Otherwise (the flood does not follow these
  loops) it scores the cascade's windows.
"""

import math
from collections import Counter

import numpy as np

from edge.io.boxes import box_iou
from edge.io.dataset import LabelledImage
from edge.io.images import read_frame
from edge.pipeline.crops import CONTEXT
from edge.pipeline.measure import Defect, box_polarities, measure_defects, outline_boxes
from edge.pipeline.model_set import PADDING_RANGE
from edge.pipeline.polarity import LoopPolarity

SMALL_PERCENTILE = 2.0
MIN_SCAN_PX = 6
LARGEST_MARGIN = 1.1
TOLERANCE_OF_MEDIAN = 0.4
MIN_TOLERANCE_PX = 3.0
MIN_WORKING_SIDE_PX = 256
MIN_OUTLINE_AGREEMENT = 0.5  # median IoU of the training boxes with their padded measured outlines
SAME_PIXEL_SIZE = 0.05  # relative: training frames whose files' pixel sizes differ by more have no one scale


def derive_settings(items: list[LabelledImage], window: int, pixel_size_nm: float | None = None) -> dict:
    """The model set's ``settings.json`` for a cascade of ``window`` px trained on ``items``
    (frames of ``pixel_size_nm``, where given): the settings and the box statistics they come from.

    Raises
    ------
    ValueError
        When ``items`` hold no boxes.
    """
    shapes, outlines, pixel_sizes, contrasts = [], [], [], Counter()
    for item in items:  # one frame in memory at a time
        frame = read_frame(item.image)
        shapes.append(frame.pixels.shape[:2])
        outlines.append((measure_defects(frame.pixels, item.boxes), len(item.boxes)))
        pixel_sizes.append(frame.pixel_size_nm)
        contrasts.update(polarity for polarity in box_polarities(frame.pixels, item.boxes) if polarity)
    sides = [_sides(item.boxes) for item in items]
    all_sides = np.concatenate(sides) if sides else np.zeros(0)
    if len(all_sides) == 0:
        raise ValueError("the training data has no labelled boxes to derive settings from")
    largest_frame = max(max(shape) for shape in shapes)
    working = largest_frame
    while working // 2 >= MIN_WORKING_SIDE_PX and _small(_working_sides(shapes, sides, working // 2)) >= 2 * window:
        working //= 2
    scaled = _working_sides(shapes, sides, working)
    min_size = max(MIN_SCAN_PX, int(math.floor(_small(scaled))))
    max_size = max(min_size + 1, int(math.ceil(LARGEST_MARGIN * scaled.max())))
    median_scaled = float(np.median(scaled))
    crop_px = 16 if CONTEXT * median_scaled <= 20 else 32
    tolerance = max(MIN_TOLERANCE_PX, round(TOLERANCE_OF_MEDIAN * float(np.median(all_sides)), 1))
    padding, agreement, measured = _outline_padding(outlines)
    return {
        "derived_from": {
            "images": len(items),
            "boxes": int(len(all_sides)),
            "frame_sides_px": [int(min(min(s) for s in shapes)), int(largest_frame)],
            "box_side_px": _percentiles(all_sides),
            "box_side_working_px": _percentiles(scaled),
            "cascade_window_px": window,
            "boxes_measured": measured,
            "box_padding_of_outline": padding,
            "outline_box_iou_median": agreement,
            "files_pixel_size_nm": _range(pixel_sizes),
            "boxes_by_contrast": {"dark": contrasts["dark"], "bright": contrasts["bright"]},
            "rules": "edge/train/derive.py",
        },
        "detector": {"min_size_px": min_size, "max_size_px": max_size, "working_side_px": int(working)},
        "screen": {"crop_px": crop_px},
        "evaluation": {"centre_tolerance_px": tolerance},
        "boxes": {"outline_padding": padding if _trusted(padding, agreement) else None},
        "frames": {
            "pixel_size_nm": pixel_size_nm or _one_pixel_size(pixel_sizes),
            "loop_polarity": _majority_contrast(contrasts),
        },
    }


def _majority_contrast(contrasts: Counter[str]) -> LoopPolarity | None:
    """The contrast most boxes read ("dark" or "bright"); None on an even split."""
    if contrasts["dark"] == contrasts["bright"]:
        return None
    return "dark" if contrasts["dark"] > contrasts["bright"] else "bright"


def _one_pixel_size(pixel_sizes: list[float | None]) -> float | None:
    """The training frames' pixel size: their median, where every file carries one and they
    agree within ``SAME_PIXEL_SIZE``; else None (unknown)."""
    if not pixel_sizes or any(size is None for size in pixel_sizes):
        return None
    low, high = min(pixel_sizes), max(pixel_sizes)
    return round(float(np.median(pixel_sizes)), 6) if high <= low * (1 + SAME_PIXEL_SIZE) else None


def _range(pixel_sizes: list[float | None]) -> list[float] | None:
    """The smallest and largest pixel size the training frames' files carry (None: none carries one)."""
    known = [size for size in pixel_sizes if size is not None]
    return [min(known), max(known)] if known else None


def _trusted(padding: float | None, agreement: float | None) -> bool:
    """Whether boxes may follow measured outlines: they agree with the training boxes, with a
    padding a model set accepts."""
    return (
        padding is not None and agreement >= MIN_OUTLINE_AGREEMENT and PADDING_RANGE[0] <= padding <= PADDING_RANGE[1]
    )


def _outline_padding(outlines: list[tuple[list[Defect], int]]) -> tuple[float | None, float | None, int]:
    """From each image's measured loops (each defect's ``bbox`` is its training box, rounded)
    and box count: the padding of boxes around their measured outlines, the median IoU of the
    boxes with their padded outlines (an unmeasured box counting 0), and how many boxes were
    measured."""
    defects = [defect for measured, _ in outlines for defect in measured]
    if not defects:
        return None, None, 0
    boxes = np.array([defect.bbox for defect in defects], np.float64)
    extents = outline_boxes(defects)
    areas = [np.prod(np.maximum(b[:, 2:] - b[:, :2], 1e-9), axis=1) for b in (boxes, extents)]
    padding = round(float(np.median(np.sqrt(areas[0] / areas[1]))), 3)
    padded = outline_boxes(defects, padding)
    ious = [float(box_iou(box, outline)[0, 0]) for box, outline in zip(boxes, padded, strict=True)]
    unmeasured = sum(count for _, count in outlines) - len(defects)
    agreement = float(np.median(ious + [0.0] * unmeasured))
    return padding, round(agreement, 3), len(defects)


def _sides(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])


def _working_sides(shapes, sides, working_side: int) -> np.ndarray:
    """Box sizes at the working resolution (a frame larger than ``working_side`` is reduced)."""
    return np.concatenate([s * min(1.0, working_side / max(shape)) for shape, s in zip(shapes, sides, strict=True)])


def _small(sides: np.ndarray) -> float:
    return float(np.percentile(sides, SMALL_PERCENTILE))


def _percentiles(sides: np.ndarray) -> dict:
    names = {"p2": 2, "p5": 5, "median": 50, "p95": 95, "max": 100}
    return {name: round(float(np.percentile(sides, q)), 1) for name, q in names.items()}
