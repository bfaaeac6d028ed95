"""The ellipse of an open hollow loop's dark line, where the flood's basin lost the loop."""

import math

import numpy as np
import pytest

from edge.kernels.landscape import INNER, OUTER, Box, region_moments
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


def _axes(moments) -> tuple[float, float, float]:
    """Major and minor axes and the angle (degrees, 0-180) of a region's moment ellipse."""
    area, _, _, mu20, mu02, mu11 = moments
    spread = math.hypot((mu20 - mu02) / 2, mu11) / area
    mean = (mu20 + mu02) / 2 / area
    angle = math.degrees(0.5 * math.atan2(2 * mu11, mu20 - mu02)) % 180
    return 4 * math.sqrt(mean + spread), 4 * math.sqrt(mean - spread), angle


def _box(angle_deg: float) -> Box:
    return Box(*(int(round(v)) for v in ellipse_box(CENTRE, SEMI_AXES, angle_deg, 6)[0]))


@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 120.0])
def test_an_open_rings_line_gives_its_ellipse_where_the_basin_lost_it(angle_deg):
    """A ring drawn over 210 degrees, whose basin reaches only the left third of its inside: the
    ellipse fitted to the line is the ring's, within 3 % and 2 degrees."""
    frame, labels = _ring(angle_deg, 210.0), _basin(angle_deg, 0.35)
    basin = region_moments(labels, INNER)
    fitted = line_ellipse(frame, 1.0, labels, _box(angle_deg), BACKGROUND - CONTRAST / 2, basin)
    assert fitted is not None
    major, minor, angle = _axes(fitted)
    assert major == pytest.approx(100.0, rel=0.03) and minor == pytest.approx(80.0, rel=0.03)
    assert abs((angle - angle_deg + 90) % 180 - 90) <= 2.0
    centre = (fitted.m10 / fitted.area, fitted.m01 / fitted.area)
    assert np.hypot(centre[0] - CENTRE[0], centre[1] - CENTRE[1]) <= 1.5


def test_a_bright_loops_line_is_read_turned_dark():
    frame, labels = 2 * BACKGROUND - _ring(0.0, 210.0), _basin(0.0, 0.35)
    fitted = line_ellipse(frame, -1.0, labels, _box(0.0), -BACKGROUND - CONTRAST / 2, region_moments(labels, INNER))
    assert fitted is not None and _axes(fitted)[0] == pytest.approx(100.0, rel=0.03)


def test_a_basin_that_spans_the_line_keeps_its_moments():
    """Where the basin already reaches across the ring, the line's ellipse is not ``LARGER``."""
    frame, labels = _ring(0.0, 210.0), _basin(0.0, 1.0)
    basin = region_moments(labels, INNER)
    assert _axes(basin)[0] * LARGER > 100.0
    assert line_ellipse(frame, 1.0, labels, _box(0.0), BACKGROUND - CONTRAST / 2, basin) is None


def test_a_short_arc_is_not_taken_for_a_loop():
    """A line over 120 degrees covers under half the turn about any ellipse fitted to it."""
    frame, labels = _ring(0.0, 120.0), _basin(0.0, 0.35)
    basin = region_moments(labels, INNER)
    assert line_ellipse(frame, 1.0, labels, _box(0.0), BACKGROUND - CONTRAST / 2, basin) is None


def test_a_line_that_the_basin_does_not_touch_gives_nothing():
    frame = np.full((SIZE, SIZE), BACKGROUND, np.float32)
    labels = _basin(0.0, 0.35)
    assert line_ellipse(frame, 1.0, labels, _box(0.0), BACKGROUND - CONTRAST / 2, region_moments(labels, INNER)) is None
