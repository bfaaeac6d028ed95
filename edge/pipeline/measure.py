"""Module III: the shape and size of each defect, from watershed floods inside its box.

Each loop is measured on its outline, as the experts who labelled li2018 drew their
ellipses and as the paper's own flood does: a *hollow* loop (a dark line around a lighter
centre) on the centre line of its dark line, a *filled* one (a blob with no distinct
centre) on its edge at half contrast. For each candidate box the frame is cropped with a
margin, smoothed and oriented so the loop's contrast is dark. A first flood of the inverted
intensity, from the centre and from the crop's border, meets on the outline's darkest line;
when the basin inside it has a light centre the loop is hollow and that basin is its
outline. Otherwise a second flood, of the closeness to the half-contrast level, grows the
basin out to the edge at half contrast (a box whose centre is plainly dark goes straight
to it). The moment ellipse of the final basin gives the centre, the axes (diameter = major
axis) and the orientation.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from edge.kernels.landscape import (
    HALF_CONTRAST,
    INNER,
    Box,
    FirstFlood,
    Moments,
    basin_light_level,
    brighter_inside,
    filled_landscape,
    outline_landscape,
    region_moments,
)
from edge.kernels.watershed import flood
from edge.pipeline.polarity import POLARITIES, Polarity
from edge.pipeline.quality import EDGE_MARGIN_PX, quality_flags, reaches_edge

FloodFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
SMOOTHING_SIGMA_PX = 0.7
FLOOD_SIDE_PX = 72  # boxes smaller than this are upsampled to it (at most MAX_ZOOM times)
MAX_ZOOM = 4.0
CROP_MARGIN = 0.25  # of the box's longer side, on each side: the background around the loop


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
    hollow: bool = True
    flags: tuple[str, ...] = ()  # what to check before trusting it (``edge.pipeline.quality.FLAGS``)


@dataclass(frozen=True)
class LoopMeasurer:
    """Module III as a stage of the pipeline: measures the defect inside each candidate box.

    Attributes
    ----------
    polarity : "auto", "dark" or "bright"
        Whether loops are darker or brighter than their surroundings; "auto" decides per box
        from the box's contrast with its surroundings.
    flood_with : callable
        The watershed flood ``(landscape, markers) -> labels``: our kernel, or a baseline with
        the same labels (``skimage.segmentation.watershed``) that the benchmark composes.
    """

    polarity: Polarity = "auto"
    flood_with: FloodFunction = flood

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")

    def measure(self, frame: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None) -> list[Defect]:
        """The defect inside each box ``[x0, y0, x1, y1]`` (pixels, exclusive end) of the 2-D
        ``frame`` (any real dtype: only the crops are converted), with its score. Boxes that
        leave fewer than 3x3 pixels inside the frame, or whose flood finds no region, are skipped."""
        if frame.ndim != 2:
            raise ValueError(f"measuring needs a 2-D greyscale frame, got shape {frame.shape}")
        defects = []
        for index, box in enumerate(_integer_boxes(boxes)):
            crop = _crop(frame, box)
            if crop is None:
                continue
            sign = _sign(crop, self.polarity)
            outline = _flood_outline(crop, sign, self.flood_with)
            score = None if scores is None else float(scores[index])
            defect = _ellipse(region_moments(outline.labels, INNER), crop, outline, score)
            if defect is not None:
                defects.append(defect)
        return defects


def measure_defects(
    frame: np.ndarray, boxes: np.ndarray, polarity: Polarity = "auto", scores: np.ndarray | None = None
) -> list[Defect]:
    """``LoopMeasurer(polarity).measure(frame, boxes, scores)``."""
    return LoopMeasurer(polarity).measure(frame, boxes, scores)


def outline_boxes(defects: list[Defect], padding: float = 1.0) -> np.ndarray:
    """Each defect's box as its measured outline gives it: the axis-aligned extent of its fitted
    ellipse, scaled about its centre by ``padding`` (how a data set's labellers box a loop
    relative to its outline; 1: tight), ``(N, 4)`` ``[x0, y0, x1, y1]``.

    Examples
    --------
    >>> circle = Defect(50.0, 40.0, (30, 20, 70, 60), 20.0, 20.0, 0.0, 314.0)
    >>> outline_boxes([circle], padding=1.5).tolist()
    [[35.0, 25.0, 65.0, 55.0]]
    """
    if not padding > 0:
        raise ValueError(f"padding must be > 0, got {padding}")
    boxes = np.zeros((len(defects), 4))
    for row, defect in zip(boxes, defects, strict=True):
        turn = math.radians(defect.angle_deg)
        major, minor = defect.major_px / 2, defect.minor_px / 2
        half_x = padding * math.hypot(major * math.cos(turn), minor * math.sin(turn))
        half_y = padding * math.hypot(major * math.sin(turn), minor * math.cos(turn))
        row[:] = defect.x - half_x, defect.y - half_y, defect.x + half_x, defect.y + half_y
    return boxes


def _integer_boxes(boxes: np.ndarray) -> list[list[int]]:
    """Boxes ``[x0, y0, x1, y1]`` rounded to whole pixels, as Python ints (cheap to unpack per box)."""
    return np.rint(np.asarray(boxes, dtype=np.float64).reshape(-1, 4)).astype(np.int64).tolist()


@dataclass(frozen=True)
class _Crop:
    """One box's crop, smoothed and (for a small box) upsampled, and where it sits in the frame:
    a pixel of the frame at x lands on ``zoom * (x - origin) + (zoom - 1) / 2``."""

    smooth: np.ndarray
    origin: tuple[int, int]
    zoom: float
    bbox: tuple[int, int, int, int]  # the box, clipped to the frame
    box: Box  # the box in crop pixels
    centre: tuple[float, float]  # the box's centre in crop pixels
    inner_radius: float  # the disc about the centre that seeds the loop's inside


def _crop(image: np.ndarray, box: list[int]) -> _Crop | None:
    """The box with a margin of background around it, smoothed, upsampled where small for
    sub-pixel outlines; None when the box keeps fewer than 3x3 pixels inside the frame."""
    height, width = image.shape
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    margin = max(4, int(CROP_MARGIN * max(x1 - x0, y1 - y0)))
    cx0, cy0 = max(x0 - margin, 0), max(y0 - margin, 0)
    cx1, cy1 = min(x1 + margin, width), min(y1 + margin, height)
    zoom = min(MAX_ZOOM, max(1.0, FLOOD_SIDE_PX / max(x1 - x0, y1 - y0)))
    crop = image[cy0:cy1, cx0:cx1].astype(np.float32)
    if zoom > 1:
        crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    centre = (zoom * ((x0 + x1) / 2 - cx0) - 0.5, zoom * ((y0 + y1) / 2 - cy0) - 0.5)
    box_in_crop = Box(*(round(zoom * v) for v in (x0 - cx0, y0 - cy0, x1 - cx0, y1 - cy0)))
    smooth = cv2.GaussianBlur(crop, (0, 0), SMOOTHING_SIGMA_PX * zoom)
    inner_radius = zoom * max(1.0, 0.12 * min(x1 - x0, y1 - y0))
    return _Crop(smooth, (cx0, cy0), zoom, (x0, y0, x1, y1), box_in_crop, centre, inner_radius)


def _sign(crop: _Crop, polarity: str) -> float:
    """-1 where the loop is brighter than its surroundings (so the floods see it dark), else 1."""
    bright = polarity == "bright" if polarity != "auto" else brighter_inside(crop.smooth, crop.box)
    return -1.0 if bright else 1.0


class _Outline(NamedTuple):
    """The flooded outline of one loop and what the floods saw of it."""

    labels: np.ndarray  # INNER inside the outline
    hollow: bool
    first: FirstFlood
    kind_margin: float | None  # the centre's level past the hollow/filled cut, in units of the contrast


def _flood_outline(crop: _Crop, sign: float, flood_with: FloodFunction) -> _Outline:
    """The loop's outline and whether the loop is hollow: a first flood meets on the outline's
    darkest line; where the basin inside it has no light centre, a second flood grows it to the
    edge at half contrast."""
    # the loop's darkest level is a mean over squares of about 2-3 px of the frame
    first = outline_landscape(crop.smooth, crop.centre, crop.inner_radius, crop.box, round(crop.zoom), sign)
    labels = flood_with(first.landscape, first.markers)
    if not first.maybe_hollow:
        return _Outline(labels, False, first, None)
    margin = _light_centre_margin(labels, crop, sign, first)
    if margin > 0:
        return _Outline(labels, True, first, margin)
    landscape, markers = filled_landscape(crop.smooth, labels, sign, first.background, first.core)
    return _Outline(flood_with(landscape, markers), False, first, margin)


def _light_centre_margin(labels: np.ndarray, crop: _Crop, sign: float, first: FirstFlood) -> float:
    """How much lighter than half the loop's contrast the basin the first flood found is, in
    units of the contrast: above 0, a hollow loop's light centre; at or below, a blob's speck of
    darker pixels."""
    contrast = first.background - first.core
    light_centre = first.background - HALF_CONTRAST * contrast
    return (basin_light_level(labels, crop.smooth, sign, INNER) - light_centre) / max(contrast, 1e-6)


def _ellipse(moments: Moments, crop: _Crop, outline: _Outline, score: float | None) -> Defect | None:
    """The moment ellipse of the outline's region, in frame pixels, with its quality flags; None
    for a speck."""
    area, m10, m01, mu20, mu02, mu11 = moments
    if area < 3:
        return None
    scale = 1.0 / crop.zoom
    offset = crop.origin
    mu20, mu02, mu11 = mu20 / area, mu02 / area, mu11 / area
    spread = math.hypot((mu20 - mu02) / 2, mu11)
    major_var = (mu20 + mu02) / 2 + spread
    minor_var = max((mu20 + mu02) / 2 - spread, 0.0)
    major_px = 4 * math.sqrt(major_var) * scale
    turn = 0.5 * math.atan2(2 * mu11, mu20 - mu02)
    centre = (m10 / area, m01 / area)  # crop px
    semi_major, semi_minor = 2 * math.sqrt(major_var), 2 * math.sqrt(minor_var)
    extent = (math.hypot(semi_major * math.cos(turn), semi_minor * math.sin(turn)),
              math.hypot(semi_major * math.sin(turn), semi_minor * math.cos(turn)))  # fmt: skip
    contrast_to_noise = (outline.first.background - outline.first.core) / max(outline.first.noise, 1e-6)
    touches_crop = reaches_edge(centre, extent, crop.smooth.shape, EDGE_MARGIN_PX * crop.zoom)
    flags = quality_flags(major_px, crop.bbox, touches_crop, contrast_to_noise, outline.kind_margin)
    return Defect(
        x=offset[0] + (centre[0] + 0.5) * scale - 0.5,
        y=offset[1] + (centre[1] + 0.5) * scale - 0.5,
        bbox=crop.bbox,
        major_px=major_px,
        minor_px=4 * math.sqrt(minor_var) * scale,
        angle_deg=math.degrees(turn),
        area_px=area * scale * scale,
        score=score,
        hollow=outline.hollow,
        flags=flags,
    )
