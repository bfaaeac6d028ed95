"""``track = true``: the publisher links each series' loops from frame to frame
(``edge.track.linking``), off the frames' analysis path. Frames reach it in the order they were
accepted (tracking holds outcomes in order, as ``ordered`` does), so a series' frames are
linked in the order they came, whichever worker finished first."""

import logging
import time

import numpy as np

from edge.live.service.events import FrameAnalysed
from edge.track.linking import FrameTracks, SeriesTracker, Track
from edge.track.settings import TrackSettings

log = logging.getLogger(__name__)


class Tracking:
    """A ``SeriesTracker`` for each open series."""

    def __init__(self, settings: TrackSettings):
        self._settings = settings
        self._trackers: dict[int, SeriesTracker] = {}

    def open(self, series_id: int) -> None:
        self._trackers[series_id] = SeriesTracker(self._settings)

    def link(self, event: FrameAnalysed) -> tuple[FrameTracks | None, float]:
        """The tracks of an analysed frame's defects, and the milliseconds linking took; None for
        a frame whose scene was not analysed, or where linking failed (logged: the frame is
        published without tracks)."""
        if event.result.stats is None:
            return None, 0.0
        defects = event.result.defects
        started = time.perf_counter()
        try:
            tracks = self._trackers[event.series_id].add(
                event.message.frame,
                event.message.timestamp,
                event.message.pixels,
                np.array([(d.x, d.y) for d in defects], np.float64).reshape(-1, 2),
                np.array([d.major_px for d in defects], np.float64),
                event.pixel_size_nm,
            )
        except Exception as error:  # a fault in linking one frame must not stop its publication
            log.error("series %s frame %s: published without tracks, linking failed: %s",
                      event.message.series, event.message.frame, error)  # fmt: skip
            return None, 0.0
        return tracks, 1e3 * (time.perf_counter() - started)

    def summary(self, series_id: int) -> dict:
        """The series' ``tracks`` summary (docs/protocol.md)."""
        return self._trackers[series_id].summary()

    def finish(self, series_id: int) -> tuple[dict, list[Track]]:
        """End the series' open tracks and forget it: its final ``tracks`` summary, and the tracks
        just ended."""
        tracker = self._trackers.pop(series_id)
        ended = tracker.finish()
        return tracker.summary(), ended


def with_tracks(body: dict, tracks: FrameTracks, link_ms: float) -> dict:
    """A ``frame`` message body with each defect's ``track`` and ``track_age``, the frame's
    ``drift_px`` and its ``tracks`` counts, and the time linking took as ``stage_ms["track"]``."""
    for defect, fields in zip(body["defects"], tracks.defect_fields(), strict=True):
        defect.update(fields)
    return {**body, **tracks.as_json(), "stage_ms": {**body["stage_ms"], "track": link_ms}}
