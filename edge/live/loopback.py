"""A service on loopback with a subscriber to what it publishes: the one harness that the demo,
the benchmark and the tests run the service in."""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import zmq

from edge.live.client import read_publication
from edge.live.inputs.native_sim import replay
from edge.live.service.config import ServiceConfig
from edge.live.service.wiring import Service
from edge.pipeline.pipeline import Pipeline

if TYPE_CHECKING:
    from edge.cluster.connect import Cluster

LOOPBACK = "bind:tcp://127.0.0.1:*"  # a free port on this machine


class LoopbackService:
    """``Service`` bound to free loopback ports, with a SUB socket on its output that has seen
    the first ``status`` (so nothing published after ``start`` is missed).

    Examples
    --------
    >>> with LoopbackService(ServiceConfig(summary_every=5)) as running:  # doctest: +SKIP
    ...     running.replay(frames, "series-1")
    ...     final = running.receive_until(lambda topic, body: topic == "series" and body["final"])
    """

    def __init__(
        self,
        config: ServiceConfig,
        pipeline: Pipeline | None = None,
        context: zmq.Context | None = None,
        cluster: "Cluster | None" = None,
    ):
        self._owns_context = context is None
        self.context = context or zmq.Context()
        config = replace(config, input=LOOPBACK, output=LOOPBACK)
        self.service = Service(config, pipeline, self.context, cluster=cluster)
        self.subscriber: zmq.Socket | None = None

    def start(self) -> "LoopbackService":
        self.service.start()
        self.subscriber = self.context.socket(zmq.SUB)
        self.subscriber.setsockopt(zmq.SUBSCRIBE, b"")
        self.subscriber.connect(self.service.output_address)
        self.receive_until(lambda topic, body: topic == "status")
        return self

    def receive_until(
        self, done: Callable[[str, dict], bool], timeout_s: float = 60.0, keep: bool = True
    ) -> list[tuple[str, dict]]:
        """``receive_until`` on this service's subscriber."""
        return receive_until(self.subscriber, done, timeout_s, keep)

    def replay(
        self, frames: Sequence[tuple[np.ndarray, float | None]], series: str, fps: float | None = None
    ) -> threading.Thread:
        """Send ``frames`` as one series from a thread of their own (started, returned to join)."""
        sender = threading.Thread(target=replay, args=(frames, f"connect:{self.service.input_address}", series, fps))
        sender.start()
        return sender

    def close(self) -> dict:
        """Stop the service, wait for its final messages; its last counts."""
        self.service.stop()
        self.service.wait()
        if self.subscriber is not None:
            self.subscriber.close(0)
        if self._owns_context:
            self.context.term()
        return self.service.counters.snapshot()

    def __enter__(self) -> "LoopbackService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def receive_until(
    subscriber: zmq.Socket, done: Callable[[str, dict], bool], timeout_s: float = 60.0, keep: bool = True
) -> list[tuple[str, dict]]:
    """Every message published to ``subscriber`` until one that ``done`` accepts (the last in
    the list; with ``keep`` False only that one, for long runs); ``TimeoutError`` if none comes
    within ``timeout_s``."""
    messages = []
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        if subscriber.poll(max(1, round(1000 * min(left, 1.0)))):
            message = read_publication(subscriber.recv_multipart())
            if keep:
                messages.append(message)
            if done(*message):
                return messages if keep else [message]
    raise TimeoutError(f"nothing accepted within {timeout_s} s; got {[topic for topic, _ in messages]}")
