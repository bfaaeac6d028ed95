"""edge.track: linking, gap closing, bounded state, growth rates and the drift."""

import numpy as np
import pytest

from edge.io.bundled import sample_frames
from edge.track.drift import DriftEstimator
from edge.track.growth import growth_rate, growth_unit
from edge.track.linking import SeriesTracker
from edge.track.settings import TrackSettings

STILL = np.random.default_rng(0).normal(100, 20, (128, 128)).astype(np.float32)  # a field of view that does not move


def add(tracker, frame, points, majors=None, timestamp=None, pixel_size_nm=None):
    points = np.array(points, np.float64).reshape(-1, 2)
    majors = np.full(len(points), 10.0) if majors is None else majors
    return tracker.add(frame, timestamp, STILL, points, majors, pixel_size_nm)


def test_each_loop_keeps_its_track_while_it_moves_less_than_the_search_range():
    tracker = SeriesTracker(TrackSettings(search_px=10))
    first = add(tracker, 0, [[20, 20], [60, 60], [100, 30]])
    later = [add(tracker, t, [[20 + 3 * t, 20], [60, 60 - 2 * t], [100, 30 + t]]) for t in range(1, 6)]
    assert first.track_ids == [1, 2, 3] and first.born == 3
    assert all(frame.track_ids == [1, 2, 3] and frame.born == 0 for frame in later)
    assert later[-1].ages == [5, 5, 5]


def test_a_loop_missed_for_memory_frames_keeps_its_track_and_one_missed_longer_gets_a_new_one():
    tracker = SeriesTracker(TrackSettings(memory=2))
    add(tracker, 0, [[20, 20], [80, 80]])
    add(tracker, 1, [[20, 20], [80, 80]])
    add(tracker, 2, [[80, 80]])
    add(tracker, 3, [[80, 80]])
    back = add(tracker, 4, [[21, 20], [80, 80]])  # the first loop, unseen for 2 frames
    assert back.track_ids == [1, 2] and back.born == 0
    for frame in (5, 6, 7):
        ended = add(tracker, frame, [[80, 80]]).ended
    assert [track.track_id for track in ended] == [1]  # gone for 3 frames: ended
    assert add(tracker, 8, [[21, 20], [80, 80]]).track_ids == [3, 2]


def test_skipped_frame_numbers_count_as_frames_unseen():
    tracker = SeriesTracker(TrackSettings(memory=2))
    add(tracker, 1, [[20, 20]])
    assert add(tracker, 3, [[20, 20]]).track_ids == [1]  # frame 2 never came: one frame unseen
    after_gap = add(tracker, 7, [[20, 20]])  # frames 4-6 never came: three unseen
    assert after_gap.track_ids == [2] and [track.track_id for track in after_gap.ended] == [1]


def test_a_series_keeps_at_most_max_open_tracks_and_counts_those_it_ends_early():
    tracker = SeriesTracker(TrackSettings(max_open=3, memory=5))
    add(tracker, 0, [[10, 10], [40, 40], [70, 70], [100, 100], [10, 100]])
    summary = tracker.summary()
    assert summary["open"] == 3 and summary["dropped"] == 2 and summary["born"] == 5 and summary["ended"] == 2


def test_a_track_keeps_only_its_latest_sightings_and_fits_its_growth_on_them():
    tracker = SeriesTracker(TrackSettings(history=4, min_sightings=3))
    for frame in range(10):
        add(tracker, frame, [[50, 50]], np.array([10.0 + (frame if frame < 6 else 2 * frame)]))
    (track,) = tracker.finish()
    assert list(track.majors_px) == [22.0, 24.0, 26.0, 28.0] and track.sightings == 10
    assert track.growth_rate == pytest.approx(2.0) and track.growth_unit == "px/frame" and track.last_frame == 9


def test_growth_rates_are_in_nm_per_second_with_a_pixel_size_and_timestamps():
    tracker = SeriesTracker(TrackSettings(min_sightings=3))
    for frame in range(5):
        add(tracker, frame, [[50, 50]], np.array([10.0 + frame]), timestamp=100.0 + 0.5 * frame, pixel_size_nm=0.5)
    growth = tracker.summary()["growth"]
    assert growth["unit"] == "nm/s" and growth["median"] == pytest.approx(1.0) and growth["tracks"] == 1
    assert sum(growth["histogram"]["counts"]) == 1
    assert growth_unit(None, False) == "px/frame" and growth_unit(0.5, False) == "nm/frame"


def test_growth_rate_is_the_least_squares_slope_and_needs_two_distinct_times():
    times, majors = np.array([0.0, 1.0, 2.5, 4.0]), np.array([3.0, 4.5, 5.0, 8.0])
    assert growth_rate(times, majors) == pytest.approx(np.polyfit(times, majors, 1)[0])
    assert growth_rate(np.array([2.0, 2.0]), np.array([1.0, 3.0])) is None


def test_tracks_are_ended_when_the_series_finishes():
    tracker = SeriesTracker()
    add(tracker, 0, [[20, 20], [80, 80]])
    assert {track.track_id for track in tracker.finish()} == {1, 2}
    assert tracker.summary()["ended"] == 2 and tracker.summary()["open"] == 0


def test_an_empty_frame_is_linked_and_counts_as_unseen():
    tracker = SeriesTracker(TrackSettings(memory=1))
    add(tracker, 0, [])
    add(tracker, 1, [[20, 20]])
    add(tracker, 2, [])
    assert add(tracker, 3, [[20, 20]]).track_ids == [1]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("search_px", 0),
        ("search_px", float("nan")),
        ("memory", -1),
        ("max_open", 0),
        ("history", 1.5),
        ("memory", True),
    ],
)
def test_bad_track_settings_are_refused_naming_the_setting(setting, value):
    with pytest.raises(ValueError, match=f"track_{setting}"):
        TrackSettings(**{setting: value})


def test_positions_and_major_axes_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="2 positions but 1 major"):
        SeriesTracker().add(0, None, STILL, np.zeros((2, 2)), np.ones(1))


def test_the_drift_follows_each_step_of_a_moving_field_of_view_to_half_a_pixel():
    import cv2

    frame = next(iter(sample_frames()))[0].pixels.astype(np.float32)
    drift, window, before = DriftEstimator(), np.array([200.0, 200.0]), (0.0, 0.0)
    for step in [(0.0, 0.0), (3.3, -2.1), (-1.7, 4.4), (0.6, 0.2), (5.0, 5.0), (-10.5, 7.25)]:
        window += step
        cut = cv2.warpAffine(frame, np.float32([[1, 0, -window[0]], [0, 1, -window[1]]]), (600, 600))
        total = drift.update(cut)
        # the window moved by the step: the content moved the other way
        assert np.subtract(total, before) == pytest.approx(-np.array(step), abs=0.5)
        before = total


def test_a_frame_of_another_shape_starts_the_drift_afresh_keeping_the_sum():
    drift = DriftEstimator()
    frame = next(iter(sample_frames()))[0].pixels
    drift.update(frame[:512, :512])
    moved = drift.update(frame[4:516, 0:512])
    assert moved[1] == pytest.approx(-4, abs=0.5)
    assert drift.update(frame[:300, :300]) == moved


def test_a_flat_frame_adds_no_drift_and_the_drift_goes_on_after_it():
    frame = next(iter(sample_frames()))[0].pixels
    drift = DriftEstimator()
    drift.update(frame[:512, :512])
    assert drift.update(np.zeros((512, 512), np.uint8)) == (0.0, 0.0)
    drift.update(frame[:512, :512])
    assert drift.update(frame[6:518, :512])[1] == pytest.approx(-6, abs=0.5)
