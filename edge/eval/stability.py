"""Whether a loop's measured size depends on the box it is measured in.

A detector's window around the same loop moves and changes size from frame to frame. Each
labelled loop is measured in its label box and again in copies of that box moved by up to
``MOVE`` of its side in x and y and scaled by ``SCALE`` about its centre; the relative
difference of the major axes says how much the box, rather than the loop, decides the size.
"""

from dataclasses import dataclass

import numpy as np

from edge.io.dataset import LabelledImage
from edge.io.images import read_frame
from edge.pipeline.measure import LoopMeasurer

MOVE = 0.15  # of the box's side, each way, in x and in y
SCALE = (0.8, 1.25)  # the box's sides scaled by a factor drawn log-uniformly in this range


@dataclass(frozen=True)
class Stability:
    """The loops measured in their label box, the moved boxes drawn for each, and the
    ``|moved - label box| / label box`` major axes of the moved boxes that measured something
    (the others are lost)."""

    loops: int
    copies: int
    differences: np.ndarray

    def summary(self) -> dict:
        """Counts, the share of moved boxes lost, and the median and 90th percentile difference."""
        measured = self.differences
        moved = self.loops * self.copies
        return {
            "loops": self.loops,
            "moved_boxes": moved,
            "lost_share": (moved - len(measured)) / moved if moved else None,
            "median_difference": float(np.median(measured)) if len(measured) else None,
            "p90_difference": float(np.percentile(measured, 90)) if len(measured) else None,
        }


def moved_boxes(boxes: np.ndarray, copies: int, rng: np.random.Generator) -> np.ndarray:
    """``copies`` moved and resized copies of each box ``[x0, y0, x1, y1]``, ``(N, copies, 4)``.

    Examples
    --------
    >>> moved = moved_boxes(np.array([[0.0, 0.0, 100.0, 50.0]]), 200, np.random.default_rng(0))
    >>> widths = moved[0, :, 2] - moved[0, :, 0]
    >>> bool(widths.min() >= 80 and widths.max() <= 125)
    True
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 1, 4)
    sides = boxes[..., 2:] - boxes[..., :2]
    centres = (boxes[..., :2] + boxes[..., 2:]) / 2
    shifts = rng.uniform(-MOVE, MOVE, (len(boxes), copies, 2)) * sides
    scales = np.exp(rng.uniform(np.log(SCALE[0]), np.log(SCALE[1]), (len(boxes), copies, 1)))
    half = sides / 2 * scales
    return np.concatenate((centres + shifts - half, centres + shifts + half), axis=-1)


def box_stability(
    items: list[LabelledImage], copies: int = 4, measurer: LoopMeasurer | None = None, seed: int = 0
) -> Stability:
    """Measure each labelled loop of ``items`` with ``measurer`` (None: the default
    ``LoopMeasurer``) in its box and in ``copies`` moved boxes (drawn from ``seed``); loops the
    label box measures nothing in are left out."""
    rng = np.random.default_rng(seed)
    measurer = measurer or LoopMeasurer()
    loops = 0
    differences: list[float] = []
    for item in items:
        pixels = read_frame(item.image).pixels
        moved = measurer.measure_each(pixels, moved_boxes(item.boxes, copies, rng).reshape(-1, 4))
        for index, reference in enumerate(measurer.measure_each(pixels, item.boxes)):
            if reference is None:
                continue
            loops += 1
            for defect in moved[index * copies : (index + 1) * copies]:
                if defect is not None:
                    differences.append(abs(defect.major_px - reference.major_px) / reference.major_px)
    return Stability(loops, copies, np.array(differences))
