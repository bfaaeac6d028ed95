import json

import numpy as np
import pytest

from edge.cli import main
from edge.eval.matching import match_by_centre
from edge.io.boxes import box_iou
from edge.io.bundled import sample_frames, sample_paths
from edge.kernels.overlap import overlap_counts
from edge.pipeline.detect import DetectorSettings, LoopDetector


def test_default_cascade_finds_most_labelled_loops_in_the_samples():
    detector = LoopDetector()
    labelled = matched = 0
    for frame, labels in sample_frames():
        boxes, scores = detector.detect(frame.pixels)
        assert len(boxes) == len(scores) and (boxes[:, 2:] > boxes[:, :2]).all()
        assert boxes.min() >= 0 and boxes[:, 2:].max() <= max(frame.pixels.shape)
        labelled += len(labels)
        matched += match_by_centre(labels, boxes)
    assert matched / labelled >= 0.9


def test_detection_on_a_blank_frame_finds_nothing():
    boxes, scores = LoopDetector().detect(np.full((512, 512), 150, np.uint8))
    assert boxes.shape == (0, 4) and scores.shape == (0,)


def test_missing_or_broken_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="edge train cascade"):
        LoopDetector(tmp_path / "absent.xml")
    (tmp_path / "broken.xml").write_text("<opencv_storage></opencv_storage>")
    with pytest.raises(ValueError, match="not a cascade"):
        LoopDetector(tmp_path / "broken.xml")


def test_analyse_without_boxes_runs_the_detector(tmp_path, capsys):
    frame_path = sample_paths()[0]
    assert main(["analyse", str(frame_path), "--out", str(tmp_path), "--screen", "none"]) == 0
    record = json.loads((tmp_path / f"{frame_path.stem}.json").read_text())
    assert record["count"] == len(record["defects"]) > 0
    assert f"{frame_path.name}: {record['count']} defects" in capsys.readouterr().out


def test_octaves_cover_every_window_size_from_min_to_max_once():
    detector = LoopDetector(settings=DetectorSettings(min_size_px=24, max_size_px=280))
    window = detector._window
    factors = detector._octaves()
    assert factors[0] * window == 24 and factors[-1] * window <= 280 < 2 * factors[-1] * window
    # each octave starts where the previous one ends: no size scanned twice, none skipped
    assert all(later == 2 * earlier for earlier, later in zip(factors, factors[1:], strict=False))


def test_overlap_counts_equal_a_count_of_ious():
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 200, (60, 2))
    boxes = np.column_stack([corners, corners + rng.uniform(5, 60, (60, 2))])
    expected = (box_iou(boxes[:20], boxes) > 0.3).sum(axis=1)
    np.testing.assert_array_equal(overlap_counts(boxes[:20], boxes, 0.3), expected)
    assert (expected >= 1).all()  # each box overlaps itself


def test_min_support_keeps_the_boxes_with_that_many_overlapping_hits():
    detector = LoopDetector()
    frame, _ = next(iter(sample_frames()))
    boxes, scores, support = detector.detect_with_support(frame.pixels)
    assert (support >= 1).all() and (support == 1).any() and (support >= 2).any()
    kept, kept_scores = detector.detect(frame.pixels, min_support=2)
    np.testing.assert_array_equal(kept, boxes[support >= 2])
    np.testing.assert_array_equal(kept_scores, scores[support >= 2])
    np.testing.assert_array_equal(detector.detect(frame.pixels)[0], boxes)


@pytest.mark.parametrize("shape", [(1, 1), (1, 4096), (4096, 1), (23, 23), (24, 5000)])
def test_frames_no_window_fits_in_give_no_boxes(shape):
    boxes, scores = LoopDetector().detect(np.full(shape, 100, np.uint8))
    assert boxes.shape == (0, 4) and scores.shape == (0,)


def test_detection_takes_the_frames_8_bit_view_and_refuses_raw_pixels():
    with pytest.raises(ValueError, match="detection takes a frame's 8-bit view .* got uint16"):
        LoopDetector().detect(np.full((256, 256), 100, np.uint16))
