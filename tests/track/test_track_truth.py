"""Tracking against series whose truth is known: a li2018 *train* frame cut by a moving, slowly
zooming window, analysed by the bundled pipeline."""

import numpy as np
import pytest

from edge.io.dataset import read_split
from edge.io.images import read_frame
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings
from edge.track.linking import SeriesTracker
from edge.track.synthetic import Sighting, score_tracking, window_series

DENSE_TRAIN_FRAME = "200kV_500kx_p2nm_8cmCL_grain1_0129 - Copy.jpg"  # 126 labelled loops


@pytest.fixture(scope="module")
def series(li2018):
    item = next(item for item in read_split(li2018, "train") if item.image.name == DENSE_TRAIN_FRAME)
    return window_series(read_frame(item.image).pixels, item.boxes, frames=20)


def test_the_window_series_truth_grows_by_the_zoom_and_loops_enter_and_leave(series):
    seen = [{s.loop for s in frame} for frame in series.truth]
    assert seen[0] - seen[-1] and seen[-1] - seen[0]  # some leave the view, others come into it
    first = {s.loop: s.major_px for s in series.truth[0]}
    second = {s.loop: s.major_px for s in series.truth[1]}
    assert all(second[loop] == pytest.approx(1.01 * first[loop]) for loop in first.keys() & second.keys())
    assert series.frames[0].dtype == np.uint16 and not np.array_equal(series.frames[0], series.frames[1])


def test_the_pipeline_and_tracker_keep_identities_and_recover_the_growth_rate(series):
    pipeline = Pipeline.from_settings(PipelineSettings(backend="onnxruntime"))
    tracker, found = SeriesTracker(), []
    for number, frame in enumerate(series.frames):
        defects = pipeline.analyse(frame).defects
        positions = np.array([(d.x, d.y) for d in defects]).reshape(-1, 2)
        majors = np.array([d.major_px for d in defects])
        found.append((positions, majors, tracker.add(number, None, frame, positions, majors).track_ids))
    scores = score_tracking(series.truth, found)
    assert scores.tracks >= 15
    assert scores.kept >= 0.95 and scores.purity >= 0.95
    assert 0.75 <= scores.growth_ratio <= 1.25


def test_scoring_counts_a_swap_of_identities_against_the_tracking():
    truth = [[Sighting(0, 10, 10, 5), Sighting(1, 50, 50, 5)] for _ in range(4)]
    positions = np.array([[10.0, 10.0], [50.0, 50.0]])
    majors = np.array([5.0, 5.0])
    swapped = [(positions, majors, [1, 2]), (positions, majors, [1, 2]), (positions, majors, [2, 1]),
               (positions, majors, [2, 1])]  # fmt: skip
    scores = score_tracking(truth, swapped, min_sightings=2)
    assert scores.kept == pytest.approx(4 / 6) and scores.purity == pytest.approx(0.5)
    assert scores.growth_ratio is None  # the truth does not grow
