"""A hollow loop whose dark line is open on one side: the ellipse of the line itself.

The first flood's basin is a hollow loop's light centre where the loop's dark line closes it.
Where the line is open on one side (an arc or a C, as li2018's large loops at 500kx often are, or
a ring faint in part), the basin runs out through the gap, and its outline is set by the crop
rather than by the loop: smaller than the loop, and smaller again in each tighter crop. The
line still draws the loop. The ellipse fitted to the line's pixels is the loop's ellipse, as an
expert fitting an ellipse to the arc draws it.

The line's pixels are those at half the loop's contrast or darker that are connected to the
basin's dark rim, within the box and a tenth of its side about it. The fit is kept where the
line's pixels on the ellipse cover at least half its turn, the ellipse lies within that grown
box with its centre in the box, and it is larger than the basin's outline by ``LARGER`` (a
basin that already spans the line keeps its moments).
"""

import math

import cv2
import numpy as np

from edge.kernels.landscape import INNER, Box, Moments, ellipse_half_extent
from edge.pipeline.ellipse_fit import Ellipse, ellipse_coordinates_of, fitted_ellipse

OPEN_LINE = 0.85  # a hollow basin's edge less dark than this share is open (validation hollow loops: 5th pct 0.84)
LINE_TURN = 0.5  # of the turn about the fitted centre that the line's pixels must cover (an arc of 180 degrees)
BOX_REACH = 0.1  # of the box's sides: the line is read, and its ellipse must lie, within the box grown so each side
LARGER = 1.2  # the line's ellipse replaces the basin's outline where its major axis is this times the basin's or more
LINE_BAND = 0.2  # of the fitted ellipse's size: the line's pixels within this of it count towards the turn covered
MIN_LINE_PIXELS = 10  # fewer pixels on the line than this draw no ellipse (OpenCV's fit needs 5)
TURN_SECTORS = 36  # the turn is counted in sectors of 10 degrees, each covered by one line pixel on the ellipse


def line_ellipse(
    smooth: np.ndarray, sign: float, labels: np.ndarray, box: Box, dark_level: float, basin: Moments
) -> Moments | None:
    """The region moments of the ellipse fitted to an open hollow loop's dark line, or None
    where the line does not draw a loop larger than its ``basin``.

    Parameters
    ----------
    smooth : ndarray
        The smoothed crop, float32.
    sign : float
        -1 where the loop is brighter than its surroundings, else 1.
    labels : ndarray
        The first flood's labels (``INNER``: the basin).
    box : Box
        The box in crop pixels.
    dark_level : float
        The oriented level at or below which a pixel is on the line (half the loop's contrast).
    basin : Moments
        The basin's moments, which stand unless the line's ellipse is ``LARGER``.

    Returns
    -------
    Moments or None
        The moments of a uniform region filling the fitted ellipse (so that the moment ellipse of
        ``edge.pipeline.measure`` is that ellipse), in crop pixels.
    """
    inside = labels == INNER
    dark = (sign * smooth <= dark_level).astype(np.uint8)
    rim = cv2.dilate(inside.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~inside & dark.astype(bool)
    if not rim.any():
        return None
    _, components = cv2.connectedComponents(dark, connectivity=8)
    line = np.isin(components, np.unique(components[rim]))  # rim pixels are dark, so none is of label 0
    reach_x, reach_y = BOX_REACH * (box.x1 - box.x0), BOX_REACH * (box.y1 - box.y0)
    left, right, top, bottom = box.x0 - reach_x, box.x1 + reach_x, box.y0 - reach_y, box.y1 + reach_y
    first_row, last_row = max(math.floor(top), 0), max(math.ceil(bottom), 0)
    first_col, last_col = max(math.floor(left), 0), max(math.ceil(right), 0)
    rows, cols = np.nonzero(line[first_row:last_row, first_col:last_col])
    rows, cols = rows + first_row, cols + first_col
    if len(rows) < MIN_LINE_PIXELS:
        return None
    points = np.column_stack([cols, rows]).astype(np.float32)
    ellipse = fitted_ellipse(points, least_axis=1.0)
    if ellipse is None:
        return None
    (centre_x, centre_y), major = ellipse.centre, ellipse.major
    half_x, half_y = ellipse_half_extent(major / 2, ellipse.minor / 2, ellipse.theta)
    inside_box = box.x0 <= centre_x < box.x1 and box.y0 <= centre_y < box.y1
    within_reach = left <= centre_x - half_x and centre_x + half_x <= right
    if not (inside_box and within_reach and top <= centre_y - half_y and centre_y + half_y <= bottom):
        return None
    if major < LARGER * basin.axes()[0]:
        return None
    if _turn_covered(points, ellipse) < LINE_TURN:
        return None
    return Moments.filling_ellipse(*ellipse)


def _turn_covered(points: np.ndarray, ellipse: Ellipse) -> float:
    """The share of ``TURN_SECTORS`` equal sectors about the ellipse's centre (of its own turn)
    that hold a point within ``LINE_BAND`` of ``ellipse``: specks and spokes joined to the line
    off the ellipse do not count."""
    along, beside = ellipse_coordinates_of(points, ellipse)
    on_ellipse = np.abs(np.hypot(along, beside) - 1) <= LINE_BAND
    angles = np.arctan2(beside[on_ellipse], along[on_ellipse])
    sectors = np.floor((angles + math.pi) / (2 * math.pi) * TURN_SECTORS).astype(np.int64) % TURN_SECTORS
    return len(np.unique(sectors)) / TURN_SECTORS
