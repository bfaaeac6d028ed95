"""The ellipse of an open hollow loop's dark line, where the flood's basin lost the loop."""

import math

import cv2
import numpy as np
import pytest

from edge.kernels.landscape import INNER, OUTER, Box, region_moments
from edge.pipeline.measure import LoopMeasurer
from edge.pipeline.open_line import LARGER, line_ellipse
from edge.pipeline.synthetic import ellipse_box, ellipse_coordinates, render_loop

SIZE, CENTRE, SEMI_AXES, BACKGROUND, CONTRAST = 200, (100.3, 99.6), (50.0, 40.0), 150.0, 60.0


def _ring(angle_deg: float, visible_deg: float) -> np.ndarray:
    """A ring of 100 x 80 px on its line's centre (4 px line), of which only ``visible_deg`` about
    its left end is drawn: the rest of the line is background."""
    frame = render_loop((SIZE, SIZE), CENTRE, SEMI_AXES, angle_deg, 4.0, CONTRAST, noise=2.0, seed=3)
    u, v = ellipse_coordinates((SIZE, SIZE), CENTRE, math.radians(angle_deg))
    from_left = np.abs(np.degrees(np.arctan2(v, -u)))  # 0 at the ring's left end, 180 at its right
    gap = from_left > visible_deg / 2
    frame[gap] = BACKGROUND + np.random.default_rng(4).normal(0, 2.0, gap.sum())
    return frame.astype(np.float32)


def _basin(angle_deg: float, cut: float) -> np.ndarray:
    """Labels of a basin that lost the loop: the ring's inside up to ``cut`` of its major axis
    from its left end (``INNER``), the rest ``OUTER``."""
    u, v = ellipse_coordinates((SIZE, SIZE), CENTRE, math.radians(angle_deg))
    inside = (u / (SEMI_AXES[0] - 3)) ** 2 + (v / (SEMI_AXES[1] - 3)) ** 2 <= 1
    labels = np.full((SIZE, SIZE), OUTER, np.int32)
    labels[inside & (u < -SEMI_AXES[0] + 2 * SEMI_AXES[0] * cut)] = INNER
    return labels


def _box(angle_deg: float) -> Box:
    """The ring's box in crop pixels, padded 6 px beyond its line's centre."""
    return Box(*(int(round(v)) for v in ellipse_box(CENTRE, SEMI_AXES, angle_deg, 6)[0]))


@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 120.0])
def test_an_open_rings_line_gives_its_ellipse_where_the_basin_lost_it(angle_deg):
    """A ring drawn over 210 degrees, whose basin reaches only the left third of its inside: the
    ellipse fitted to the line is the ring's, within 3 % and 2 degrees."""
    frame, labels = _ring(angle_deg, 210.0), _basin(angle_deg, 0.35)
    basin = region_moments(labels, INNER)
    fitted = line_ellipse(frame, 1.0, labels, _box(angle_deg), BACKGROUND - CONTRAST / 2, basin)
    assert fitted is not None
    major, minor, turn = fitted.axes()
    assert major == pytest.approx(100.0, rel=0.03) and minor == pytest.approx(80.0, rel=0.03)
    assert abs((math.degrees(turn) - angle_deg + 90) % 180 - 90) <= 2.0
    centre = (fitted.m10 / fitted.area, fitted.m01 / fitted.area)
    assert np.hypot(centre[0] - CENTRE[0], centre[1] - CENTRE[1]) <= 1.5


def test_a_bright_loops_line_is_read_turned_dark():
    frame, labels = 2 * BACKGROUND - _ring(0.0, 210.0), _basin(0.0, 0.35)
    fitted = line_ellipse(frame, -1.0, labels, _box(0.0), -BACKGROUND - CONTRAST / 2, region_moments(labels, INNER))
    assert fitted is not None and fitted.axes()[0] == pytest.approx(100.0, rel=0.03)


def test_a_basin_that_spans_the_line_keeps_its_moments():
    """Where the basin already reaches across the ring, the line's ellipse is not ``LARGER``."""
    frame, labels = _ring(0.0, 210.0), _basin(0.0, 1.0)
    basin = region_moments(labels, INNER)
    assert basin.axes()[0] * LARGER > 100.0
    assert line_ellipse(frame, 1.0, labels, _box(0.0), BACKGROUND - CONTRAST / 2, basin) is None


def test_a_short_arc_is_not_taken_for_a_loop():
    """A line over 120 degrees covers under half the turn about any ellipse fitted to it."""
    frame, labels = _ring(0.0, 120.0), _basin(0.0, 0.35)
    basin = region_moments(labels, INNER)
    assert line_ellipse(frame, 1.0, labels, _box(0.0), BACKGROUND - CONTRAST / 2, basin) is None


def test_a_basin_whose_rim_touches_no_dark_pixel_gives_nothing():
    """A basin in the crop's corner, away from the ring's line: no line is read from it."""
    frame = _ring(0.0, 210.0)
    labels = np.full((SIZE, SIZE), OUTER, np.int32)
    labels[5:15, 5:15] = INNER
    basin = region_moments(labels, INNER)
    assert line_ellipse(frame, 1.0, labels, _box(0.0), BACKGROUND - CONTRAST / 2, basin) is None


def test_a_loop_whose_basin_a_faint_line_cuts_is_measured_on_its_open_line():
    """Through the measurer: a ring of 120 x 70 px drawn over 220 degrees, with a faint line (under
    a quarter of its contrast) across its inside 10 px right of its centre. The first flood's basin
    ends on that faint line (74 px measured without the line's ellipse); the loop is measured on
    its line, within 5 %, and flagged."""
    centre, semi_axes = (110.3, 109.6), (60.0, 35.0)
    frame = render_loop((220, 220), centre, semi_axes, 0.0, 4.0, CONTRAST)
    u, v = ellipse_coordinates((220, 220), centre, 0.0)
    frame[np.abs(np.degrees(np.arctan2(v, -u))) > 110] = BACKGROUND
    inside = (u / semi_axes[0]) ** 2 + (v / semi_axes[1]) ** 2 <= 1
    frame -= 14.0 * np.exp(-4 * np.log(2) * ((u - 10) / 3.0) ** 2) * inside
    frame = cv2.GaussianBlur(frame.astype(np.float32), (0, 0), 1.0)
    frame += np.random.default_rng(0).normal(0, 2.0, frame.shape).astype(np.float32)
    (defect,) = LoopMeasurer().measure(frame, ellipse_box(centre, semi_axes, 0.0, 6))
    assert defect.hollow and "open_line" in defect.flags
    assert defect.major_px == pytest.approx(120.0, rel=0.05)
