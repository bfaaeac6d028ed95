"""The frames accepted and waiting for a worker: a bounded queue with a drop policy, and the
worker threads' loop that runs the pipeline on them and reports each outcome as an event."""

import logging
import queue
import threading
from collections import deque
from dataclasses import dataclass

from edge.live.inputs.messages import FrameMessage
from edge.live.service.events import FrameAnalysed, FrameFailed
from edge.pipeline.pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Work:
    """One accepted frame on its way through the pipeline; ``ticket`` numbers the frames the
    intake accepted, from 0 (see ``edge.live.service.events``)."""

    series_id: int
    ticket: int
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


def analyse_queued(work_queue: WorkQueue, pipeline: Pipeline, events: queue.Queue) -> None:
    """Run ``pipeline`` on queued frames until the queue is closed and empty (a worker thread),
    putting each outcome on ``events``; a frame that fails is reported, never raised."""
    while (work := work_queue.get()) is not None:
        message = work.message
        try:
            result = pipeline.analyse(message.pixels, work.pixel_size_nm)
        except Exception as error:  # a frame must never take the service down
            log.exception("frame %d of series %s failed", message.frame, message.series)
            events.put(FrameFailed(work.series_id, work.ticket, str(error)))
            continue
        events.put(FrameAnalysed(work.series_id, work.ticket, message, work.pixel_size_nm, work.received_at, result))
