"""Synthetic frames of elliptical loops with known axes, for tests.

A loop is drawn as experts measure it: a hollow loop is a dark (or bright) line with a
smooth (Gaussian) profile whose full width at half depth is the line width and whose centre
line is the true ellipse; a filled loop is a disc whose edge is the true
ellipse. Both are drawn anti-aliased on a supersampled grid, blurred by the instrument's
point spread and given Gaussian noise.
"""

import cv2
import numpy as np

SUPERSAMPLE = 4


def render_loop(
    shape: tuple[int, int],
    centre: tuple[float, float],
    semi_axes: tuple[float, float],
    angle_deg: float,
    line_width: float | None,
    contrast: float,
    background: float = 150.0,
    blur: float = 0.7,
    noise: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A float32 frame with one elliptical loop, darker than ``background`` by ``contrast``
    (negative: brighter). With ``line_width`` (px) the loop is hollow: a line of that full
    width at half depth, centred on the ellipse of ``semi_axes``; with None it is a filled ellipse. ``blur`` is the
    point spread's sigma (px) and ``noise`` the noise's standard deviation."""
    height, width = shape
    size = (width * SUPERSAMPLE, height * SUPERSAMPLE)
    theta = np.radians(angle_deg)
    ellipse_centre = tuple((c + 0.5) * SUPERSAMPLE - 0.5 for c in centre)
    if line_width is None:
        u, v = _ellipse_coordinates(size, ellipse_centre, theta)
        drawn = ((u / (semi_axes[0] * SUPERSAMPLE)) ** 2 + (v / (semi_axes[1] * SUPERSAMPLE)) ** 2 <= 1).astype(float)
    else:
        distance = _distance_to_ellipse(size, ellipse_centre, semi_axes, theta) / SUPERSAMPLE
        drawn = np.exp(-4 * np.log(2) * (distance / line_width) ** 2)
    coverage = drawn.reshape(height, SUPERSAMPLE, width, SUPERSAMPLE).mean(axis=(1, 3))
    frame = background - contrast * coverage.astype(np.float32)
    frame = cv2.GaussianBlur(frame, (0, 0), blur)
    if noise:
        frame = frame + np.random.default_rng(seed).normal(0, noise, frame.shape).astype(np.float32)
    return frame.astype(np.float32)


def _ellipse_coordinates(size, centre, theta):
    rows, cols = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    x, y = cols - centre[0], rows - centre[1]
    return x * np.cos(theta) + y * np.sin(theta), -x * np.sin(theta) + y * np.cos(theta)


def _distance_to_ellipse(size, centre, semi_axes, theta) -> np.ndarray:
    """Each supersampled pixel's distance (supersampled px) to the ellipse's curve: the
    curve drawn densely on a zero-background and OpenCV's exact Euclidean distance transform."""
    a, b = (s * SUPERSAMPLE for s in semi_axes)
    t = np.linspace(0, 2 * np.pi, int(8 * np.pi * max(a, b)) + 16, endpoint=False)
    x = centre[0] + a * np.cos(t) * np.cos(theta) - b * np.sin(t) * np.sin(theta)
    y = centre[1] + a * np.cos(t) * np.sin(theta) + b * np.sin(t) * np.cos(theta)
    curve = np.ones((size[1], size[0]), np.uint8)
    cols, rows = np.round(x).astype(int), np.round(y).astype(int)
    inside = (cols >= 0) & (cols < size[0]) & (rows >= 0) & (rows < size[1])
    curve[rows[inside], cols[inside]] = 0
    return cv2.distanceTransform(curve, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
