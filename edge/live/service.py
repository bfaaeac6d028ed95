"""``edge serve``: frames in over ZeroMQ, the pipeline on worker threads, statistics out.

receiver thread -> bounded work queue -> worker threads -> event queue -> publisher thread.
Each socket is owned by one thread. The receiver counts and validates; the workers run the
pipeline (its stages release the GIL); the publisher owns all series state and publishes
``frame``, ``series`` and ``status`` messages. See docs/protocol.md for the contract.
"""

import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import numpy as np
import zmq

from edge.live.config import ServiceConfig
from edge.live.protocol import FrameMessage, ProtocolError, SeriesEnd, SeriesStart, decode, publication
from edge.live.series import SeriesStats
from edge.live.sockets import bound_address, open_socket
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.result import FrameResult

log = logging.getLogger(__name__)
POLL_MS = 100


@dataclass
class Work:
    """One accepted frame on its way through the pipeline."""

    message: FrameMessage
    pixel_size_nm: float | None
    received_at: float


class WorkQueue:
    """A bounded queue with a drop policy: keep the newest (drop the oldest queued frame) or
    keep the oldest (refuse the incoming one). ``put`` returns the frame it dropped, if any."""

    def __init__(self, size: int, keep: str):
        self._items: deque = deque()
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


COUNTER_LIMIT = 2**63 - 1


@dataclass
class Counters:
    """Service-wide counts; ``received`` counts every message that is not a valid series
    start or end, so received = processed + dropped + errors + in flight."""

    received: int = 0
    processed: int = 0
    dropped: int = 0
    gaps: int = 0
    errors: int = 0
    series_closed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **amounts: int) -> None:
        """Add to the counts; each stays within int64, which msgpack and every client can carry."""
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, min(getattr(self, name) + amount, COUNTER_LIMIT))

    def snapshot(self) -> dict:
        with self.lock:
            names = ("received", "processed", "dropped", "gaps", "errors", "series_closed")
            return {name: getattr(self, name) for name in names}


@dataclass
class _SeriesInput:
    """What the receiver knows of a series."""

    pixel_size_nm: float | None
    last_frame: int | None = None
    accepted: int = 0
    ended: bool = False


class Service:
    """The live service. ``start()`` loads models and compiles kernels, binds the sockets and
    starts the threads; ``stop()`` stops taking frames and winds down; ``wait()`` joins."""

    def __init__(self, config: ServiceConfig, pipeline: Pipeline | None = None, context: zmq.Context | None = None):
        self.config = config
        scenes = frozenset(config.analysed_scenes) if config.analysed_scenes else None
        self.pipeline = pipeline or Pipeline.default(
            config.backend, config.polarity, config.screen, config.classifier or None, scenes
        )
        self.counters = Counters()
        self._context = context or zmq.Context.instance()
        self._work = WorkQueue(config.queue_size, config.keep)
        self._events: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._started = time.monotonic()
        self._threads: list[threading.Thread] = []
        self.input_address = self.output_address = ""
        self.fault: str | None = None  # set when a thread died of an exception it could not handle

    def start(self) -> "Service":
        self.pipeline.warm_up()
        self._publisher_socket = open_socket(self._context, zmq.PUB, self.config.output)
        self._publisher_socket.setsockopt(zmq.SNDHWM, 10_000)
        kind = zmq.PULL if self.config.input_socket == "pull" else zmq.SUB
        self._input_socket = open_socket(self._context, kind, self.config.input)
        self._input_socket.setsockopt(zmq.RCVHWM, self.config.receive_high_water_mark)
        if kind == zmq.SUB:
            self._input_socket.setsockopt(zmq.SUBSCRIBE, b"")
        self.input_address = _address(self._input_socket, self.config.input)
        self.output_address = _address(self._publisher_socket, self.config.output)
        self._threads = [self._thread(self._publish, "publisher")]
        self._threads += [self._thread(self._process, f"worker-{i}") for i in range(self.config.workers)]
        self._receiver = self._thread(self._receive, "receiver")
        for thread in [*self._threads, self._receiver]:
            thread.start()
        log.info("ready: frames in on %s, statistics out on %s", self.input_address, self.output_address)
        return self

    def stop(self) -> None:
        """Stop taking frames; the queue is finished or dropped as configured."""
        self._stopping.set()

    def _thread(self, target, name: str) -> threading.Thread:
        """A thread that, should ``target`` raise, logs the traceback, records the fault and
        stops the service, which then winds down and reports ``state: "failed"``: a supervisor
        sees a failure (``edge serve`` exits non-zero), never a clean stop."""

        def supervised() -> None:
            try:
                target()
            except Exception as error:
                log.exception("thread %s failed; stopping the service", name)
                self.fault = self.fault or f"{name}: {type(error).__name__}: {error}"
                self._stopping.set()

        return threading.Thread(target=supervised, name=name)

    def wait(self) -> None:
        """Block until the service has published its final summaries and closed."""
        self._receiver.join()
        if not self.config.drain_on_stop:
            for work in self._work.clear():
                self._events.put(("dropped", work.message.series))
        self._work.close()
        for thread in self._threads[1:]:
            thread.join()
        self._events.put(("shutdown",))
        self._threads[0].join()

    def _receive(self) -> None:
        try:
            self._receive_messages()
        finally:  # also after a fault: an open socket would hang the ZeroMQ context's shutdown
            self._input_socket.close(linger=0)

    def _receive_messages(self) -> None:
        series: OrderedDict[str, _SeriesInput] = OrderedDict()  # least recently seen first
        poller = zmq.Poller()
        poller.register(self._input_socket, zmq.POLLIN)
        while not self._stopping.is_set():
            if not poller.poll(POLL_MS):
                continue
            parts = self._input_socket.recv_multipart(copy=False)
            try:
                message = decode([part.buffer for part in parts], self.config.max_frame_bytes)
            except ProtocolError as error:
                self.counters.add(received=1, errors=1)
                log.warning("bad message: %s", error)
                continue
            except Exception:  # a message the checks above missed must not end the receiver
                self.counters.add(received=1, errors=1)
                log.exception("bad message: decoding it failed unexpectedly")
                continue
            if message.series in series:
                series.move_to_end(message.series)
            if isinstance(message, SeriesStart):
                series[message.series] = _SeriesInput(message.pixel_size_nm)
                self._events.put(("start", message.series))
            elif isinstance(message, SeriesEnd):
                state = series.get(message.series)
                if state is None or state.ended:
                    log.warning("series_end for %s, which is not open", message.series)
                    continue
                state.ended = True
                self._events.put(("end", message.series, state.accepted))
            else:
                self._accept(message, series)
            while len(series) > self.config.max_series:
                self._close_least_recent(series)

    def _close_least_recent(self, series: "OrderedDict[str, _SeriesInput]") -> None:
        """Forget the series seen least recently; if it is still open, end it as a series_end
        would (its final summary follows its last frame) and count the closing."""
        name, state = series.popitem(last=False)
        if not state.ended:
            self.counters.add(series_closed=1)
            log.warning("series %s closed: more than %d series open", name, self.config.max_series)
            self._events.put(("end", name, state.accepted))

    def _accept(self, message: FrameMessage, series: dict[str, _SeriesInput]) -> None:
        self.counters.add(received=1)
        state = series.get(message.series)
        if state is not None and state.ended:
            self.counters.add(errors=1)
            log.warning("frame %d of series %s, which has ended: not processed", message.frame, message.series)
            return
        if state is None:  # a late joiner, or a sender without series_start: the series starts here
            state = series[message.series] = _SeriesInput(None)
            self._events.put(("start", message.series))
        if state.last_frame is not None and message.frame <= state.last_frame:
            self.counters.add(errors=1)
            log.warning("series %s: frame %d after %d: not processed", message.series, message.frame, state.last_frame)
            return
        if state.last_frame is not None and message.frame > state.last_frame + 1:
            self.counters.add(gaps=message.frame - state.last_frame - 1)
        state.last_frame = message.frame
        state.accepted += 1
        pixel_size = message.pixel_size_nm or state.pixel_size_nm or self.config.pixel_size_nm
        dropped = self._work.put(Work(message, pixel_size, time.monotonic()))
        if dropped is not None:
            self._events.put(("dropped", dropped.message.series))

    def _process(self) -> None:
        while (work := self._work.get()) is not None:
            try:
                result, stage_ms = self.pipeline.analyse(work.message.pixels, work.pixel_size_nm)
            except Exception as error:  # a frame must never take the service down
                log.exception("frame %d of series %s failed", work.message.frame, work.message.series)
                self._events.put(("error", work.message.series, str(error)))
                continue
            self._events.put(("result", work.message.series, work, result, stage_ms, time.monotonic()))

    def _publish(self) -> None:
        try:
            self._publish_events()
        finally:
            self._publisher_socket.close()

    def _publish_events(self) -> None:
        series: dict[str, SeriesStats] = {}
        expected: dict[str, int] = {}
        finished: dict[str, int] = {}
        next_heartbeat = 0.0
        while True:
            now = time.monotonic()
            if now >= next_heartbeat:
                self._send("status", self._status())
                next_heartbeat = now + self.config.heartbeat_s
            try:
                event = self._events.get(timeout=max(0.0, next_heartbeat - time.monotonic()))
            except queue.Empty:
                continue
            if event[0] == "shutdown":
                break
            try:
                self._handle(event, series, expected, finished)
            except Exception:  # a bookkeeping fault must not silence the publisher
                log.exception("could not publish for event %s", event[:2])
        for stats in series.values():
            self._send("series", {**stats.summary(), "final": True})
        final = {"state": "failed", "fault": self.fault} if self.fault else {"state": "stopped"}
        self._send("status", {**self._status(), **final})

    def _handle(self, event: tuple, series: dict, expected: dict, finished: dict) -> None:
        """Update the series state for one event and publish what it completes."""
        kind, name = event[0], event[1]
        if kind == "start":
            series[name] = SeriesStats(name)
            expected.pop(name, None)
            finished[name] = 0
            return
        if kind == "end":
            expected[name] = event[2]
        elif kind == "dropped":
            self.counters.add(dropped=1)
            finished[name] += 1
        elif kind == "error":
            self.counters.add(errors=1)
            finished[name] += 1
        elif kind == "result":
            self._publish_frame(series[name], *event[2:])
            finished[name] += 1
        if name in expected and finished[name] >= expected[name]:
            self._send("series", {**series.pop(name).summary(), "final": True})
            del expected[name], finished[name]

    def _publish_frame(self, stats: SeriesStats, work: Work, result: FrameResult, stage_ms: dict, done: float) -> None:
        self.counters.add(processed=1)
        if result.stats is not None:
            stats.add(np.array([d.major_px for d in result.defects]), work.message.pixels.shape, work.pixel_size_nm)
        body = {
            "series": work.message.series,
            "frame": work.message.frame,
            "pixel_size_nm": work.pixel_size_nm,
            **(result.stats or {"count": None}),
            "scene": None if result.scene is None else {k: result.scene[k] for k in ("label", "confidence")},
            "defects": result.defects_json(),
            "latency_ms": 1e3 * (done - work.received_at),
            "stage_ms": stage_ms,
            "timestamp": work.message.timestamp,
        }
        self._send("frame", body)
        if stats.frames % self.config.summary_every == 0:
            self._send("series", {**stats.summary(), "final": False})

    def _status(self) -> dict:
        state = "stopping" if self._stopping.is_set() else "ready"
        uptime = time.monotonic() - self._started
        return {**self.counters.snapshot(), "queue_depth": len(self._work), "uptime_s": uptime, "state": state}

    def _send(self, topic: str, body: dict) -> None:
        self._publisher_socket.send_multipart(publication(topic, body))


def _address(socket: zmq.Socket, endpoint: str) -> str:
    return bound_address(socket) if not endpoint.startswith("connect:") else endpoint.partition(":")[2]
