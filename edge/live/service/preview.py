"""Previews: a small JPEG of the latest processed frame with its loops, for live viewers.

The publisher offers every analysed frame; a thread of its own encodes the newest one at most
``rate_per_s`` times a second and hands the result back as an event for the publisher to send.
An offer only replaces the frame waiting, so a slow encoder skips frames and never holds up the
frames' own path.
"""

import threading
import time
from collections.abc import Callable

import cv2

from edge.io.images import to_uint8
from edge.live.service.events import FrameAnalysed, PreviewReady

JPEG_QUALITY = 80


def preview_body(event: FrameAnalysed, max_side: int) -> dict:
    """The ``preview`` message for one analysed frame: the JPEG of its 8-bit view at most
    ``max_side`` px on its longer side, with the scale from frame to preview px and each
    loop's ellipse in frame px (with its ``track`` and ``track_age`` in frames, where tracked)."""
    pixels = event.message.pixels
    scale = min(1.0, max_side / max(pixels.shape))
    view = to_uint8(pixels)
    if scale < 1:
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        view = cv2.resize(view, size, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", view, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not encode the preview")
    return {
        "series": event.message.series,
        "frame": event.message.frame,
        "width": int(view.shape[1]),
        "height": int(view.shape[0]),
        "scale": scale,
        "jpeg": jpeg.tobytes(),
        "ellipses": [
            {"x": d.x, "y": d.y, "major_px": d.major_px, "minor_px": d.minor_px, "angle_deg": d.angle_deg, **track}
            for d, track in zip(event.result.defects, _tracks(event), strict=True)
        ],
    }


def _tracks(event: FrameAnalysed) -> list[dict]:
    if event.tracks is None:
        return [{}] * len(event.result.defects)
    return event.tracks.defect_fields()


class PreviewEncoder:
    """Encodes the newest offered frame, at most ``rate_per_s`` a second, and passes each
    preview to ``deliver``. ``run`` is the encoder thread; ``close`` ends it."""

    def __init__(self, rate_per_s: float, max_side: int, deliver: Callable[[PreviewReady], None]):
        self._interval_s = 1.0 / rate_per_s
        self._max_side = max_side
        self._deliver = deliver
        self._waiting: FrameAnalysed | None = None
        self._changed = threading.Condition()
        self._closed = False

    def offer(self, event: FrameAnalysed) -> None:
        """Make ``event`` the frame to preview next (the one waiting, if any, is skipped)."""
        with self._changed:
            self._waiting = event
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def run(self) -> None:
        next_at = 0.0
        while True:
            with self._changed:
                while self._waiting is None and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
            delay = next_at - time.monotonic()
            if delay > 0:  # throttled: wait out the interval, or until closed
                with self._changed:
                    if self._changed.wait_for(lambda: self._closed, timeout=delay):
                        return
            with self._changed:
                event, self._waiting = self._waiting, None
            next_at = time.monotonic() + self._interval_s
            self._deliver(PreviewReady(preview_body(event, self._max_side)))
