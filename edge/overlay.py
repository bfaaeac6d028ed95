"""An overlay PNG: the frame with each defect's fitted ellipse drawn on it."""

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from edge.images import to_uint8
from edge.measure import Defect

ELLIPSE_COLOUR = (0, 220, 0)
BOX_COLOUR = (0, 0, 230)


def draw_overlay(pixels: np.ndarray, defects: Sequence[Defect], show_boxes: bool = True) -> np.ndarray:
    """A BGR image of the frame with ellipses (green) and candidate boxes (red, thin)."""
    canvas = cv2.cvtColor(to_uint8(pixels), cv2.COLOR_GRAY2BGR)
    thickness = max(1, round(max(pixels.shape) / 1024))
    for defect in defects:
        if show_boxes:
            x0, y0, x1, y1 = defect.bbox
            cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), BOX_COLOUR, 1)
        centre = (round(defect.x), round(defect.y))
        axes = (max(1, round(defect.major_px / 2)), max(1, round(defect.minor_px / 2)))
        cv2.ellipse(canvas, centre, axes, defect.angle_deg, 0, 360, ELLIPSE_COLOUR, thickness, cv2.LINE_AA)
    return canvas


def write_overlay(path: str | Path, pixels: np.ndarray, defects: Sequence[Defect]) -> None:
    """Write the overlay of ``defects`` on ``pixels`` as a PNG."""
    if not cv2.imwrite(str(path), draw_overlay(pixels, defects)):
        raise OSError(f"could not write overlay {path}")
