import numpy as np
import pytest
from synthetic import render_loop

from edge.bundled import sample_frames
from edge.measure import SMOOTHING_SIGMA_PX, measure_defects


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


CASES = [
    # major axis px, aspect ratio, line width px (None: a filled disc), point spread sigma px
    (major, aspect, line_width, blur)
    for major in (8, 12, 20, 35, 60, 100, 150)
    for aspect in (1.0, 1.6, 2.2)
    for line_width in (1, 2, 4, 8, None)
    for blur in (0.7, 1.5)
    if resolved(major, aspect, line_width, blur)
]


@pytest.mark.parametrize("major, aspect, line_width, blur", CASES)
@pytest.mark.parametrize("contrast", [60.0, -60.0, 25.0], ids=["dark", "bright", "faint"])
def test_major_axis_on_the_outline_within_3_percent_or_1_px(major, aspect, line_width, blur, contrast):
    """Hollow loops: the axes on the line's centre; filled ones: on the edge at half contrast."""
    seed = int(major * 100 + aspect * 10 + (line_width or 0) + blur * 1000 + contrast)
    rng = np.random.default_rng(seed)
    semi_axes = (major / 2, major / 2 / aspect)
    angle = rng.uniform(0, 180)
    size = int(major * 1.6 + 40)
    centre = (size / 2 + rng.uniform(-0.5, 0.5), size / 2 + rng.uniform(-0.5, 0.5))
    frame = render_loop(
        (size, size), centre, semi_axes, angle, line_width, contrast, blur=blur, noise=abs(contrast) / 8, seed=seed
    )
    pad = rng.uniform(4, 12) + (line_width or 0) / 2
    (defect,) = measure_defects(frame, ellipse_box(centre, semi_axes, angle, pad))
    assert defect.hollow == (line_width is not None)
    assert abs(defect.major_px - major) <= max(1.0, 0.03 * major)
    assert abs(defect.x - centre[0]) <= 1 and abs(defect.y - centre[1]) <= 1
    if aspect >= 1.6:
        assert abs((defect.angle_deg - angle + 90) % 180 - 90) <= 6


def test_every_size_and_both_modes_are_covered_by_resolved_cases():
    covered = {(major, line_width is None) for major, _, line_width, _ in CASES}
    assert {major for major, _ in covered} == {8, 12, 20, 35, 60, 100, 150}
    assert {filled for _, filled in covered} == {True, False}
    assert len(CASES) >= 120  # of 210 drawn


def test_a_wide_line_is_measured_on_its_centre_not_its_outer_edge():
    # the outer edge of this line lies 4 px outside its centre: 48 px across, not 40
    frame = render_loop((100, 100), (50, 50), (20, 20), 0, 8, 60.0, noise=2)
    (defect,) = measure_defects(frame, ellipse_box((50, 50), (20, 20), 0, pad=10))
    assert defect.hollow
    assert defect.major_px == pytest.approx(40, abs=1)


@pytest.mark.parametrize("polarity, contrast", [("dark", 60.0), ("bright", -60.0)])
def test_stated_polarity_measures_like_auto(polarity, contrast):
    frame = render_loop((90, 90), (45, 45), (20, 14), 30, 3, contrast, noise=5)
    box = ellipse_box((45, 45), (20, 14), 30, pad=8)
    assert measure_defects(frame, box, polarity)[0].major_px == pytest.approx(measure_defects(frame, box)[0].major_px)


def test_wrong_polarity_gives_a_different_size():
    frame = render_loop((90, 90), (45, 45), (20, 14), 30, 3, 60.0, noise=5)
    box = ellipse_box((45, 45), (20, 14), 30, pad=8)
    assert abs(measure_defects(frame, box, "bright")[0].major_px - 40) > 2


def test_uint16_frame_scaled_by_257_gives_the_same_defects():
    frame, boxes = next(iter(sample_frames()))
    as_uint8 = measure_defects(frame.pixels, boxes)
    as_uint16 = measure_defects(frame.pixels.astype(np.uint16) * np.uint16(257), boxes)
    assert len(as_uint8) == len(as_uint16)
    for first, second in zip(as_uint8, as_uint16, strict=True):
        assert second.major_px == pytest.approx(first.major_px, abs=0.05)
        assert second.hollow == first.hollow


def test_boxes_outside_the_frame_are_skipped_and_scores_kept():
    frame = render_loop((90, 90), (45, 45), (20, 14), 0, 3, 60.0)
    boxes = np.array([[200, 200, 240, 240], [17, 23, 74, 68]])
    (defect,) = measure_defects(frame, boxes, scores=np.array([0.1, 0.9]))
    assert defect.score == pytest.approx(0.9)


def test_bad_frame_or_polarity_is_refused_with_a_message():
    with pytest.raises(ValueError, match="2-D greyscale"):
        measure_defects(np.zeros((4, 4, 3)), np.zeros((0, 4)))
    with pytest.raises(ValueError, match="polarity"):
        measure_defects(np.zeros((4, 4)), np.zeros((0, 4)), polarity="grey")


def _padding(defect):
    """How far the defect's box reaches past its ellipse's bounding box, px (mean of the four sides)."""
    semi_major, semi_minor, angle = defect.major_px / 2, defect.minor_px / 2, np.radians(defect.angle_deg)
    half_x = np.hypot(semi_major * np.cos(angle), semi_minor * np.sin(angle))
    half_y = np.hypot(semi_major * np.sin(angle), semi_minor * np.cos(angle))
    x0, y0, x1, y1 = defect.bbox
    return ((x1 - x0 - 2 * half_x) + (y1 - y0 - 2 * half_y)) / 4


def test_real_loops_measure_inside_their_padded_label_boxes():
    paddings, modes = [], []
    for frame, boxes in sample_frames():
        defects = measure_defects(frame.pixels, boxes)
        assert len(defects) >= 0.95 * len(boxes)
        for defect in defects:
            x0, y0, x1, y1 = defect.bbox
            assert x0 <= defect.x <= x1 and y0 <= defect.y <= y1
            assert 2 <= defect.major_px <= 1.5 * np.hypot(x1 - x0, y1 - y0)
            paddings.append(_padding(defect))
            modes.append(defect.hollow)
    # the experts' boxes are their ellipses' bounding boxes, padded: a loop measured on its
    # outline fits inside its box in the median (measured out to the line's outer edge, it
    # reached 1 px past it)
    assert np.median(paddings) >= 0.5
    # these frames hold both kinds: loops with a light centre, and blobs
    assert 0.2 <= np.mean(modes) <= 0.9
