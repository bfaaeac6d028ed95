"""Frames analysed on a Dask cluster: the service keeps ingest, series state, accounting and
publishing; each accepted frame becomes a task on the cluster's workers.

    queue -> dispatcher thread -> client.submit(analyse_frame) -> workers
          -> collector thread (outcomes in the order sent) -> events

At most ``in_flight`` frames are on the cluster at once; while they are, the dispatcher waits
and the queue in front of it fills and drops as it does in-process. The collector passes on
outcomes in the order the frames were sent, which within a series is frame order: the reorder
window is ``in_flight`` frames wide, and a frame whose result has not come within
``timeout_s`` of being sent is given up (``late``), so that a lost result never holds the
stream. A frame whose workers died more often than the cluster allows is counted
``worker_lost``; every frame sent ends as exactly one event.

Each frame travels inside its task (pickled out of band, not copied into a byte string): the
scheduler then holds it until a worker has finished, so a frame on a worker that dies is
rerun elsewhere, which a frame scattered to that worker alone could not be.
"""

import logging
import threading
import time
from collections import deque
from concurrent.futures import CancelledError
from dataclasses import dataclass

from edge.cluster.connect import Cluster
from edge.cluster.worker import PLUGIN_NAME, PipelinePlugin, analyse_frame, one_thread_a_task
from edge.live.service.events import FrameAnalysed, FrameFailed
from edge.live.service.work import Work, WorkQueue
from edge.pipeline.settings import PipelineSettings

log = logging.getLogger(__name__)


@dataclass
class _Sent:
    work: Work
    future: object
    deadline: float


class ClusterAnalysis:
    """Runs the frames of ``queue`` on ``cluster``, reporting each outcome on ``events``."""

    def __init__(
        self,
        cluster: Cluster,
        settings: PipelineSettings,
        queue: WorkQueue,
        events,
        in_flight: int,
        timeout_s: float,
    ):
        self.cluster, self._settings, self._queue, self._events = cluster, one_thread_a_task(settings), queue, events
        self._timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(in_flight)
        self._sent: deque[_Sent] = deque()
        self._changed = threading.Condition()
        self._dispatching = True

    def prepare(self) -> None:
        """Have every worker, and each that joins later, load and warm the pipeline."""
        self.cluster.client.register_plugin(PipelinePlugin(self._settings), name=PLUGIN_NAME)

    def in_flight(self) -> int:
        return len(self._sent)

    def dispatch(self) -> None:
        """Send queued frames to the cluster until the queue is closed and empty (a thread)."""
        try:
            while (work := self._queue.get()) is not None:
                self._slots.acquire()
                message = work.message
                future = self.cluster.client.submit(
                    analyse_frame,
                    message.pixels,
                    work.pixel_size_nm,
                    self._settings,
                    key=f"frame-{work.series_id}-{message.frame}-{time.monotonic_ns()}",
                    pure=False,
                )
                with self._changed:
                    self._sent.append(_Sent(work, future, time.monotonic() + self._timeout_s))
                    self._changed.notify()
        finally:
            with self._changed:
                self._dispatching = False
                self._changed.notify()

    def collect(self) -> None:
        """Report outcomes in the order the frames were sent, until every frame sent has one (a thread)."""
        while True:
            with self._changed:
                while not self._sent and self._dispatching:
                    self._changed.wait()
                if not self._sent:
                    return
                sent = self._sent[0]
            try:
                self._events.put(self._outcome(sent))
            finally:
                with self._changed:
                    self._sent.popleft()
                self._slots.release()

    def _outcome(self, sent: _Sent) -> FrameAnalysed | FrameFailed:
        from distributed import KilledWorker

        work, message = sent.work, sent.work.message
        wait_s = None if sent.future.done() else sent.deadline - time.monotonic()
        try:
            if wait_s is not None and wait_s <= 0:  # past its deadline: distributed's result(timeout=0) can fail
                raise TimeoutError  # with an UnboundLocalError of its own rather than time out
            result = sent.future.result(timeout=wait_s)
        except TimeoutError:
            sent.future.cancel()
            log.warning("frame %d of series %s: no result within %g s, given up", message.frame, message.series,
                        self._timeout_s)  # fmt: skip
            return FrameFailed(work.series_id, work.ticket, f"no result within {self._timeout_s:g} s", "late")
        except (KilledWorker, CancelledError) as error:
            log.warning("frame %d of series %s lost with its workers: %s", message.frame, message.series, error)
            return FrameFailed(work.series_id, work.ticket, str(error), "worker_lost")
        except Exception as error:  # the pipeline's own failure, raised again here
            log.warning("frame %d of series %s failed: %s", message.frame, message.series, error)
            return FrameFailed(work.series_id, work.ticket, str(error))
        return FrameAnalysed(work.series_id, work.ticket, message, work.pixel_size_nm, work.received_at, result)
