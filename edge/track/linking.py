"""Each loop of a series followed from frame to frame: positions corrected for the field of
view's drift and linked by trackpy's ``Linker`` (a loop missed for up to ``memory`` frames keeps
its track), each track's size history kept over a bounded window, and what the population does.

Frames must be added in the order they were taken (the service holds them in order). A track id
names one loop within one run of one series: ids start at 1 when a series (re)opens."""

from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

from edge.track.drift import DriftEstimator
from edge.track.growth import growth_rate, growth_unit
from edge.track.settings import TrackSettings

HISTOGRAM_BINS = 20


@dataclass
class Track:
    """One loop's track: where and when it was first and last seen, and its latest sightings'
    frame numbers, timestamps (s, or None) and major axes (px), ``history`` of each at most;
    once it has ended, its growth rate (None with too few sightings) in the series' unit."""

    track_id: int
    first_frame: int
    x: float
    y: float
    frames: deque
    timestamps: deque
    majors_px: deque
    sightings: int = 0
    growth_rate: float | None = None
    growth_unit: str = ""

    @classmethod
    def start(cls, track_id: int, frame: int, x: float, y: float, history: int) -> "Track":
        """A new track, first seen at ``frame``, keeping its latest ``history`` sightings."""
        return cls(track_id, frame, x, y, deque(maxlen=history), deque(maxlen=history), deque(maxlen=history))

    @property
    def last_frame(self) -> int:
        return self.frames[-1]

    def sighted(self, frame: int, timestamp: float | None, x: float, y: float, major_px: float) -> None:
        self.x, self.y = x, y
        self.sightings += 1
        self.frames.append(frame)
        self.timestamps.append(timestamp)
        self.majors_px.append(major_px)

    def growth(self, timed: bool, min_sightings: int) -> float | None:
        """Its major axis' growth in px per second (``timed``) or per frame; None with fewer than
        ``min_sightings`` sightings kept, or per second without a timestamp for each."""
        if len(self.majors_px) < min_sightings or (timed and None in self.timestamps):
            return None
        times = np.array(self.timestamps if timed else self.frames, np.float64)
        return growth_rate(times, np.array(self.majors_px))


@dataclass(frozen=True)
class FrameTracks:
    """What linking one frame found: the track of each of its defects, in order, and how many
    frames each track is old; the frame's drift against the series' first (x, y, px); the
    tracks alive in it (its defects), born in it and ended at it (gone longer than ``memory``,
    or ``dropped``: ended early for want of room, of those ended)."""

    track_ids: list[int]
    ages: list[int]
    drift_px: tuple[float, float]
    born: int
    ended: list[Track]
    dropped: int = 0

    def defect_fields(self) -> list[dict]:
        """Each defect's ``track`` and ``track_age``, in the frame's order."""
        return [{"track": track_id, "track_age": age} for track_id, age in zip(self.track_ids, self.ages, strict=True)]

    def as_json(self) -> dict:
        return {
            "drift_px": [round(float(self.drift_px[0]), 3), round(float(self.drift_px[1]), 3)],
            "tracks": {"alive": len(self.track_ids), "born": self.born, "ended": len(self.ended)},
        }


class SeriesTracker:
    """Links the defects of one series' frames, added in the order they were taken."""

    def __init__(self, settings: TrackSettings | None = None):
        self.settings = settings = settings or TrackSettings()
        self._drift = DriftEstimator()
        self._linker = None
        self._last_frame: int | None = None
        self._level = 0  # the linker's frames, with the skipped frames' empty ones
        self._open: OrderedDict[int, Track] = OrderedDict()  # by linker id, longest unseen first
        self._next_id = 1
        self._timed: bool | None = None
        self._pixel_size_nm: float | None = None
        self._growth_ended: deque[float] = deque(maxlen=settings.growth_window)
        self.born = self.ended = self.dropped = self.alive = 0

    def add(
        self,
        frame: int,
        timestamp: float | None,
        pixels: np.ndarray,
        positions: np.ndarray,
        majors_px: np.ndarray,
        pixel_size_nm: float | None = None,
    ) -> FrameTracks:
        """Link one frame: its number, timestamp (s, or None), pixels (for the drift), its
        defects' centres ``(N, 2)`` ``[x, y]`` (px) and major axes ``(N,)`` (px)."""
        positions = np.asarray(positions, np.float64).reshape(-1, 2)
        majors_px = np.asarray(majors_px, np.float64).ravel()
        if len(majors_px) != len(positions):
            raise ValueError(f"{len(positions)} positions but {len(majors_px)} major axes")
        if self._timed is None:
            self._timed, self._pixel_size_nm = timestamp is not None, pixel_size_nm
        drift = self._drift.update(pixels)
        self._link(frame, positions - np.array(drift))
        ids, ages, born = [], [], 0
        for linked, (x, y), major in zip(self._linker.particle_ids, positions, majors_px, strict=True):
            track = self._open.pop(linked, None)
            if track is None:
                track = self._new_track(frame, x, y)
                born += 1
            self._open[linked] = track  # now the most recently seen
            track.sighted(frame, timestamp, float(x), float(y), float(major))
            ids.append(track.track_id)
            ages.append(frame - track.first_frame)
        dropped_before = self.dropped
        ended = self._end_unseen()
        self.born += born
        self.alive = len(ids)
        return FrameTracks(ids, ages, drift, born, ended, self.dropped - dropped_before)

    def finish(self) -> list[Track]:
        """End every open track (the series has ended); those tracks."""
        ended = list(self._open.values())
        self._open.clear()
        for track in ended:
            self._ended(track)
        return ended

    def summary(self) -> dict:
        """The series' tracks: alive in the last frame, open, born, ended and dropped so far, and
        the distribution of growth rates over ended and open tracks with enough sightings."""
        rates = np.array(list(self._growth_ended) + [r for r in map(self._rate, self._open.values()) if r is not None])
        counts, edges = np.histogram(rates, bins=HISTOGRAM_BINS) if len(rates) else (np.zeros(0, int), np.zeros(0))
        return {
            "alive": self.alive,
            "open": len(self._open),
            "born": self.born,
            "ended": self.ended,
            "dropped": self.dropped,
            "growth": {
                "unit": self.unit,
                "tracks": len(rates),
                "min_sightings": self.settings.min_sightings,
                "median": float(np.median(rates)) if len(rates) else None,
                "histogram": {"edges": [float(e) for e in edges], "counts": counts.tolist()},
            },
        }

    @property
    def unit(self) -> str:
        """The unit of the series' growth rates (``edge.track.growth.growth_unit``)."""
        return growth_unit(self._pixel_size_nm, bool(self._timed))

    def _rate(self, track: Track) -> float | None:
        rate = track.growth(bool(self._timed), self.settings.min_sightings)
        return None if rate is None else rate * (self._pixel_size_nm or 1.0)

    def _link(self, frame: int, corrected: np.ndarray) -> None:
        """Hand the frame's drift-corrected centres to the linker, after an empty level for each
        frame number skipped (at most ``memory + 1``), so that memory counts frames."""
        from trackpy.linking.linking import Linker

        coordinates = corrected[:, ::-1]  # the linker's order: y, x
        if self._linker is None:
            self._linker = Linker(self.settings.search_px, memory=self.settings.memory)
            self._linker.init_level(coordinates, 0)
            self._last_frame = frame
            return
        skipped = min(max(frame - self._last_frame - 1, 0), self.settings.memory + 1)
        for _ in range(skipped):
            self._level += 1
            self._linker.next_level(np.zeros((0, 2)), self._level)
        self._level += 1
        self._linker.next_level(coordinates, self._level)
        self._last_frame = frame

    def _new_track(self, frame: int, x: float, y: float) -> Track:
        track = Track.start(self._next_id, frame, float(x), float(y), self.settings.history)
        self._next_id += 1
        return track

    def _end_unseen(self) -> list[Track]:
        """End the tracks unseen for more than ``memory`` frames, and the longest unseen beyond
        ``max_open`` (dropped); the tracks ended."""
        ended = []
        while self._open:
            linked, track = next(iter(self._open.items()))
            gone = self._frames_since(track) > self.settings.memory
            if not gone and len(self._open) <= self.settings.max_open:
                break
            del self._open[linked]
            self.dropped += not gone
            self._ended(track)
            ended.append(track)
        return ended

    def _frames_since(self, track: Track) -> int:
        return self._last_frame - track.last_frame

    def _ended(self, track: Track) -> None:
        self.ended += 1
        track.growth_rate, track.growth_unit = self._rate(track), self.unit
        if track.growth_rate is not None:
            self._growth_ended.append(track.growth_rate)
