"""The intake: every message the receiver thread takes in, checked against the series it
belongs to (``edge.live.service.series.SeriesRegister``, which the receiver alone keeps, so it
needs no lock). Accepted frames wait in a ``WorkQueue`` for the workers (``edge.live.service.work``);
what happens to each message goes to the publisher as a typed event (``edge.live.service.events``).
"""

import logging
import queue
import time

from edge.live.inputs.messages import FrameMessage, Message, ProtocolError, SeriesEnd, SeriesStart
from edge.live.inputs.source import FrameSource
from edge.live.service.config import ServiceConfig
from edge.live.service.counters import Counters
from edge.live.service.events import FrameDropped, SeriesEnded, SeriesOpened
from edge.live.service.series import OpenSeries, SeriesRegister
from edge.live.service.work import Work, WorkQueue

log = logging.getLogger(__name__)
WARNING_INTERVAL_S = 1.0  # at most one logged warning a second per kind; the counts keep every one


class Intake:
    """Turns messages into work on ``queue`` and what becomes of them into events on ``events``."""

    def __init__(self, config: ServiceConfig, counters: Counters, events: queue.Queue):
        self.config, self.counters, self.events = config, counters, events
        self.queue = WorkQueue(config.queue_size, config.keep)
        self._series = SeriesRegister(config.max_series)
        self._tickets = 0  # frames accepted so far: the next one's ticket
        self._warned: dict[str, tuple[float, int]] = {}  # kind -> (when last logged, how many not logged since)

    def _warn(self, kind: str, text: str, *args) -> None:
        """Log a warning, but of each kind at most one every ``WARNING_INTERVAL_S``, saying how
        many were not logged since: a sender flooding bad messages must not flood the log."""
        now = time.monotonic()
        last, quiet = self._warned.get(kind, (-WARNING_INTERVAL_S, 0))
        if now - last < WARNING_INTERVAL_S:
            self._warned[kind] = (last, quiet + 1)
            return
        self._warned[kind] = (now, 0)
        log.warning(text + (f" ({quiet} more like it not logged)" if quiet else ""), *args)

    def receive(self, source: FrameSource) -> None:
        """Take every message of ``source`` until it ends or is interrupted (the receiver thread)."""
        while True:
            try:
                message = source.receive()
            except ProtocolError as error:
                self.counters.reject(error.reason)
                self._warn(error.reason, "bad message: %s", error)
                continue
            if message is None:
                return
            self.take(message)

    def take(self, message: Message) -> None:
        """Open, end or extend a series; frames go to the queue (or are refused, and counted)."""
        if isinstance(message, SeriesStart):
            self._start(message.series, message.pixel_size_nm)
        elif isinstance(message, SeriesEnd):
            self._end(message.series)
        else:
            self._accept(message)
        for name, state in self._series.forget_beyond_limit():
            self._close(name, state)

    def _start(self, name: str, pixel_size_nm: float | None) -> OpenSeries:
        previous = self._series.get(name)
        if previous is not None and not previous.ended:
            log.warning("series_start for %s, which is open: the open one ends here", name)
            self._end(name)
        state = self._series.open(name, pixel_size_nm)
        self.events.put(SeriesOpened(state.series_id, name))
        return state

    def _end(self, name: str) -> None:
        state = self._series.get(name)
        if state is None or state.ended:
            self.counters.reject("stray_series_end")
            self._warn("stray_series_end", "series_end for %s, which is not open", name)
            return
        state.ended = True
        self.events.put(SeriesEnded(state.series_id, state.accepted))

    def _close(self, name: str, state: OpenSeries) -> None:
        """A series forgotten for being seen least recently: if it is still open, end it as a
        series_end would (its final summary follows its last frame) and count the closing."""
        if not state.ended:
            self.counters.add(series_closed=1)
            log.warning("series %s closed: more than %d series open", name, self.config.max_series)
            self.events.put(SeriesEnded(state.series_id, state.accepted))

    def _accept(self, message: FrameMessage) -> None:
        state = self._series.get(message.series)
        if state is not None and state.ended:
            self.counters.reject("ended_series")
            self._warn(
                "ended_series", "frame %d of series %s, which has ended: not processed", message.frame, message.series
            )
            return
        if state is None:  # a late joiner, or a sender without series_start: the series starts here
            state = self._start(message.series, None)
        if state.last_frame is not None and message.frame <= state.last_frame:
            self.counters.reject("frame_order")
            self._warn(
                "frame_order",
                "series %s: frame %d after %d: not processed",
                message.series,
                message.frame,
                state.last_frame,
            )
            return
        self.counters.add(received=1)
        if state.last_frame is not None and message.frame > state.last_frame + 1:
            self.counters.add(gaps=message.frame - state.last_frame - 1)
        state.last_frame = message.frame
        state.accepted += 1
        pixel_size = message.pixel_size_nm or state.pixel_size_nm or self.config.pixel_size_nm
        dropped = self.queue.put(Work(state.series_id, self._tickets, message, pixel_size, time.monotonic()))
        self._tickets += 1
        if dropped is not None:
            self.events.put(FrameDropped(dropped.series_id, dropped.ticket))

    def finish(self, drain: bool) -> None:
        """Take no more work; unless ``drain``, drop what is still queued."""
        if not drain:
            for work in self.queue.clear():
                self.events.put(FrameDropped(work.series_id, work.ticket))
        self.queue.close()
