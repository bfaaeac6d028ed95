"""An ellipse fitted to points, and where points lie against an ellipse: what an open line's
ellipse (``edge.pipeline.open_line``) and the ellipse of points read along rays
(``edge.pipeline.rays``) share."""

import math
from typing import NamedTuple

import cv2
import numpy as np


class Ellipse(NamedTuple):
    """An ellipse: its centre ``(x, y)``, full axes, and the major axis's angle in radians from +x
    towards +y (as ``edge.kernels.landscape.Moments.filling_ellipse`` takes them)."""

    centre: tuple[float, float]
    major: float
    minor: float
    theta: float


def fitted_ellipse(points: np.ndarray, least_axis: float = 0.0) -> Ellipse | None:
    """OpenCV's least-squares ellipse through ``points`` (``(N, 2)`` float32 ``x, y``, at least
    5); None where an axis is not finite or not over ``least_axis``."""
    (centre_x, centre_y), (width, height), angle_deg = cv2.fitEllipse(points)
    if not (math.isfinite(width * height) and min(width, height) > least_axis):
        return None
    major, minor, turn = (width, height, angle_deg) if width >= height else (height, width, angle_deg + 90)
    return Ellipse((centre_x, centre_y), major, minor, math.radians(turn))


def ellipse_coordinates_of(points: np.ndarray, ellipse: Ellipse) -> tuple[np.ndarray, np.ndarray]:
    """Each point along and across ``ellipse``'s major axis from its centre, in its semi-axes:
    ``hypot`` of the two is 1 on the ellipse."""
    across_x, across_y = points[:, 0] - ellipse.centre[0], points[:, 1] - ellipse.centre[1]
    cos, sin = math.cos(ellipse.theta), math.sin(ellipse.theta)
    along = (across_x * cos + across_y * sin) / (ellipse.major / 2)
    beside = (-across_x * sin + across_y * cos) / (ellipse.minor / 2)
    return along, beside
