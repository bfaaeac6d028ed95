"""Module III: the shape and size of each defect, from a watershed flood inside its box.

For each candidate box the frame is cropped with a margin, smoothed and oriented so the
loop's contrast is dark. The flood landscape is the outward (radial) intensity slope seen
from the box centre: it is high only on the loop's outer edge, so a hollow ring and a
filled disc are both measured out to their outer edge. An inner marker at the centre and
an outer marker along the crop border flood that landscape until they meet; the moment
ellipse of the inner basin gives the centre, the axes (diameter = major axis) and the
orientation.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from edge.kernels.landscape import brighter_inside, flood_landscape, region_moments
from edge.kernels.watershed import flood

Polarity = Literal["auto", "dark", "bright"]
POLARITIES: tuple[str, ...] = ("auto", "dark", "bright")

OUTER, INNER = 1, 2
SMOOTHING_SIGMA_PX = 0.7


@dataclass(frozen=True)
class Defect:
    """One measured defect; lengths in pixels, angle in degrees from +x towards +y."""

    x: float
    y: float
    bbox: tuple[int, int, int, int]
    major_px: float
    minor_px: float
    angle_deg: float
    area_px: float
    score: float | None = None


def measure_defects(
    frame: np.ndarray,
    boxes: np.ndarray,
    polarity: Polarity = "auto",
    scores: np.ndarray | None = None,
    flood_function: Callable[[np.ndarray, np.ndarray], np.ndarray] = flood,
) -> list[Defect]:
    """Measure the defect inside each box ``[x0, y0, x1, y1]`` (pixels, exclusive end).

    ``polarity`` says whether loops are darker ("dark") or brighter ("bright") than their
    surroundings; "auto" decides per box from the box's contrast with its surroundings.
    Boxes that leave no pixels inside the frame, or whose flood finds no region, are
    skipped. ``flood_function(landscape, markers)`` is our kernel unless a benchmark swaps
    in a baseline with the same labels (``skimage.segmentation.watershed``).
    """
    if frame.ndim != 2:
        raise ValueError(f"measure_defects needs a 2-D greyscale frame, got shape {frame.shape}")
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    image = frame.astype(np.float32, copy=False)
    defects = []
    for index, box in enumerate(boxes):
        score = None if scores is None else float(scores[index])
        defect = _measure_one(image, box, polarity, score, flood_function)
        if defect is not None:
            defects.append(defect)
    return defects


@dataclass(frozen=True)
class FloodInput:
    """What the flood of one box works on: the 8-bit landscape, the markers, and where the
    (possibly upsampled) crop sits in the frame."""

    landscape: np.ndarray
    markers: np.ndarray
    origin: tuple[int, int]
    zoom: int
    bbox: tuple[int, int, int, int]


def flood_input(image: np.ndarray, box: np.ndarray, polarity: str = "auto") -> FloodInput | None:
    """The landscape and markers for the box ``[x0, y0, x1, y1]`` of a float32 frame, or
    None when the box keeps fewer than 3x3 pixels inside the frame."""
    height, width = image.shape
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    margin = max(4, int(0.25 * max(x1 - x0, y1 - y0)))
    cx0, cy0 = max(x0 - margin, 0), max(y0 - margin, 0)
    cx1, cy1 = min(x1 + margin, width), min(y1 + margin, height)
    zoom = _zoom_for(max(x1 - x0, y1 - y0))
    crop = image[cy0:cy1, cx0:cx1]
    if zoom > 1:
        crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    centre = (zoom * ((x0 + x1) / 2 - cx0) - 0.5, zoom * ((y0 + y1) / 2 - cy0) - 0.5)
    inner_box = tuple(zoom * v for v in (x0 - cx0, y0 - cy0, x1 - cx0, y1 - cy0))

    smooth = cv2.GaussianBlur(crop, (0, 0), SMOOTHING_SIGMA_PX * zoom)
    sign = -1.0 if _is_bright(smooth, inner_box, polarity) else 1.0
    inner_radius = zoom * max(1.0, 0.12 * min(x1 - x0, y1 - y0))
    grad_x = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    grad_y = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    landscape, markers = flood_landscape(grad_x, grad_y, centre[0], centre[1], inner_radius, OUTER, INNER, sign)
    return FloodInput(landscape, markers, (cx0, cy0), zoom, (x0, y0, x1, y1))


def _measure_one(
    image: np.ndarray, box: np.ndarray, polarity: str, score: float | None, flood_function
) -> Defect | None:
    prepared = flood_input(image, box, polarity)
    if prepared is None:
        return None
    moments = region_moments(flood_function(prepared.landscape, prepared.markers), INNER)
    return _ellipse(moments, prepared.zoom, prepared.origin, prepared.bbox, score)


def _zoom_for(box_side: int) -> int:
    """Small boxes are flooded on a 2x or 4x upsampled crop: sub-pixel boundaries."""
    if box_side < 24:
        return 4
    if box_side < 64:
        return 2
    return 1


def _is_bright(smooth: np.ndarray, box: tuple[float, ...], polarity: str) -> bool:
    if polarity != "auto":
        return polarity == "bright"
    return brighter_inside(smooth, *(int(round(v)) for v in box))


def _ellipse(
    moments: tuple[float, ...], zoom: int, offset: tuple[int, int], bbox: tuple[int, int, int, int], score: float | None
) -> Defect | None:
    area, m10, m01, mu20, mu02, mu11 = moments
    if area < 3:
        return None
    scale = 1.0 / zoom
    mu20, mu02, mu11 = mu20 / area, mu02 / area, mu11 / area
    spread = np.sqrt(((mu20 - mu02) / 2) ** 2 + mu11**2)
    major_var = (mu20 + mu02) / 2 + spread
    minor_var = max((mu20 + mu02) / 2 - spread, 0.0)
    angle = 0.5 * np.degrees(np.arctan2(2 * mu11, mu20 - mu02))
    return Defect(
        x=offset[0] + (m10 / area + 0.5) * scale - 0.5,
        y=offset[1] + (m01 / area + 0.5) * scale - 0.5,
        bbox=bbox,
        major_px=4 * float(np.sqrt(major_var)) * scale,
        minor_px=4 * float(np.sqrt(minor_var)) * scale,
        angle_deg=float(angle),
        area_px=float(area) * scale * scale,
        score=score,
    )
