"""What the viewer knows of the stream: the series on show, its frames, histogram and preview,
and the service's status. Turns each published message into what the pages are sent."""

import base64
import time
from collections import deque

import numpy as np

from edge.live.service.series import SeriesStats

FRAME_FIELDS = (
    "series",
    "frame",
    "count",
    "mean_diameter_nm",
    "mean_diameter_px",
    "density_per_um2",
    "density_per_mpx",
    "scene",
    "timestamp",
    "latency_ms",
    "tracks",  # alive, born and ended, where the series is tracked
    "drift_px",
)


class ViewerState:
    """The latest of everything, and the last ``history`` frames of the series on show."""

    def __init__(self, history: int = 2000):
        self.status: dict | None = None
        self.series: dict | None = None  # name, state, started_at, ended_at, summary
        self.frames: deque[dict] = deque(maxlen=history)
        self.preview: dict | None = None
        self._stats: SeriesStats | None = None

    def update(self, topic: str, body: dict) -> list[dict]:
        """Take one published message; the page messages it makes."""
        if topic == "status":
            self.status = {"type": "status", **body}
            return [self.status]
        if topic == "frame":
            return self._frame(body)
        if topic == "series":
            return self._summary(body)
        if topic == "preview":
            self.preview = {
                "type": "preview",
                **{key: body[key] for key in ("series", "frame", "width", "height", "scale", "ellipses")},
                "jpeg": base64.b64encode(body["jpeg"]).decode("ascii"),
            }
            return [self.preview]
        return []

    def snapshot(self) -> list[dict]:
        """The messages that bring a page opened now up to date."""
        messages = [self.status, self._series_message(), self.preview]
        if self.series is not None:
            messages.insert(2, {"type": "frames", "frames": list(self.frames)})
        return [message for message in messages if message is not None]

    def _frame(self, body: dict) -> list[dict]:
        messages = []
        if self.series is None or self.series["name"] != body["series"] or self.series["state"] == "ended":
            self._start(body["series"])
        if body.get("count") is not None and self._stats is not None:
            diameters = np.array([defect["major_px"] for defect in body["defects"]], np.float64)
            self._stats.add(diameters, tuple(body["shape"]), body["pixel_size_nm"])
            tracks = (self.series["summary"] or {}).get("tracks")  # the service's, until its next summary
            self.series["summary"] = {**self._stats.summary(), **({"tracks": tracks} if tracks else {})}
        frame = {"type": "frame", **{key: body.get(key) for key in FRAME_FIELDS}, "received_at": time.time()}
        self.frames.append(frame)
        messages.append(frame)
        messages.append(self._series_message())
        return messages

    def _summary(self, body: dict) -> list[dict]:
        """The service's own summary wins over the viewer's count (the viewer may have joined late),
        and the frames after it count on from it, so the page's series and the service agree."""
        if self.series is None or self.series["name"] != body["series"]:
            self._start(body["series"])
        self.series["summary"] = {key: value for key, value in body.items() if key not in ("final", "protocol")}
        self._stats = SeriesStats.from_summary(body)
        if body["final"]:
            self.series["state"] = "ended"
            self.series["ended_at"] = time.time()
        return [self._series_message()]

    def _start(self, name: str) -> None:
        self.series = {"name": name, "state": "running", "started_at": time.time(), "ended_at": None, "summary": None}
        self.frames.clear()
        self._stats = SeriesStats(name)

    def _series_message(self) -> dict | None:
        return None if self.series is None else {"type": "series", **self.series}
