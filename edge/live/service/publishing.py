"""Publishing: the one thread that owns the PUB socket and every series' statistics.

It turns events into ``frame``, ``series`` and ``status`` messages (docs/protocol.md), sends a
``status`` heartbeat every ``heartbeat_s``, and after ``Shutdown`` the final summaries of the
series still open and the last status. With ``ordered`` or ``track`` set, frame outcomes are
published in the order the frames were accepted (``edge.live.service.ordering``); with ``track``,
each series' loops are also linked from frame to frame before its frames are published
(``edge.live.service.tracking``).
"""

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import replace

import msgpack
import numpy as np
import zmq

from edge.live.inputs.messages import PROTOCOL
from edge.live.service.config import ServiceConfig
from edge.live.service.counters import Counters
from edge.live.service.events import (
    Event,
    FrameAnalysed,
    FrameDropped,
    FrameFailed,
    FrameOutcome,
    PreviewReady,
    SeriesEnded,
    SeriesOpened,
    Shutdown,
)
from edge.live.service.ordering import TicketOrder
from edge.live.service.preview import PreviewEncoder
from edge.live.service.recording import Recorder
from edge.live.service.series import SeriesLedger, SeriesStats
from edge.live.service.tracking import Tracking, with_tracks

log = logging.getLogger(__name__)


class Publisher:
    """Publishes what ``events`` reports on ``socket``; ``status(final)`` gives the body of each
    ``status`` message (``final`` for the last)."""

    def __init__(
        self,
        socket: zmq.Socket,
        config: ServiceConfig,
        counters: Counters,
        status: Callable[[bool], dict],
        preview: PreviewEncoder | None = None,
        recorder: Recorder | None = None,
    ):
        self._socket, self._config, self._counters, self._status = socket, config, counters, status
        self._preview, self._recorder = preview, recorder
        self._ledger = SeriesLedger()
        self._order = TicketOrder() if config.ordered or config.track else None
        self._tracking = Tracking(config.track_settings()) if config.track else None

    def run(self, events: "queue.Queue[Event]") -> None:
        """Publish until ``Shutdown``, then the final summaries and status; close the socket."""
        try:
            self._publish(events)
        finally:
            self._socket.close()
            if self._recorder is not None:
                self._recorder.close_all()

    def _publish(self, events: "queue.Queue[Event]") -> None:
        next_heartbeat = 0.0
        while True:
            now = time.monotonic()
            if now >= next_heartbeat:
                self._send("status", self._status(False))
                next_heartbeat = now + self._config.heartbeat_s
            try:
                event = events.get(timeout=max(0.0, next_heartbeat - time.monotonic()))
            except queue.Empty:
                continue
            if isinstance(event, Shutdown):
                break
            if isinstance(event, PreviewReady):
                self._send("preview", event.body)
                continue
            for released in self._in_order(event):
                self._handle_safely(released)
        for outcome in self._order.flush() if self._order is not None else []:
            self._handle_safely(outcome)
        for series_id, stats in self._ledger.still_open():
            self._send("series", self._final_summary(series_id, stats))
        self._send("status", self._status(True))

    def _in_order(self, event: Event) -> list[Event]:
        """The events ``event`` lets go: itself, or with ``ordered`` set and a frame's outcome,
        the outcomes now due (``TicketOrder``)."""
        if self._order is None or not isinstance(event, FrameOutcome):
            return [event]
        try:
            return self._order.release(event)
        except ValueError:  # a bookkeeping fault must not silence the publisher
            log.exception("could not order %s", type(event).__name__)
            return []

    def _handle_safely(self, event: Event) -> None:
        try:
            self._handle(event)
        except Exception:  # a bookkeeping fault must not silence the publisher
            log.exception("could not publish for %s", type(event).__name__)

    def _handle(self, event: Event) -> None:
        """Update the series state for one event and publish what it completes."""
        series_id = event.series_id
        if isinstance(event, SeriesOpened):
            self._ledger.open(series_id, event.name)
            if self._tracking is not None:
                self._tracking.open(series_id)
            if self._recorder is not None:
                self._recorder.open(series_id, event.name)
            return
        if isinstance(event, SeriesEnded):
            self._ledger.ended(series_id, event.accepted)
        elif isinstance(event, FrameDropped):
            self._counters.add(dropped=1)
            self._ledger.accounted(series_id)
        elif isinstance(event, FrameFailed):
            self._counters.reject(event.reason, received=False)
            self._ledger.accounted(series_id)
        elif isinstance(event, FrameAnalysed):
            try:
                self._publish_frame(self._ledger.stats(series_id), event)
            finally:  # a frame that could not be published still ends its series' wait
                self._ledger.accounted(series_id)
        if (complete := self._ledger.complete(series_id)) is not None:
            self._send("series", self._final_summary(series_id, complete))
            if self._recorder is not None:
                self._recorder.close(series_id)

    def _publish_frame(self, stats: SeriesStats, event: FrameAnalysed) -> None:
        self._counters.add(processed=1)
        message, result = event.message, event.result
        if result.stats is not None:
            stats.add(np.array([d.major_px for d in result.defects]), message.pixels.shape, event.pixel_size_nm)
        tracks, link_ms = self._tracking.link(event) if self._tracking is not None else (None, 0.0)
        if tracks is not None and tracks.dropped:
            self._counters.add(tracks_dropped=tracks.dropped)
        body = {
            "series": message.series,
            "frame": message.frame,
            "shape": list(message.pixels.shape),
            **result.as_json(),
            "latency_ms": 1e3 * (time.monotonic() - event.received_at),
            "timestamp": message.timestamp,
        }
        if self._recorder is not None:  # first: a frame whose message cannot go out keeps its rows and ended tracks
            track_ids = None if tracks is None else tracks.track_ids
            self._recorder.add(event.series_id, message.frame, message.pixels.shape, result, track_ids)
            if tracks is not None and tracks.ended:
                self._recorder.add_tracks(event.series_id, tracks.ended)
        self._send("frame", body if tracks is None else with_tracks(body, tracks, link_ms))
        if self._preview is not None:
            self._preview.offer(event if tracks is None else replace(event, tracks=tracks))
        if stats.frames % self._config.summary_every == 0:
            self._send("series", self._summary(event.series_id, stats))

    def _summary(self, series_id: int, stats: SeriesStats) -> dict:
        """A running ``series`` message: the statistics, and the tracks where tracked."""
        tracks = {} if self._tracking is None else {"tracks": self._tracking.summary(series_id)}
        return {**stats.summary(), **tracks, "final": False}

    def _final_summary(self, series_id: int, stats: SeriesStats) -> dict:
        """The series' last ``series`` message; its open tracks end here (and are recorded)."""
        if self._tracking is None:
            return {**stats.summary(), "final": True}
        summary, ended = self._tracking.finish(series_id)
        if self._recorder is not None and ended:
            self._recorder.add_tracks(series_id, ended)
        return {**stats.summary(), "tracks": summary, "final": True}

    def _send(self, topic: str, body: dict) -> None:
        self._socket.send_multipart(publication(topic, body))


def publication(topic: str, body: dict) -> list[bytes]:
    """[topic, msgpack body] for the PUB socket; the body carries the protocol version."""
    return [topic.encode(), msgpack.packb({"protocol": PROTOCOL, **body}, use_bin_type=True)]
