"""Synthetic frames of elliptical loops with known axes, for tests.

A loop is drawn as experts measure it: a hollow loop is a dark (or bright) line with a
smooth (Gaussian) profile whose full width at half depth is the line width and whose centre
line is the true ellipse; a filled loop is a disc whose edge is the true
ellipse. Both are drawn anti-aliased on a supersampled grid, blurred by the instrument's
point spread and given Gaussian noise.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from edge.eval.stability import moved_boxes
from edge.pipeline.measure import SMOOTHING_SIGMA_PX

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


def ellipse_box(centre, semi_axes, angle_deg, pad):
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


def resolved(major: float, aspect: float, line_width: float | None, blur: float) -> bool:
    """Whether the image resolves the loop's outline, so its drawn axes can be recovered.

    - The ends of the major axis: blur of sigma s moves a curve's darkest line (or its
      half-contrast edge) towards its centre of curvature by about s^2 / (2 rho), where
      rho = b^2 / a is the curvature radius at the tips and s^2 adds the point spread and our
      smoothing. Where that exceeds a third of a pixel the tips are not resolved.
    - A hollow loop's light centre (minor axis less the line width) must be at least 6 px
      and twice the line's width as the image shows it (the drawn width and the blur's
      2.355 s added in quadrature) across; narrower, the two sides of the line merge, their
      darkest lines move towards each other, and the centre stops being lighter than half
      the contrast: the loop is a filled blob to the eye and to the measurement.
    - A filled loop needs a minor axis of 6 px, as before.
    """
    semi_major, semi_minor = major / 2, major / 2 / aspect
    spread = blur**2 + SMOOTHING_SIGMA_PX**2
    if spread / (2 * semi_minor**2 / semi_major) > 1 / 3:
        return False
    if line_width is None:
        return 2 * semi_minor >= 6
    seen_width = np.sqrt(line_width**2 + 2.355**2 * spread)
    return 2 * semi_minor - line_width >= max(6, 2 * seen_width)


ROSE = 5.0  # Rose's criterion: a feature is seen when its SNR times sqrt(its area in px) reaches 5


def resolved_at(major: float, aspect: float, line_width: float | None, blur: float, snr: float) -> bool:
    """``resolved``, and at a signal-to-noise ratio ``snr`` (contrast over the noise's sd per
    pixel) a hollow loop's line seen through the noise: by Rose's criterion a square of the
    line's width, ``snr * line_width >= 5`` (a 1 px line needs SNR 5, a 4 px line SNR 1.25)."""
    if not resolved(major, aspect, line_width, blur):
        return False
    return line_width is None or snr * line_width >= ROSE


# The measurement's synthetic truth: loops of every size and shape, hollow and filled, that the
# image resolves (test_measure checks each, tests/measure_accuracy.py reports them).
CASES = [
    # major axis px, aspect ratio, line width px (None: a filled disc), point spread sigma px
    (major, aspect, line_width, blur)
    for major in (8, 12, 20, 35, 60, 100, 150)
    for aspect in (1.0, 1.6, 2.2)
    for line_width in (1, 2, 4, 8, None)
    for blur in (0.7, 1.5)
    if resolved(major, aspect, line_width, blur)
]


@dataclass(frozen=True)
class DrawnCase:
    """One synthetic loop: its frame, a padded box around it as an expert's, and its truth."""

    frame: np.ndarray
    box: np.ndarray
    centre: tuple[float, float]
    angle_deg: float
    major_px: float


def draw_case(
    major: float,
    aspect: float,
    line_width: float | None,
    blur: float,
    contrast: float,
    snr: float = 8.0,
    moved: bool = False,
    mottled: bool = True,
) -> DrawnCase:
    """The loop of one case, with noise of sd ``|contrast| / snr``, orientation, sub-pixel
    centre and box padding (4-12 px beyond the line) drawn from a seed of its parameters.

    With ``mottled``, a filled loop's interior carries mottling (smooth blotches of a quarter of the contrast,
    as real blobs do). With ``moved`` the box is then moved by up to 15 % of its side in x and
    y and scaled by 0.8-1.25 about its centre, as a detector's windows are
    (``edge.eval.stability.moved_boxes``).
    """
    seed = int(major * 100 + aspect * 10 + (line_width or 0) + blur * 1000 + contrast)
    rng = np.random.default_rng(seed)
    semi_axes = (major / 2, major / 2 / aspect)
    angle = rng.uniform(0, 180)
    size = int(major * 1.6 + 40)
    centre = (size / 2 + rng.uniform(-0.5, 0.5), size / 2 + rng.uniform(-0.5, 0.5))
    frame = render_loop(
        (size, size), centre, semi_axes, angle, line_width, contrast, blur=blur, noise=abs(contrast) / snr, seed=seed
    )
    if line_width is None and mottled:
        frame += _mottling((size, size), centre, semi_axes, angle, contrast, rng)
    pad = rng.uniform(4, 12) + (line_width or 0) / 2
    box = ellipse_box(centre, semi_axes, angle, pad)
    if moved:
        box = moved_boxes(box, 1, rng)[:, 0]
    return DrawnCase(frame, box, centre, angle, major)


def _mottling(shape, centre, semi_axes, angle_deg, contrast, rng) -> np.ndarray:
    """Smooth blotches of sd a quarter of ``contrast`` inside the filled ellipse (none outside),
    so its interior is not flat: darker and lighter patches, never lighter than half contrast
    for long."""
    blotches = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), max(1.0, semi_axes[1] / 3))
    blotches *= 0.25 * abs(contrast) / max(float(blotches.std()), 1e-6)
    u, v = _ellipse_coordinates((shape[1], shape[0]), centre, np.radians(angle_deg))
    inside = ((u / semi_axes[0]) ** 2 + (v / semi_axes[1]) ** 2 <= 0.7**2).astype(np.float32)
    return (cv2.GaussianBlur(inside, (0, 0), 1.0) * blotches).astype(np.float32)


CONTRASTS = (60.0, -60.0, 25.0)  # each case drawn dark, bright and faint
# (SNR, moved and resized boxes, mottled blobs): the settings the synthetic truth is drawn in
SETTINGS = (
    (8.0, False, False),
    (8.0, True, False),
    (8.0, False, True),
    (8.0, True, True),
    (3.0, False, True),
    (2.0, True, True),
)


@dataclass(frozen=True)
class MeasuredCase:
    """One resolved case as drawn and as measured (``measured_px`` 0 where nothing was found)."""

    major_px: float
    hollow: bool
    measured_px: float
    measured_hollow: bool | None

    @property
    def error(self) -> float:
        """The signed relative error of the major axis."""
        return (self.measured_px - self.major_px) / self.major_px

    @property
    def within_bar(self) -> bool:
        """Measured as the right kind, within max(1 px, 3 %)."""
        close = abs(self.measured_px - self.major_px) <= max(1.0, 0.03 * self.major_px)
        return self.measured_hollow == self.hollow and close


def measure_cases(snr: float, moved: bool, mottled: bool) -> list[MeasuredCase]:
    """Every case of ``CASES`` the image resolves at ``snr``, in each of ``CONTRASTS``, drawn
    so and measured in its box."""
    from edge.pipeline.measure import measure_defects

    measured = []
    for major, aspect, line_width, blur in CASES:
        if not resolved_at(major, aspect, line_width, blur, snr):
            continue
        for contrast in CONTRASTS:
            case = draw_case(major, aspect, line_width, blur, contrast, snr, moved, mottled)
            found = measure_defects(case.frame, case.box)
            measured.append(
                MeasuredCase(
                    major,
                    line_width is not None,
                    found[0].major_px if found else 0.0,
                    found[0].hollow if found else None,
                )
            )
    return measured
