"""Quality flags: raised where a measurement is doubtful, and not on clean loops."""

import numpy as np
import pytest

from edge.pipeline.measure import measure_defects
from edge.pipeline.quality import FLAGS, KIND_MARGIN, LINE_MARGIN, quality_flags
from edge.pipeline.synthetic import ellipse_box, render_loop


def _measured(major: float, line_width: float | None, contrast: float, noise: float, box=None, follow_rounds: int = 3):
    frame = render_loop((160, 160), (80, 80), (major / 2, major / 2), 0.0, line_width, contrast, noise=noise)
    boxes = ellipse_box((80, 80), (major / 2, major / 2), 0.0, 6) if box is None else np.array([box], float)
    (defect,) = measure_defects(frame, boxes, follow_rounds=follow_rounds)
    return defect


@pytest.mark.parametrize("major", [12, 40, 100])
@pytest.mark.parametrize("line_width", [2, None], ids=["hollow", "filled"])
def test_a_clean_loop_in_its_box_raises_no_flag(major, line_width):
    defect = _measured(major, line_width, 60.0, 3.0)
    assert defect.flags == () and defect.major_px == pytest.approx(major, abs=1)


def test_a_speck_in_a_large_box_is_small_in_its_box():
    assert _measured(8, None, 60.0, 3.0, box=[50, 50, 111, 111]).flags == ("small_in_box",)


def test_a_loop_larger_than_the_crop_around_its_box_touches_the_crop():
    # measured in the detector's box alone: following the outline re-crops about what it found,
    # here the loop's flat inside, as the box shows nothing of its line
    assert "touches_crop" in _measured(100, 4, 60.0, 3.0, box=[60, 60, 101, 101], follow_rounds=0).flags


def test_a_box_of_noise_alone_has_low_contrast():
    assert "low_contrast" in _measured(40, 3, 0.0, 10.0, box=[50, 50, 111, 111]).flags


def test_a_light_centre_closed_near_the_dark_line_cut_is_of_uncertain_kind():
    """The dark line closing a light centre decides hollow or filled at a hard cut: within
    ``LINE_MARGIN`` of it either way, the kind is flagged; farther, or where it was not asked, not."""
    box = (0, 0, 40, 40)
    assert quality_flags(30.0, box, False, 10.0, 0.5, LINE_MARGIN / 2) == ("kind_uncertain",)
    assert quality_flags(30.0, box, False, 10.0, None, -LINE_MARGIN / 2) == ("kind_uncertain",)  # measured filled
    assert quality_flags(30.0, box, False, 10.0, 0.5, 2 * LINE_MARGIN) == ()
    assert quality_flags(30.0, box, False, 10.0, None, -2 * LINE_MARGIN) == ()
    assert quality_flags(30.0, box, False, 10.0, 0.5, None) == ()


def test_an_ellipse_fitted_to_an_open_line_is_flagged():
    box = (0, 0, 40, 40)
    assert quality_flags(30.0, box, False, 10.0, 0.5, 0.3, open_line=True) == ("open_line",)
    assert quality_flags(30.0, box, False, 10.0, 0.5, 0.3) == ()


def test_a_centre_near_the_hollow_filled_cut_is_of_uncertain_kind_and_every_flag_is_explained():
    box = (0, 0, 40, 40)
    assert quality_flags(30.0, box, False, 10.0, KIND_MARGIN / 2) == ("kind_uncertain",)
    assert quality_flags(30.0, box, False, 10.0, -KIND_MARGIN / 2) == ("kind_uncertain",)
    assert quality_flags(30.0, box, False, 10.0, 2 * KIND_MARGIN) == ()
    assert quality_flags(30.0, box, False, 10.0, None) == ()  # filled for sure
    every = quality_flags(10.0, box, True, 1.0, 0.0, open_line=True)
    assert set(every) == set(FLAGS)
