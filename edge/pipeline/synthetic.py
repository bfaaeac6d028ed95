"""Synthetic frames of elliptical loops with known axes: the pipeline's warm-up, the
measurement's synthetic truth (``edge.eval.measure_truth``) and the tests draw them here.

A loop is drawn as experts measure it: a hollow loop is a dark (or bright) line with a
smooth (Gaussian) profile whose full width at half depth is the line width and whose centre
line is the true ellipse; a filled loop is a disc whose edge is the true
ellipse. Both are drawn anti-aliased on a supersampled grid, blurred by the instrument's
point spread and given Gaussian noise.
"""

from functools import cache

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
        u, v = ellipse_coordinates(size, ellipse_centre, theta)
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


def ellipse_coordinates(size: tuple[int, int], centre: tuple[float, float], theta: float):
    """Each pixel's coordinates ``(u, v)`` along and across the axes of an ellipse centred at
    ``centre`` and turned by ``theta`` (radians), on a grid of ``size`` (width, height)."""
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


def ellipse_box(
    centre: tuple[float, float], semi_axes: tuple[float, float], angle_deg: float, pad: float
) -> np.ndarray:
    """The box ``(1, 4)`` around the ellipse, ``pad`` px beyond it on each side."""
    a, b = semi_axes
    theta = np.radians(angle_deg)
    half_x = np.hypot(a * np.cos(theta), b * np.sin(theta))
    half_y = np.hypot(a * np.sin(theta), b * np.cos(theta))
    return np.array(
        [
            [
                centre[0] - half_x - pad,
                centre[1] - half_y - pad,
                centre[0] + half_x + pad + 1,
                centre[1] + half_y + pad + 1,
            ]
        ]
    )


WARM_UP_LOOPS = (
    # centre, radius, line width (None: a filled disc): rings and discs at each zoom level
    ((20, 20), 6, 2), ((65, 65), 16, 4), ((150, 150), 40, 10),
    ((20, 60), 6, None), ((200, 60), 16, None), ((60, 200), 40, None),
)  # fmt: skip


@cache
def warm_up_frame(side: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A uint8 frame with hollow and filled loops of every zoom level, and a ring around a centre
    darker than half its contrast (a blob known only after the first flood), and their boxes
    ``(N, 4)``: what ``Pipeline.warm_up`` compiles every kernel on. Drawn once per process (each
    worker thread warms up on it) and read-only."""
    frame = 150 + np.random.default_rng(0).normal(0, 10, (side, side)).astype(np.float32)
    loops = [*WARM_UP_LOOPS, ((210, 210), 16, None), ((210, 210), 16, 4)]
    contrasts = [90.0] * len(WARM_UP_LOOPS) + [55.0, 35.0]
    for (centre, radius, line_width), contrast in zip(loops, contrasts, strict=True):
        frame += render_loop(
            (side, side), centre, (radius, radius), 0.0, line_width, contrast, background=0.0, blur=0.7
        )
    boxes = np.concatenate([ellipse_box(centre, (radius, radius), 0.0, radius / 2) for centre, radius, _ in loops[:-1]])
    frame = frame.clip(0, 255).astype(np.uint8)
    frame.flags.writeable = boxes.flags.writeable = False
    return frame, boxes
