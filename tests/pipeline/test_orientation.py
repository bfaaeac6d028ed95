"""Frames shown to the models the way up their loops' contrast asks (edge.pipeline.orientation)."""

import json
import shutil

import numpy as np
import pytest

from edge.io.bundled import BUNDLED_SET, sample_frames
from edge.io.images import to_uint8
from edge.pipeline.orientation import best_orientation, orientations, shown
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings


@pytest.mark.parametrize(
    ("polarity", "models_polarity", "screened", "ways"),
    [
        ("auto", "dark", True, (False, True)),
        ("auto", "bright", True, (False, True)),
        ("auto", "dark", False, (False,)),  # the cascade alone cannot tell which way is right
        ("dark", "dark", True, (False,)),
        ("bright", "dark", True, (True,)),
        ("bright", "dark", False, (True,)),
        ("dark", "bright", True, (True,)),
        ("bright", None, True, (False,)),  # models of unknown contrast: as the frame is
        ("auto", None, True, (False,)),
    ],
)
def test_the_ways_a_frame_is_scanned_follow_its_loops_and_the_models_contrast(
    polarity, models_polarity, screened, ways
):
    assert orientations(polarity, models_polarity, screened) == ways


def test_the_frames_own_way_stands_unless_the_other_scores_twice_as_much():
    view = np.arange(12, dtype=np.uint8).reshape(3, 4)
    boxes = {False: np.array([[0.0, 0, 2, 2]]), True: np.array([[1.0, 1, 3, 3], [0, 0, 1, 1]])}

    def scored(totals):
        def find(inverted):
            assert np.array_equal(shown(view, inverted), 255 - view if inverted else view)
            return boxes[inverted], np.full(len(boxes[inverted]), totals[inverted] / len(boxes[inverted]))

        return find

    for totals, inverted in [((0.9, 1.8), True), ((0.0, 0.3), True), ((1.0, 1.9), False), ((1.0, 1.0), False)]:
        found, _ = best_orientation((False, True), scored(dict(zip((False, True), totals, strict=True))))
        assert np.array_equal(found, boxes[inverted]), totals
    found, _ = best_orientation((True,), scored({False: 5.0, True: 0.1}))
    assert np.array_equal(found, boxes[True])


@pytest.fixture(scope="module")
def frame_and_inverse() -> tuple[np.ndarray, np.ndarray]:
    """A sample frame of dark loops and the same frame inverted: bright loops, as HAADF shows them."""
    frame, _ = next(sample_frames())
    return frame.pixels, np.iinfo(frame.pixels.dtype).max - frame.pixels


def boxes_and_majors(pipeline: Pipeline, pixels: np.ndarray) -> tuple[list, np.ndarray]:
    defects = pipeline.analyse(pixels).defects
    return [defect.bbox for defect in defects], np.array([defect.major_px for defect in defects])


def test_the_bundled_models_find_and_measure_bright_loops_as_the_same_loops_dark(frame_and_inverse):
    frame, inverse = frame_and_inverse
    pipeline = Pipeline.from_settings()  # polarity auto; the bundled set was trained on dark loops
    dark_boxes, dark_majors = boxes_and_majors(pipeline, frame)
    bright_boxes, bright_majors = boxes_and_majors(pipeline, inverse)
    assert len(dark_boxes) >= 20 and bright_boxes == dark_boxes
    np.testing.assert_allclose(bright_majors, dark_majors, rtol=1e-4)
    told, _ = boxes_and_majors(Pipeline.from_settings(PipelineSettings(polarity="bright")), inverse)
    assert told == dark_boxes


def test_bright_loops_are_missed_when_the_frames_are_said_to_be_dark(frame_and_inverse):
    _, inverse = frame_and_inverse
    found, _ = boxes_and_majors(Pipeline.from_settings(), inverse)
    missed, _ = boxes_and_majors(Pipeline.from_settings(PipelineSettings(polarity="dark")), inverse)
    assert len(missed) <= 0.2 * len(found)


def test_a_set_of_unknown_contrast_scans_frames_as_they_are(tmp_path, frame_and_inverse):
    _, inverse = frame_and_inverse
    for name in ("cascade.xml", "screen.onnx", "screen.json"):
        shutil.copy(BUNDLED_SET / name, tmp_path / name)
    settings = json.loads((BUNDLED_SET / "settings.json").read_text())
    (tmp_path / "settings.json").write_text(json.dumps({**settings, "frames": {"loop_polarity": None}}))
    pipeline = Pipeline.from_settings(PipelineSettings(model=tmp_path, polarity="bright"))
    assert pipeline.models_polarity is None
    shown_as_they_are, _ = pipeline.candidates(to_uint8(inverse))
    bundled, _ = Pipeline.from_settings(PipelineSettings(polarity="dark")).candidates(to_uint8(inverse))
    np.testing.assert_array_equal(shown_as_they_are, bundled)
