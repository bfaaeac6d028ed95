"""The measurement's synthetic truth: loops of every size and shape, hollow and filled, drawn
(``edge.pipeline.synthetic``) in several settings of noise, box and blob, and measured in their
boxes. ``tests/pipeline/test_measure.py`` holds the measurement to it; ``python -m
edge.eval.measure_truth`` prints the error by size and kind."""

from dataclasses import dataclass

import cv2
import numpy as np

from edge.eval.stability import moved_boxes
from edge.pipeline.measure import SMOOTHING_SIGMA_PX, measure_defects
from edge.pipeline.synthetic import ellipse_box, ellipse_coordinates, render_loop


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


# Loops of every size and shape, hollow and filled, that the image resolves.
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
    u, v = ellipse_coordinates((shape[1], shape[0]), centre, np.radians(angle_deg))
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


SIZE_RANGES = ((8, 20), (20, 40), (40, 80), (80, 151))


def main() -> None:
    """Print the signed and absolute relative error of the major axis per size range, for hollow
    and filled loops, and the share within max(1 px, 3 %) and measured as the right kind ("in
    bar"; a loop not found counts with an error of 100 %)."""
    print(
        f"{'kind':<7} {'major px':>9} {'SNR':>4} {'box':>6} {'blob':>7} {'loops':>5} {'signed median':>13} "
        f"{'abs median':>10} {'abs max':>8} {'in bar':>7}"
    )
    for snr, moved, mottled in SETTINGS:
        cases = measure_cases(snr, moved, mottled)
        for hollow, kind in ((True, "hollow"), (False, "filled")):
            for low, high in SIZE_RANGES:
                chosen = [c for c in cases if c.hollow == hollow and low <= c.major_px < high]
                if not chosen:
                    continue
                values = np.array([c.error for c in chosen])
                within = np.mean([c.within_bar for c in chosen])
                print(
                    f"{kind:<7} {f'{low}-{high - 1}':>9} {snr:>4.0f} {'moved' if moved else 'label':>6} "
                    f"{'mottled' if mottled and not hollow else '':>7} "
                    f"{len(values):>5} {100 * np.median(values):>+12.2f}% {100 * np.median(np.abs(values)):>9.2f}% "
                    f"{100 * np.abs(values).max():>7.2f}% {100 * within:>6.1f}%"
                )


if __name__ == "__main__":
    main()
