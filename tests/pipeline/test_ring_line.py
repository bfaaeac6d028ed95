"""A hollow loop's outline on its dark line's centre, read along rays from its basin."""

import math

import cv2
import numpy as np
import pytest

from edge.eval.measure_truth import draw_case
from edge.kernels.landscape import Moments
from edge.pipeline.measure import SMOOTHING_SIGMA_PX, measure_defects
from edge.pipeline.rays import LEAST_MAJOR_PX
from edge.pipeline.ring_line import line_ellipse_along_rays
from edge.pipeline.synthetic import ellipse_coordinates, render_loop

SIZE, CENTRE, ANGLE_DEG, BACKGROUND, CONTRAST = 160, (80.4, 79.7), 30.0, 150.0, 60.0


def _ring(major: float, aspect: float, visible_deg: float = 360.0, faint: float = 0.0) -> np.ndarray:
    """A dark ring (4 px line, blurred, axes on the line's centre, noise sd 6), smoothed as the
    measurement smooths its crops; drawn at its full contrast on ``visible_deg`` of its turn
    about its left end, and at ``faint`` of it on the rest."""
    semi_axes = (major / 2, major / 2 / aspect)
    frame = render_loop((SIZE, SIZE), CENTRE, semi_axes, ANGLE_DEG, 4.0, CONTRAST, blur=1.5, noise=6.0, seed=7)
    if visible_deg < 360:
        u, v = ellipse_coordinates((SIZE, SIZE), CENTRE, math.radians(ANGLE_DEG))
        rest = np.abs(np.degrees(np.arctan2(v, -u))) > visible_deg / 2
        frame[rest] = BACKGROUND + faint * (frame[rest] - BACKGROUND)
    return cv2.GaussianBlur(frame.astype(np.float32), (0, 0), SMOOTHING_SIGMA_PX)


def _basin(major: float, aspect: float, share: float, shift: float = 0.0) -> Moments:
    """The ring's ellipse scaled by ``share`` and moved ``shift`` px along x: a basin whose
    meeting line wandered off the line's centre."""
    centre = (CENTRE[0] + shift, CENTRE[1])
    return Moments.filling_ellipse(centre, share * major, share * major / aspect, math.radians(ANGLE_DEG))


def _line(smooth: np.ndarray, basin: Moments) -> Moments | None:
    return line_ellipse_along_rays(smooth, 1.0, basin, BACKGROUND, CONTRAST, 1.0)


@pytest.mark.parametrize(("major", "aspect"), [(40.0, 1.0), (80.0, 1.6), (120.0, 2.2)])
@pytest.mark.parametrize(("share", "shift"), [(0.9, 0.0), (1.1, 0.0), (1.0, 2.0)])
def test_a_basin_off_the_line_gives_way_to_the_ellipse_of_its_centre(major, aspect, share, shift):
    fitted = _line(_ring(major, aspect), _basin(major, aspect, share, shift))
    assert fitted is not None
    fitted_major, fitted_minor, _ = fitted.axes()
    assert abs(fitted_major - major) <= max(1.0, 0.03 * major)
    assert abs(fitted_minor - major / aspect) <= max(1.0, 0.03 * major / aspect)
    assert math.dist((fitted.m10 / fitted.area, fitted.m01 / fitted.area), CENTRE) <= 0.5


def test_a_small_basin_keeps_its_outline():
    major = 26.0
    assert major < LEAST_MAJOR_PX
    assert _line(_ring(major, 1.0), _basin(major, 1.0, 1.0)) is None


@pytest.mark.parametrize("faint", [0.0, 0.3])
def test_a_ring_dark_on_half_its_turn_keeps_its_basin(faint):
    """Rays across the other half find no line, or one under half the contrast dark: fewer than
    the share needed count."""
    assert _line(_ring(80.0, 1.6, visible_deg=180.0, faint=faint), _basin(80.0, 1.6, 1.0)) is None


def test_a_bright_ring_is_read_with_its_sign():
    bright = 2 * BACKGROUND - _ring(80.0, 1.6)
    fitted = line_ellipse_along_rays(bright, -1.0, _basin(80.0, 1.6, 1.1), -BACKGROUND, CONTRAST, 1.0)
    assert fitted is not None and abs(fitted.axes()[0] - 80.0) <= 2.4


@pytest.mark.parametrize(
    ("aspect", "blur", "contrast"), [(1.0, 1.5, 60.0), (1.6, 0.7, 60.0), (1.0, 1.5, 25.0)], ids=str
)
def test_a_noisy_ring_is_measured_on_its_lines_centre_not_where_the_waters_met(aspect, blur, contrast):
    """The synthetic truth's 35 px rings (4 px line) at SNR 2 in moved boxes: their basins came
    out 3.6-4.1 % large before the line was read along rays."""
    case = draw_case(35, aspect, 4, blur, contrast, snr=2.0, moved=True)
    (defect,) = measure_defects(case.frame, case.box)
    assert defect.hollow
    assert abs(defect.major_px - 35) <= max(1.0, 0.03 * 35)
