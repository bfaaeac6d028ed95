import numpy as np
import pytest
from synthetic import render_loop

from edge.bundled import sample_frames
from edge.measure import measure_defects


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


CASES = [
    # major px, aspect ratio, band thickness px (99: a filled disc)
    (major, aspect, thickness)
    for major in (8, 12, 20, 35, 60, 100, 150)
    for aspect in (1.0, 1.6, 2.2)
    for thickness in (2.0, 4.0, 99.0)
    # under a 6 px minor axis the two edges' blur (point spread + smoothing, ~1 px each)
    # overlap and the outline shrinks: such loops are at the resolution limit
    if major / aspect >= 6
]


@pytest.mark.parametrize("major, aspect, thickness", CASES)
@pytest.mark.parametrize("contrast", [60.0, -60.0, 25.0], ids=["dark", "bright", "faint"])
def test_major_axis_of_synthetic_loop_within_3_percent_or_1_px(major, aspect, thickness, contrast):
    seed = int(major * 100 + aspect * 10 + thickness + contrast)
    rng = np.random.default_rng(seed)
    semi_axes = (major / 2, major / 2 / aspect)
    angle = rng.uniform(0, 180)
    size = int(major * 1.6 + 30)
    centre = (size / 2 + rng.uniform(-0.5, 0.5), size / 2 + rng.uniform(-0.5, 0.5))
    noise = abs(contrast) / 8
    frame = render_loop(
        (size, size), centre, semi_axes, angle, min(thickness, semi_axes[1]), contrast, noise=noise, seed=seed
    )
    (defect,) = measure_defects(frame, ellipse_box(centre, semi_axes, angle, pad=rng.uniform(4, 12)))
    assert abs(defect.major_px - major) <= max(1.0, 0.03 * major)
    assert abs(defect.x - centre[0]) <= 1 and abs(defect.y - centre[1]) <= 1
    if aspect >= 1.6:
        assert abs((defect.angle_deg - angle + 90) % 180 - 90) <= 6


@pytest.mark.parametrize("polarity, contrast", [("dark", 60.0), ("bright", -60.0)])
def test_stated_polarity_measures_like_auto(polarity, contrast):
    frame = render_loop((90, 90), (45, 45), (20, 14), 30, 3, contrast, noise=5)
    box = ellipse_box((45, 45), (20, 14), 30, pad=8)
    assert measure_defects(frame, box, polarity)[0].major_px == pytest.approx(measure_defects(frame, box)[0].major_px)


def test_wrong_polarity_gives_a_different_size():
    frame = render_loop((90, 90), (45, 45), (20, 14), 30, 3, 60.0, noise=5)
    box = ellipse_box((45, 45), (20, 14), 30, pad=8)
    assert abs(measure_defects(frame, box, "bright")[0].major_px - 40) > 2


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


def test_real_loops_measure_inside_their_padded_label_boxes():
    for frame, boxes in sample_frames():
        defects = measure_defects(frame.pixels, boxes)
        assert len(defects) >= 0.95 * len(boxes)
        inside = 0
        for defect in defects:
            x0, y0, x1, y1 = defect.bbox
            assert x0 <= defect.x <= x1 and y0 <= defect.y <= y1
            diagonal = np.hypot(x1 - x0, y1 - y0)
            assert 2 <= defect.major_px <= 1.5 * diagonal
            inside += defect.major_px <= diagonal
        # expert boxes are padded by 5-15 px, so a loop is smaller than its box's diagonal;
        # a flood may spill into a touching neighbour now and then
        assert inside >= 0.9 * len(defects)
