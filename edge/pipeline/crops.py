"""Square crops around candidate boxes, resized for the screening CNN."""

import cv2
import numpy as np

from edge.io.images import check_view

CONTEXT = 1.25  # crop side = CONTEXT x the box's longer side, or at least the crop's least side (below)
# screens trained since 2026-12-07 crop at least this share of their input's side in frame pixels (their record's
# ``min_crop_px``): a small candidate is seen with more of its surroundings rather than magnified over 4/3
LEAST_CROP_OF_INPUT = 0.75
FRAME_CONTRAST_UNITS = 4.0  # screening inputs: pixels / (this x the frame's standard deviation)


def least_crop_side(input_px: int) -> float:
    """The least side, in frame pixels, of the crops a screen of ``input_px`` inputs is trained
    on and used with (recorded as its ``min_crop_px``)."""
    return LEAST_CROP_OF_INPUT * input_px


def box_crops(view: np.ndarray, boxes: np.ndarray, size: int, least_side: float = 0.0) -> np.ndarray:
    """``(N, size, size)`` uint8 crops of a frame's 8-bit view centred on each box ``[x0, y0, x1,
    y1]``, ``CONTEXT`` times its longer side and at least ``least_side`` px, borders reflected."""
    check_view(view, "cropping")
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros((0, size, size), np.uint8)
    sides = np.maximum(CONTEXT * np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]), least_side)
    pad = int(np.ceil(sides.max() / 2)) + 1
    padded = cv2.copyMakeBorder(view, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    crops = np.empty((len(boxes), size, size), np.uint8)
    for index, (box, side) in enumerate(zip(boxes, sides, strict=True)):
        centre_x, centre_y = (box[0] + box[2]) / 2 + pad, (box[1] + box[3]) / 2 + pad
        half = max(side / 2, 2.0)
        # floor(v + 0.5), not round(): Python rounds halves to even, which would make a
        # crop depend on the padding, and so on the other boxes of the frame
        x0, y0 = int(np.floor(centre_x - half + 0.5)), int(np.floor(centre_y - half + 0.5))
        x1, y1 = int(np.floor(centre_x + half + 0.5)), int(np.floor(centre_y + half + 0.5))
        crops[index] = cv2.resize(padded[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)
    return crops


def screen_inputs(view: np.ndarray, boxes: np.ndarray, size: int, least_side: float = 0.0) -> np.ndarray:
    """``(N, 1, size, size)`` float32 inputs of the screening CNN: each box's crop (``box_crops``) in
    units of ``FRAME_CONTRAST_UNITS`` times the frame's standard deviation, so that a crop keeps its
    contrast against the frame (a faint blob stays faint) while the frame's own brightness and
    contrast do not matter (the CNN removes each crop's mean). ``view`` is the frame's 8-bit view."""
    check_view(view, "screening")
    deviation = float(cv2.meanStdDev(view)[1][0, 0])
    crops = box_crops(view, boxes, size, least_side)[:, None].astype(np.float32)
    return crops / (FRAME_CONTRAST_UNITS * max(deviation, 1.0))
