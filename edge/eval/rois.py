"""Each image's loops as an ImageJ/Fiji ROI set: a .zip of one outline per defect, named by its
number (its row in the image's JSON and in the defect table), to open with the image in Fiji's
ROI Manager and measure or correct there."""

import math
from pathlib import Path

import numpy as np
from roifile import ImagejRoi, roiwrite

from edge.pipeline.measure import Defect

OUTLINE_POINTS = 64  # points on each fitted ellipse: smooth at any loop size Fiji shows


def ellipse_outline(defect: Defect, points: int = OUTLINE_POINTS) -> np.ndarray:
    """``(points, 2)`` x, y on the defect's fitted ellipse, in our pixel coordinates (a pixel's
    centre at integer coordinates)."""
    turn = math.radians(defect.angle_deg)
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    major, minor = defect.major_px / 2, defect.minor_px / 2
    x = defect.x + major * np.cos(t) * math.cos(turn) - minor * np.sin(t) * math.sin(turn)
    y = defect.y + major * np.cos(t) * math.sin(turn) + minor * np.sin(t) * math.cos(turn)
    return np.column_stack([x, y])


def write_roi_set(path: Path, defects: list[Defect]) -> None:
    """The ROI set of one image's ``defects``: a freehand ROI of each fitted ellipse, named
    ``0001``, ``0002``, ... in the defects' order. ImageJ puts a pixel's centre at +0.5, so the
    outlines are shifted by half a pixel. Without defects there is no set: one an earlier run
    wrote at ``path`` is removed, so that it cannot pass for this run's."""
    path.unlink(missing_ok=True)
    if not defects:
        return
    names = [f"{number:04d}" for number in range(1, len(defects) + 1)]
    rois = [ImagejRoi.frompoints(ellipse_outline(d) + 0.5, name=name) for d, name in zip(defects, names, strict=True)]
    roiwrite(path, rois, name=names, mode="w")
