"""Acquisition: series state, the bounded work queue and the workers.

The receiver thread hands each message to ``Acquisition.take``, which alone keeps the series
state (so it needs no lock); accepted frames wait in a ``WorkQueue``; worker threads run the
pipeline. Everything that happens goes to the publisher as a typed event (``edge.live.events``).
"""

import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from edge.live.config import ServiceConfig
from edge.live.counters import Counters
from edge.live.events import FrameAnalysed, FrameDropped, FrameFailed, SeriesEnded, SeriesOpened
from edge.live.protocol import FrameMessage, Message, ProtocolError, SeriesEnd, SeriesStart
from edge.live.sources import FrameSource
from edge.pipeline.pipeline import Pipeline

log = logging.getLogger(__name__)
WARNING_INTERVAL_S = 1.0  # at most one logged warning a second per kind; the counts keep every one


@dataclass(frozen=True)
class Work:
    """One accepted frame on its way through the pipeline."""

    series_id: int
    message: FrameMessage
    pixel_size_nm: float | None
    received_at: float


class WorkQueue:
    """A bounded queue with a drop policy: keep the newest (drop the oldest queued frame) or
    keep the oldest (refuse the incoming one). ``put`` returns the frame it dropped, if any."""

    def __init__(self, size: int, keep: str):
        self._items: deque[Work] = deque()
        self._size, self._keep = size, keep
        self._ready = threading.Condition()
        self._closed = False

    def put(self, work: Work) -> Work | None:
        with self._ready:
            dropped = None
            if len(self._items) >= self._size:
                if self._keep == "oldest":
                    return work
                dropped = self._items.popleft()
            self._items.append(work)
            self._ready.notify()
            return dropped

    def get(self) -> Work | None:
        """The next frame; None once the queue is closed and empty."""
        with self._ready:
            while not self._items and not self._closed:
                self._ready.wait()
            return self._items.popleft() if self._items else None

    def clear(self) -> list[Work]:
        with self._ready:
            items = list(self._items)
            self._items.clear()
            return items

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class _OpenSeries:
    """What the receiver knows of one series."""

    series_id: int
    pixel_size_nm: float | None
    last_frame: int | None = None
    accepted: int = 0
    ended: bool = False


class Acquisition:
    """Turns messages into work and the workers' outcomes into events on ``events``."""

    def __init__(self, config: ServiceConfig, counters: Counters, events: queue.Queue):
        self.config, self.counters, self.events = config, counters, events
        self.queue = WorkQueue(config.queue_size, config.keep)
        self._series: OrderedDict[str, _OpenSeries] = OrderedDict()  # by name, least recently seen first
        self._opened = 0
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
        if message.series in self._series:
            self._series.move_to_end(message.series)
        if isinstance(message, SeriesStart):
            self._start(message.series, message.pixel_size_nm)
        elif isinstance(message, SeriesEnd):
            self._end(message.series)
        else:
            self._accept(message)
        while len(self._series) > self.config.max_series:
            self._close_least_recent()

    def _start(self, name: str, pixel_size_nm: float | None) -> _OpenSeries:
        previous = self._series.get(name)
        if previous is not None and not previous.ended:
            log.warning("series_start for %s, which is open: the open one ends here", name)
            self._end(name)
        self._opened += 1
        state = self._series[name] = _OpenSeries(self._opened, pixel_size_nm)
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

    def _close_least_recent(self) -> None:
        """Forget the series seen least recently; if it is still open, end it as a series_end
        would (its final summary follows its last frame) and count the closing."""
        name, state = self._series.popitem(last=False)
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
        dropped = self.queue.put(Work(state.series_id, message, pixel_size, time.monotonic()))
        if dropped is not None:
            self.events.put(FrameDropped(dropped.series_id))

    def analyse(self, pipeline: Pipeline) -> None:
        """Run ``pipeline`` on queued frames until the queue is closed and empty (a worker thread)."""
        while (work := self.queue.get()) is not None:
            message = work.message
            try:
                result = pipeline.analyse(message.pixels, work.pixel_size_nm)
            except Exception as error:  # a frame must never take the service down
                log.exception("frame %d of series %s failed", message.frame, message.series)
                self.events.put(FrameFailed(work.series_id, str(error)))
                continue
            self.events.put(
                FrameAnalysed(work.series_id, message, work.pixel_size_nm, work.received_at, time.monotonic(), result)
            )

    def finish(self, drain: bool) -> None:
        """Take no more work; unless ``drain``, drop what is still queued."""
        if not drain:
            for work in self.queue.clear():
                self.events.put(FrameDropped(work.series_id))
        self.queue.close()
