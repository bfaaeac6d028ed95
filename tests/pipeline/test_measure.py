import json
import threading

import cv2
import numpy as np
import pytest

from edge.eval.measure_truth import CASES, SETTINGS, draw_case, measure_cases
from edge.eval.stability import moved_boxes
from edge.io.bundled import BUNDLED_SET, sample_frames
from edge.io.dataset import read_split
from edge.io.images import read_frame
from edge.kernels.watershed import flood
from edge.pipeline import measure
from edge.pipeline.measure import (
    CLOSED_LINE,
    MIN_SHRINK,
    MORE_WINDOWS,
    START_STEP,
    STARTS_AGREE,
    LoopMeasurer,
    fine_noise,
    measure_defects,
    outline_boxes,
)
from edge.pipeline.settings import STARTS, PipelineSettings
from edge.pipeline.synthetic import ellipse_box, render_loop


@pytest.mark.parametrize("major, aspect, line_width, blur", CASES)
@pytest.mark.parametrize("contrast", [60.0, -60.0, 25.0], ids=["dark", "bright", "faint"])
def test_major_axis_on_the_outline_within_3_percent_or_1_px(major, aspect, line_width, blur, contrast):
    """Hollow loops: the axes on the line's centre; filled ones: on the edge at half contrast
    (flat blobs at SNR 8 in expert-padded boxes: every case)."""
    case = draw_case(major, aspect, line_width, blur, contrast, mottled=False)
    (defect,) = measure_defects(case.frame, case.box)
    centre, angle = case.centre, case.angle_deg
    assert defect.hollow == (line_width is not None)
    assert abs(defect.major_px - major) <= max(1.0, 0.03 * major)
    assert abs(defect.x - centre[0]) <= 1 and abs(defect.y - centre[1]) <= 1
    if aspect >= 1.6:
        assert abs((defect.angle_deg - angle + 90) % 180 - 90) <= 6


# the least share of resolved loops within max(1 px, 3 %) and of the right kind per noisy setting
# of measure_truth.SETTINGS, a little under what the measurement reached when it was set (1.0,
# 0.975, 0.978, 0.927, 0.873 with a large blob's edge and a large ring's line read along rays;
# 1.0, 0.968, 0.968, 0.876, 0.724 before that; python -m edge.eval.measure_truth prints the table
# by size). Short of issue
# 30's bar (every resolved loop): at SNR 2-3 small blobs come out a few per cent large, and some
# mottled ones are still measured on a blotch or as rings; these keep the measurement from
# getting worse where it is weakest.
FLOORS = {
    (8.0, True, False): 0.99,
    (8.0, False, True): 0.95,
    (8.0, True, True): 0.95,
    (3.0, False, True): 0.91,
    (2.0, True, True): 0.85,
}


@pytest.mark.parametrize(
    "setting",
    SETTINGS[1:],  # the first, flat blobs in label boxes at SNR 8, is checked case by case above
    ids=lambda s: f"snr{s[0]:g}-{'moved' if s[1] else 'label'}-{'mottled' if s[2] else 'flat'}",
)
def test_noisy_frames_mottled_blobs_and_moved_boxes_keep_the_measured_accuracy(setting):
    """Down to SNR 2, with blobs whose insides are mottled and boxes moved by up to 15 % of
    their side and resized 0.8-1.25x as a detector's windows are: the share of resolved loops
    within max(1 px, 3 %) stays at its floor and the median error within 1 %."""
    cases = measure_cases(*setting)
    assert len(cases) >= 200
    assert np.mean([case.within_bar for case in cases]) >= FLOORS[setting]
    assert abs(np.median([case.error for case in cases])) <= 0.01


@pytest.mark.parametrize(
    "major, aspect, contrast", [(8, 1.0, 25.0), (12, 1.6, -60.0), (20, 2.2, 25.0)], ids=["8px", "12px-bright", "20px"]
)
def test_a_small_blob_beside_a_moved_boxs_centre_is_measured_as_a_blob(major, aspect, contrast):
    """Blobs of 8-20 px at SNR 8 in boxes of 25-55 px moved so that their centre falls at or past
    the blob's rim (the synthetic truth's own draws): the first flood's basin is background, closed by the
    blob on one side and by noise elsewhere, not a light centre; each is measured as the filled
    blob it is, within max(1 px, 3 %) (they measured as hollow loops 1.6-2.2x their size)."""
    case = draw_case(major, aspect, None, 0.7, contrast, snr=8.0, moved=True, mottled=False)
    offset_x, offset_y = (case.box[0, :2] + case.box[0, 2:]) / 2 - 0.5 - case.centre  # pixel centres
    turn = np.radians(case.angle_deg)
    along, across = offset_x * np.cos(turn) + offset_y * np.sin(turn), offset_y * np.cos(turn) - offset_x * np.sin(turn)
    assert (along / (major / 2)) ** 2 + (across / (major / 2 / aspect)) ** 2 > 0.95  # at or past the blob's rim
    (defect,) = measure_defects(case.frame, case.box)
    assert not defect.hollow
    assert abs(defect.major_px - major) <= max(1.0, 0.03 * major)


def test_a_clear_loop_measures_the_same_in_moved_and_resized_boxes():
    """One loop, 40 px across, measured in 20 windows moved by up to 15 % and resized 0.8-1.25x
    (``edge.eval.stability.moved_boxes``): every window finds it, within 2 % of the label box's size."""
    centre, semi_axes = (80.2, 79.6), (20.0, 14.0)
    frame = render_loop((160, 160), centre, semi_axes, 30, 3, 60.0, noise=5)
    box = ellipse_box(centre, semi_axes, 30, pad=6)
    (reference,) = measure_defects(frame, box)
    windows = moved_boxes(box, 20, np.random.default_rng(3))[0]
    measured = [defect.major_px for defect in measure_defects(frame, windows)]
    assert len(measured) == 20
    assert np.abs(np.array(measured) / reference.major_px - 1).max() <= 0.02


def test_li2018_train_loops_in_moved_boxes_measure_within_10_percent_for_nine_in_ten(li2018):
    """Issue 30's bar on real loops: the 841 labelled loops of the 40 validation images of the
    bundled screen's record (li2018's train split; its test split chooses nothing), each in 4
    windows moved by up to 15 % and resized 0.8-1.25x. Measured from up to five windows each,
    nine moved boxes in ten give a size within 10 % of the label box's (90th percentile 0.051 on
    2026-12-08, as ``edge evaluate --moved-boxes 4`` gives on these images), and none is lost."""
    names = set(json.loads((BUNDLED_SET / "screen.json").read_text())["validation_images"])
    items = [item for item in read_split(li2018, "train") if item.image.name in names]
    measurer, rng, differences = LoopMeasurer(), np.random.default_rng(0), []
    for item in items:
        pixels, boxes = read_frame(item.image).pixels, np.asarray(item.boxes, np.float64).reshape(-1, 4)
        references = measurer.measure_each(pixels, boxes)
        moved = measurer.measure_each(pixels, moved_boxes(boxes, 4, rng).reshape(-1, 4))
        assert all(defect is not None for defect in references + moved)
        for index, reference in enumerate(references):
            majors = [defect.major_px for defect in moved[4 * index : 4 * index + 4]]
            differences += [abs(major / reference.major_px - 1) for major in majors]
    assert (len(items), len(differences)) == (40, 4 * 841)
    assert np.percentile(differences, 90) <= 0.10


@pytest.mark.parametrize("starts", [3, 5])
def test_more_windows_where_the_box_and_its_grown_copy_disagree_keep_the_median_size(monkeypatch, starts):
    """Each box is measured from itself, then from its copy grown by 1.19x about its centre, and,
    unless those two agree within 1 %, from the windows of ``MORE_WINDOWS`` (3: shrunk by 1.19x;
    5: also scaled by 0.7 and 1.4): the measurement of median major axis is kept, reported for the
    detector's box (the real measurements, recorded as made)."""
    frame, boxes = next(iter(sample_frames()))
    made, windows = [], []
    measured = LoopMeasurer._measured

    def recorded(self, frame, crop, bbox, sign, noise, score, followed):
        made.append(measured(self, frame, crop, bbox, sign, noise, score, followed))
        windows.append(np.array(crop.bbox, float))
        return made[-1]

    monkeypatch.setattr(LoopMeasurer, "_measured", recorded)
    agreed = 0
    for box in boxes:
        made.clear()
        windows.clear()
        (kept,) = LoopMeasurer(starts=starts).measure_each(frame.pixels, box[None])
        own, grown = made[:2]
        assert kept.bbox == own.bbox == tuple(int(v) for v in np.rint(box))
        height, width = frame.pixels.shape
        for window, factor in zip(windows, (1, START_STEP, *MORE_WINDOWS[starts]), strict=False):
            if window[0] > 0 and window[1] > 0 and window[2] < width and window[3] < height:  # not clipped
                sides, box_sides = window[2:] - window[:2], box[2:] - box[:2]
                assert np.abs(sides - factor * box_sides).max() <= 1.0  # whole pixels
        if abs(grown.major_px - own.major_px) <= STARTS_AGREE * own.major_px:
            assert len(made) == 2 and kept is own
            agreed += 1
        else:
            assert len(made) == starts
            assert kept.major_px == sorted(d.major_px for d in made)[(starts - 1) // 2]
    assert 0 < agreed < len(boxes)


@pytest.mark.parametrize("starts", STARTS)
def test_a_follow_crop_flooded_once_a_frame_gives_what_flooding_it_each_time_gives(monkeypatch, starts):
    """Windows of one loop often settle on the same follow crop: measured in one call, a frame
    floods each such crop once (fewer floods over the samples, with more than one window) and
    every defect is exactly what flooding every follow crop afresh gives (the same measurer with
    a new memo each time). With one window a crop is shared only where two boxes' loops settle
    on the same outline: two overlapping boxes of the third sample frame, whose rounds both end
    on one blob, share two follow crops."""
    floods = []
    flood_outline = measure._flood_outline

    def counted(*args):
        floods.append(1)
        return flood_outline(*args)

    monkeypatch.setattr(measure, "_flood_outline", counted)
    frames = [(frame.pixels, boxes) for frame, boxes in sample_frames()]
    once = [LoopMeasurer(starts=starts).measure_each(pixels, boxes) for pixels, boxes in frames]
    floods_once = len(floods)
    followed = LoopMeasurer._followed

    def afresh(self, frame, defect, sign, noise, _):
        return followed(self, frame, defect, sign, noise, {})

    monkeypatch.setattr(LoopMeasurer, "_followed", afresh)
    floods.clear()
    each_time = [LoopMeasurer(starts=starts).measure_each(pixels, boxes) for pixels, boxes in frames]
    assert once == each_time
    if starts == 1:
        assert len(floods) - floods_once == 2
    else:
        assert floods_once < len(floods)


def test_each_number_of_starts_has_its_windows():
    """Every allowed ``starts`` but 1 names the windows measured where the first two disagree,
    as many as make up its count."""
    assert STARTS == (1, *MORE_WINDOWS)
    assert all(len(windows) == starts - 2 for starts, windows in MORE_WINDOWS.items())


def test_one_window_is_the_detectors_box_alone_and_settings_build_the_measurer():
    """``starts=1`` measures in the detector's box alone: some boxes measure as from several
    windows (where the grown window agrees), others not; the pipeline's settings build the
    measurer they describe, and other numbers of starts are refused."""
    frame, boxes = next(iter(sample_frames()))
    one, several = LoopMeasurer(starts=1).measure(frame.pixels, boxes), LoopMeasurer().measure(frame.pixels, boxes)
    assert len(one) == len(several) == len(boxes)
    assert 0 < sum(a == b for a, b in zip(one, several, strict=True)) < len(boxes)
    settings = PipelineSettings(polarity="dark", follow_rounds=0, measure_starts=1)
    assert LoopMeasurer.from_settings(settings) == LoopMeasurer("dark", 0, starts=1)
    with pytest.raises(ValueError, match="starts must be one of"):
        LoopMeasurer(starts=2)


def test_a_frames_loops_measured_on_several_threads_come_out_as_on_one():
    """Threads share a frame's follow crops (a plain dict) and the compiled kernels: every box's
    measurement on 4 threads is the one it gets on one, in the boxes' order, for frames of both
    sizes, and the floods ran on the pool's threads; the settings carry the number, and numbers
    outside 1-64 are refused."""
    frames = [(frame.pixels.astype(np.uint16) * np.uint16(257), boxes) for frame, boxes in sample_frames()][::3]
    assert {pixels.shape for pixels, _ in frames} == {(1024, 1024), (2048, 2048)}
    flooded_on = set()

    def flood_noting_the_thread(landscape, markers):
        flooded_on.add(threading.current_thread().name)
        return flood(landscape, markers)

    one = [LoopMeasurer().measure_each(pixels, boxes) for pixels, boxes in frames]
    four = [LoopMeasurer(threads=4, flood_with=flood_noting_the_thread).measure_each(*frame) for frame in frames]
    assert four == one and sum(defect is not None for defects in one for defect in defects) > 50
    assert len(flooded_on) > 1 and all(name.startswith("measure") for name in flooded_on)
    assert LoopMeasurer.from_settings(PipelineSettings(measure_threads=4)).threads == 4
    for refused in (0, 65, True):
        with pytest.raises(ValueError, match="threads must be a whole number from 1 to 64"):
            LoopMeasurer(threads=refused)


@pytest.mark.parametrize("line_width", [3.0, None], ids=["hollow", "filled"])
def test_a_box_cutting_through_the_loop_still_measures_the_whole_loop(line_width):
    """A window over only the top-left 60 % x 70 % of a loop: the measurement follows the outline
    out of the window and recovers the loop's 44 px major axis (measured in that window's crop
    alone, it was 35-36 px)."""
    centre, semi_axes = (80.3, 79.6), (22.0, 16.0)
    frame = render_loop((160, 160), centre, semi_axes, 20, line_width, 60.0, noise=4, seed=1)
    full = ellipse_box(centre, semi_axes, 20, pad=5)[0]
    window = full.copy()
    window[2:] = full[:2] + [0.6, 0.7] * (full[2:] - full[:2])
    (defect,) = measure_defects(frame, window[None])
    assert defect.major_px == pytest.approx(44.0, abs=1.0)
    assert defect.bbox == tuple(int(v) for v in np.rint(window))  # the detector's box, as given


def test_a_loop_open_on_one_side_is_not_lost_by_following_its_outline():
    """A ring of 100 x 80 px whose right-hand 150 degrees are missing, as li2018's large arcs are:
    measured in its box the outline runs out through the gap (115 px). Each tighter crop about
    that outline gave a smaller one, down to a 3 px speck; held to ``MIN_SHRINK`` of the size
    first measured, the following keeps a loop-sized outline."""
    centre = (100.0, 100.0)
    frame = render_loop((200, 200), centre, (50.0, 40.0), 0.0, 4.0, 60.0, noise=0.0)
    rows, cols = np.mgrid[:200, :200]
    frame[np.abs(np.degrees(np.arctan2(rows - centre[1], cols - centre[0]))) < 75] = 150.0  # the gap
    frame = cv2.GaussianBlur(frame, (0, 0), 1.0) + np.random.default_rng(0).normal(0, 2.0, frame.shape)
    box = np.array([[42.0, 52.0, 158.0, 148.0]])
    (in_box,) = LoopMeasurer(follow_rounds=0, starts=1).measure(frame, box)
    (followed,) = LoopMeasurer().measure(frame, box)
    assert followed.major_px >= MIN_SHRINK * in_box.major_px
    assert followed.major_px == pytest.approx(100.0, rel=0.25)


@pytest.mark.parametrize("side", ["bottom", "top", "right", "left"])
@pytest.mark.parametrize("inside_px", [10.0, 20.0])
@pytest.mark.parametrize("angle_deg", [0.0, 20.0])
def test_a_ring_cut_by_the_frames_edge_is_measured_across_its_light_centre(side, inside_px, angle_deg):
    """A ring of 100 x 60 px whose centre lies 10 or 20 px inside one of the frame's edges, its box
    running out of the frame: the background's marker no longer runs along that edge inside the
    loop, and the major axis, along the edge, comes back within 5 % (72-87 px before)."""
    frame, box = _cut_ring(side, inside_px, angle_deg)
    (defect,) = measure_defects(frame, box[None])
    assert defect.hollow and defect.major_px == pytest.approx(100.0, rel=0.05)


def _cut_ring(side: str, inside_px: float, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """A ring of 100 x 60 px (4 px line) whose centre lies ``inside_px`` inside the frame's
    ``side``, and its box, padded 6 px, running out of the frame."""
    height = 160
    centre = (100.3, height - inside_px)
    frame = render_loop((height, 200), centre, (50.0, 30.0), angle_deg, 4.0, 60.0, noise=2.0, seed=1)
    box = ellipse_box(centre, (50.0, 30.0), angle_deg, 6)[0]
    if side in ("top", "left"):  # the frame flipped upside down, and the box with it
        frame, box = frame[::-1].copy(), np.array([box[0], height - box[3], box[2], height - box[1]])
    if side in ("right", "left"):  # the frame turned onto its side: rows become columns
        frame, box = frame.T.copy(), box[[1, 0, 3, 2]]
    return frame, box


@pytest.fixture
def flooded_outlines(monkeypatch) -> list:
    """Every ``_Outline`` the measurement floods from here on, in order."""
    outlines = []
    flood_outline = measure._flood_outline

    def recorded(*args):
        outlines.append(flood_outline(*args))
        return outlines[-1]

    monkeypatch.setattr(measure, "_flood_outline", recorded)
    return outlines


@pytest.mark.parametrize("side", ["bottom", "top", "right", "left"])
def test_a_ring_cut_by_the_frames_edge_is_closed_by_its_line_where_the_frame_shows_it(flooded_outlines, side):
    """The stretch of the crop's border on the frame's edge, which the first flood leaves open,
    is not counted in the dark line's share of the basin's edge: the ring's line closes all the
    rest of it (0.68-0.96 of the edge with the stretch counted, for its centre 10-30 px inside)."""
    for inside_px in (10.0, 20.0, 30.0):
        measure_defects(*_cut_ring(side, inside_px, 0.0))
    shares = [outline.line_margin + CLOSED_LINE for outline in flooded_outlines if outline.line_margin is not None]
    assert len(shares) >= 3 and min(shares) >= 0.95


def test_a_box_beside_a_small_blob_at_the_frames_edge_finds_no_closed_line(flooded_outlines):
    """A box on the background beside a small blob near the frame's bottom edge, its crop on
    that edge: its basin of background, open along the frame's edge, is closed by the blob on
    one side only (0-31 % of its counted edge dark), so no loop is measured as hollow."""
    defects = []
    for inside_px in (2.0, 5.0, 8.0):
        frame = render_loop((120, 160), (70.3, 120 - inside_px - 0.4), (5.0, 5.0), 0, None, 60.0, noise=2.0, seed=3)
        for beside_px in (8.0, 10.0, 12.0):
            centre_x, centre_y = 70.3 - beside_px, 120 - inside_px - 2
            box = np.array([[centre_x - 10, centre_y - 10, centre_x + 10, centre_y + 10]])
            defects += LoopMeasurer(follow_rounds=0, starts=1).measure(frame, box)
    shares = [outline.line_margin + CLOSED_LINE for outline in flooded_outlines if outline.line_margin is not None]
    assert len(shares) == 9 and max(shares) < CLOSED_LINE
    assert not any(defect.hollow for defect in defects)


def test_a_loop_whose_centre_darkens_through_the_cut_grows_smoothly():
    """A ring (40 px on its line's centre, 4 px line) whose inside darkens from a quarter to three
    quarters of its contrast: the size moves from the ring's centre line to its outer edge at half
    contrast in steps of at most 2 px, never in one jump (one step of 5.4 px when the cut was sharp)."""
    centre = (60.3, 59.8)
    sizes = []
    for depth in np.linspace(0.25, 0.75, 11):
        ring = render_loop((120, 120), centre, (20.0, 20.0), 0, 4.0, 60.0)
        inside = render_loop((120, 120), centre, (18.0, 18.0), 0, None, 60.0 * depth, background=0.0)
        (defect,) = measure_defects(ring + inside, ellipse_box(centre, (20.0, 20.0), 0, pad=6))
        sizes.append(defect.major_px)
    assert sizes[0] == pytest.approx(40.0, abs=1.0) and sizes[-1] > 43.5
    assert np.abs(np.diff(sizes)).max() <= 2.0


@pytest.mark.parametrize("contrast", [60.0, -60.0])
@pytest.mark.parametrize(("major", "aspect"), [(24.0, 1.0), (40.0, 1.0), (60.0, 1.6)])
def test_a_blob_darker_in_its_middle_than_at_its_rim_is_measured_to_its_edge(major, aspect, contrast):
    """A blob half as dark again inside half its axes: its level is its middle's, and half of
    that lies inside the rim's edge (2 px short at every size before its edge level was read);
    the edge's own level brings the outline out to it, within max(1 px, 3 %)."""
    centre, semi_axes = (60.3, 59.8), (major / 2, major / 2 / aspect)
    blob = render_loop((120, 120), centre, semi_axes, 30, None, contrast, blur=1.0)
    half_axes = (semi_axes[0] / 2, semi_axes[1] / 2)
    middle = render_loop((120, 120), centre, half_axes, 30, None, contrast / 2, blur=1.0, background=0.0)
    (defect,) = measure_defects(blob + middle, ellipse_box(centre, semi_axes, 30, pad=6))
    assert not defect.hollow
    assert abs(defect.major_px - major) <= max(1.0, 0.03 * major)


def test_an_edge_level_as_light_as_the_background_is_held_at_a_quarter_of_the_contrast(monkeypatch):
    """Whatever the edge's level reads, the blob's last flood meets no lighter than a quarter of
    its contrast (``EDGE_LEVEL_LIGHTEST``): a disc of 40 px (blur 1.5 px) then comes out a little
    large, its blurred edge at a quarter, rather than flooding out over the background."""
    monkeypatch.setattr(measure, "edge_level", lambda *args: 1e9)  # lighter than any background
    centre = (60.3, 59.8)
    disc = render_loop((120, 120), centre, (20.0, 20.0), 0, None, 60.0, blur=1.5)
    (defect,) = measure_defects(disc, ellipse_box(centre, (20.0, 20.0), 0, pad=6), polarity="dark", follow_rounds=0)
    assert 40.5 < defect.major_px < 44.0


@pytest.mark.parametrize("follow_rounds", [0, 3])
def test_a_flat_box_beside_brighter_structure_is_measured_without_error(follow_rounds):
    """A box on flat background whose crop holds a brighter square, measured as dark loops: the
    blob's level is the background's, so there is no edge to read, and the box keeps its outline
    at half contrast (it divided by zero before)."""
    frame = np.full((100, 100), 100.0, np.float32)
    frame[40:60, 40:60] = 120.0
    frame[45:55, 45:55] = 100.0
    defects = measure_defects(frame, np.array([[35, 35, 65, 65]]), polarity="dark", follow_rounds=follow_rounds)
    assert len(defects) == 1 and not defects[0].hollow


def test_at_snr_2_a_loop_is_measured_as_its_own_kind():
    """In-situ bright-field noise (SNR 2, mottled blobs, moved boxes): a centre counts as light
    only when the noise cannot explain it, so blobs are not measured as small rings inside
    themselves; at least 94 % of resolved loops come out as their kind (89.5 % without the noise
    in the test)."""
    cases = measure_cases(2.0, True, True)
    assert np.mean([case.measured_hollow == case.hollow for case in cases]) >= 0.94


@pytest.mark.parametrize("sd", [2.0, 8.0])
def test_fine_noise_reads_the_pixel_noise_not_the_background_or_the_loops(sd):
    """The same estimate with and without a background gradient and loops; twice it for twice the noise."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0, sd, (600, 700)).astype(np.float32)
    rows, cols = np.indices(noise.shape)
    busy = 150 + 0.1 * cols + 0.05 * rows + noise
    for x in range(80, 700, 90):
        busy += render_loop(noise.shape, (x + 0.3, 300.2), (15.0, 11.0), 30, 3.0, 40.0, background=0.0)
    plain = fine_noise(100 + noise)
    assert fine_noise(busy) == pytest.approx(plain, rel=0.1)
    assert fine_noise(100 + 2 * noise) == pytest.approx(2 * plain, rel=0.02)
    assert fine_noise(np.full((50, 50), 7.0)) == 0.0


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


def _ring_in_a_dark_neighbourhood(bright_loops: bool) -> tuple[np.ndarray, np.ndarray]:
    """A frame of three small dark rings and a large one (80 x 60 px on its line) whose light
    centre lies in a darker neighbourhood, so that its box alone reads brighter than its crop's
    border; with ``bright_loops`` the frame turned negative (HAADF-like). Its boxes, the large
    ring's first."""
    frame = np.full((260, 320), 150.0, np.float32)
    rows, cols = np.indices(frame.shape)
    frame = cv2.GaussianBlur(frame - 70.0 * (np.hypot(cols - 200, rows - 130) < 80), (0, 0), 4.0)
    frame += render_loop(frame.shape, (200.3, 130.2), (40.0, 30.0), 20, 3.0, 50.0, background=0.0)
    turn = np.radians(20)
    along = (cols - 200.3) * np.cos(turn) + (rows - 130.2) * np.sin(turn)
    across = (rows - 130.2) * np.cos(turn) - (cols - 200.3) * np.sin(turn)
    frame[(along / 35) ** 2 + (across / 25) ** 2 < 1] = 150.0  # its centre as light as the frame far off
    boxes = [ellipse_box((200.3, 130.2), (40.0, 30.0), 20, 6)[0]]
    for centre in ((40.3, 40.2), (40.3, 210.7), (100.6, 120.4)):
        frame += render_loop(frame.shape, centre, (12.0, 9.0), 0, 3.0, 60.0, background=0.0)
        boxes.append(ellipse_box(centre, (12.0, 9.0), 0, 5)[0])
    frame = cv2.GaussianBlur(frame, (0, 0), 0.7) + np.random.default_rng(0).normal(0, 2.0, frame.shape)
    return (300.0 - frame if bright_loops else frame), np.array(boxes)


@pytest.mark.parametrize("bright_loops", [False, True])
def test_auto_polarity_follows_the_frame_where_one_box_alone_reads_the_other_way(bright_loops):
    """The large ring's box alone reads the other way (measured so, its light centre came out a
    70 px blob); with the frame's other loops it is measured as what it is, a ring of 80 px on its
    line, and the small rings as before."""
    frame, boxes = _ring_in_a_dark_neighbourhood(bright_loops)
    alone = measure._crop(frame, [round(v) for v in boxes[0]])
    assert measure._sign(alone, "auto") == (1.0 if bright_loops else -1.0)
    ring, *small = LoopMeasurer().measure(frame, boxes)
    assert ring.hollow and ring.major_px == pytest.approx(80.0, rel=0.03)
    assert all(loop.hollow and loop.major_px == pytest.approx(24.0, rel=0.05) for loop in small)


@pytest.mark.parametrize("starts", STARTS)
def test_auto_polarity_judges_each_box_once_and_its_windows_keep_the_frames_way(monkeypatch, starts):
    """Each box's contrast is read once a frame, from its own crop; the windows it is measured
    from (grown, shrunk, followed) take the frame's way rather than reading their own."""
    judged = []
    brighter = measure.brighter_inside

    def counted(smooth, box):
        judged.append(box)
        return brighter(smooth, box)

    monkeypatch.setattr(measure, "brighter_inside", counted)
    frame, boxes = next(iter(sample_frames()))
    LoopMeasurer(starts=starts).measure_each(frame.pixels, boxes)
    assert len(judged) == len(boxes)


def test_auto_polarity_lets_each_box_decide_where_the_frame_splits_evenly():
    """One dark and one bright disc in a frame: no way has the most boxes, so each box is
    measured by its own contrast, both to their edge."""
    frame = np.full((120, 200), 120.0, np.float32)
    boxes = []
    for centre, contrast in (((50.3, 60.2), 50.0), ((150.3, 60.2), -50.0)):
        frame += render_loop(frame.shape, centre, (15.0, 15.0), 0, None, contrast, background=0.0)
        boxes.append(ellipse_box(centre, (15.0, 15.0), 0, 6)[0])
    frame += np.random.default_rng(1).normal(0, 2.0, frame.shape).astype(np.float32)
    dark, bright = LoopMeasurer().measure(frame, np.array(boxes))
    assert dark.major_px == pytest.approx(30.0, rel=0.03) and bright.major_px == pytest.approx(30.0, rel=0.03)


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


def test_measuring_each_box_keeps_one_entry_a_box_with_none_where_it_is_skipped():
    frame = render_loop((90, 90), (45, 45), (20, 14), 0, 3, 60.0)
    boxes = np.array([[200, 200, 240, 240], [17, 23, 74, 68], [20, 20, 70, 70]])
    each = LoopMeasurer().measure_each(frame, boxes)
    assert each[0] is None and each[1:] == measure_defects(frame, boxes[1:])


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
    # reached 1 px past it; measured on the outline in the box's own crop, 1.2 px inside; followed
    # out of the box, 0.26 px inside: blobs reach out to their edge at half contrast against the
    # background farther off)
    assert np.median(paddings) > 0
    # these frames hold both kinds: loops with a light centre, and blobs
    assert 0.2 <= np.mean(modes) <= 0.9


@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 90.0, 135.0])
def test_a_measured_loops_outline_box_is_its_ellipses_extent(angle_deg):
    centre, semi_axes = (60.3, 58.7), (24.0, 14.0)
    frame = render_loop((120, 120), centre, semi_axes, angle_deg, line_width=3.0, contrast=60.0)
    window = ellipse_box(centre, semi_axes, angle_deg, pad=12)  # a loose window, as the cascade gives
    (defect,) = measure_defects(frame, window)
    drawn = ellipse_box(centre, semi_axes, angle_deg, pad=0)[0] - [0, 0, 1, 1]
    assert np.abs(outline_boxes([defect])[0] - drawn).max() < 2.0  # the line's centre, within 2 px
    padded = outline_boxes([defect], padding=1.5)[0]
    assert padded[2] - padded[0] == pytest.approx(1.5 * (drawn[2] - drawn[0]), rel=0.06)
    assert (padded[:2] + padded[2:]) / 2 == pytest.approx((drawn[:2] + drawn[2:]) / 2, abs=1.0)


def test_outline_boxes_refuse_a_padding_that_is_not_positive():
    with pytest.raises(ValueError, match="padding must be > 0"):
        outline_boxes([], padding=0.0)
