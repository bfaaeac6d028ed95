"""A large blob whose flood stopped inside its edge: the ellipse of the edge itself, ray by ray.

A filled loop's flood meets at half of the blob's darkest level. Where a darker blotch inside
the blob set that level, as in noisy bright-field frames and in the synthetic truth's mottled
blobs, the flood stops on the blotch and the lighter rim around it is lost: the outline comes
out 10-50 % small at an SNR of 2. The edge is still plain to the eye: the step from the rim to
the background is the sharpest change of level about the blob, sharper than any blotch.

So each blob's edge is also read along ``RAYS`` rays from its outline's centre. Along each ray
the profile (averaged with the rays either side, smoothed by about a frame pixel) is read from
``RAY_REACH[0]`` to ``RAY_REACH[1]`` times the outline's radius, and the edge is where it grows
lighter fastest, to a fraction of a sample. A ray counts where that step is at least
``EDGE_STEP`` of the loop's contrast; an ellipse is fitted to the counted edge points, dropping
those far off it. The fitted ellipse replaces the outline where it is larger (a flood stops short
of the edge on a blotch, but where the flood reached the edge the rays can only find a blotch's
edge or a neighbour's inside it), from at least ``EDGE_RAYS`` of the rays (fewer, and the blob's
edge is not what the rays found: a neighbour or the ground's slope on many of them), and only
for outlines of ``LEAST_MAJOR_PX`` frame pixels and more (a smaller blob's rays are a few pixels
long, and its flood already reaches its edge). The rays reach no further than ``RAY_REACH[1]``,
so a neighbour beyond it is never taken for the edge.
"""

import math

import cv2
import numpy as np

from edge.kernels.landscape import Moments
from edge.kernels.rays import ray_edges

RAYS = 72
RAY_REACH = (0.6, 1.5)  # of the outline's radius along each ray: where the edge is looked for
SAMPLE_PX = 0.5  # frame px: the profiles' sample spacing along the outline's major axis
PROFILE_SMOOTHING_PX = 1.0  # frame px: the profiles' smoothing along each ray
STEP_SPAN_PX = 2.0  # frame px: a ray's step is the rise of its profile this far either side of its edge
EDGE_STEP = 0.25  # of the loop's contrast: the least step that counts a ray's edge
EDGE_RAYS = 0.8  # of the rays: the least share that must count, and be kept by the fit
OFF_ELLIPSE = 2.5  # robust sds of the points' distances from the fitted ellipse: farther points are dropped
OFF_ELLIPSE_LEAST = 0.03  # of the ellipse's radius: points this near are always kept
FIT_ROUNDS = 3  # fits, each dropping the points far off the one before, before the last
LEAST_MAJOR_PX = 30.0  # frame px: smaller outlines are not read along rays


def edge_ellipse(smooth: np.ndarray, sign: float, outline: Moments, contrast: float, zoom: float) -> Moments | None:
    """The region moments of the ellipse fitted to a blob's edge read along rays from its
    ``outline``, or None where the outline stands.

    Parameters
    ----------
    smooth : ndarray
        The smoothed crop, float32.
    sign : float
        -1 where the loop is brighter than its surroundings, else 1.
    outline : Moments
        The blob's outline as its flood found it, crop pixels.
    contrast : float
        The loop's contrast (background less its darkest level), oriented as ``sign`` makes it.
    zoom : float
        Crop pixels per frame pixel.

    Returns
    -------
    Moments or None
        The moments of a uniform region filling the edge's ellipse, in crop pixels.
    """
    major, minor, _ = outline.axes()
    if major < LEAST_MAJOR_PX * zoom or minor <= 0 or contrast <= 0:
        return None
    points = _edge_points(smooth, sign, outline, contrast, zoom)
    if len(points) < EDGE_RAYS * RAYS:
        return None
    fitted = _robust_ellipse(points)
    if fitted is None:
        return None
    centre, fitted_major, fitted_minor, fitted_turn = fitted
    if fitted_major <= major:
        return None
    return Moments.filling_ellipse(centre, fitted_major, fitted_minor, fitted_turn)


def _edge_points(smooth: np.ndarray, sign: float, outline: Moments, contrast: float, zoom: float) -> np.ndarray:
    """The edge point of each ray whose step is at least ``EDGE_STEP`` of ``contrast``, ``(N, 2)``
    float32 ``x, y`` in crop pixels (``edge.kernels.rays``)."""
    major, minor, turn = outline.axes()
    semi_major, semi_minor = major / 2, minor / 2
    samples = math.ceil((RAY_REACH[1] - RAY_REACH[0]) * semi_major / (SAMPLE_PX * zoom)) + 1
    off_axis = np.linspace(0, 2 * np.pi, RAYS, endpoint=False) - turn
    # the outline's radius along each ray
    radii = semi_major * semi_minor / np.hypot(semi_minor * np.cos(off_axis), semi_major * np.sin(off_axis))
    sample_px = radii.mean() * (RAY_REACH[1] - RAY_REACH[0]) / (samples - 1)  # crop px between samples, on average
    edge_x, edge_y, step = ray_edges(
        smooth,
        sign,
        (outline.m10 / outline.area, outline.m01 / outline.area),
        radii,
        RAY_REACH,
        samples,
        max(0.5, PROFILE_SMOOTHING_PX * zoom / sample_px),
        max(1, round(STEP_SPAN_PX * zoom / sample_px)),
    )
    counted = step >= EDGE_STEP * contrast
    return np.column_stack([edge_x[counted], edge_y[counted]]).astype(np.float32)


def _robust_ellipse(points: np.ndarray) -> tuple[tuple[float, float], float, float, float] | None:
    """The ellipse fitted to ``points`` after dropping, ``FIT_ROUNDS`` times, those whose relative
    distance from the last fit is over ``OFF_ELLIPSE`` robust sds (and ``OFF_ELLIPSE_LEAST``):
    its centre, major and minor axes (full lengths) and turn (radians); None where fewer than
    ``EDGE_RAYS`` of the rays are left."""
    kept = np.ones(len(points), bool)
    for _ in range(FIT_ROUNDS):
        if kept.sum() < EDGE_RAYS * RAYS:
            return None
        (centre_x, centre_y), (width, height), angle_deg = cv2.fitEllipse(points[kept])
        if not (math.isfinite(width * height) and min(width, height) > 0):
            return None
        theta = math.radians(angle_deg)
        across_x, across_y = points[:, 0] - centre_x, points[:, 1] - centre_y
        along = (across_x * math.cos(theta) + across_y * math.sin(theta)) / (width / 2)
        beside = (-across_x * math.sin(theta) + across_y * math.cos(theta)) / (height / 2)
        off = np.abs(np.hypot(along, beside) - 1)
        spread = 1.4826 * np.median(off[kept]) + 1e-3
        kept = off < max(OFF_ELLIPSE * spread, OFF_ELLIPSE_LEAST)
    if kept.sum() < EDGE_RAYS * RAYS:
        return None
    (centre_x, centre_y), (width, height), angle_deg = cv2.fitEllipse(points[kept])
    if not (math.isfinite(width * height) and min(width, height) > 0):
        return None
    if width >= height:
        return (centre_x, centre_y), width, height, math.radians(angle_deg)
    return (centre_x, centre_y), height, width, math.radians(angle_deg + 90)
