"""``edge serve``: frames in from a source, the pipeline on worker threads, statistics out.

    source -> receiver thread -> Intake (series state, bounded queue) -> worker threads
           -> typed events -> publisher thread -> PUB socket

With ``dask`` set, a dispatcher and a collector thread take the worker threads' place and the
frames are analysed on a Dask cluster (``edge.live.service.offload``); everything else stays here.

Each socket is owned by one thread. Every thread runs supervised: an exception nothing else
caught is logged with its traceback, recorded as the service's fault, and stops the service,
whose last status then says ``failed``. See docs/protocol.md for the contract.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import zmq

from edge.io.memory import keep_freed_memory
from edge.live.inputs import make_decoder
from edge.live.inputs.source import FrameSource
from edge.live.inputs.zeromq import ZeroMQSource
from edge.live.service.config import ServiceConfig
from edge.live.service.counters import Counters
from edge.live.service.events import Shutdown
from edge.live.service.intake import Intake
from edge.live.service.preview import PreviewEncoder
from edge.live.service.publishing import Publisher
from edge.live.service.recording import Recorder
from edge.live.service.sockets import endpoint_address, open_socket
from edge.live.service.work import analyse_queued
from edge.pipeline.pipeline import Pipeline

if TYPE_CHECKING:
    from edge.cluster.connect import Cluster
    from edge.live.service.offload import ClusterAnalysis

log = logging.getLogger(__name__)


class Service:
    """The live service. ``start()`` loads models and compiles kernels, opens the sockets and
    starts the threads; ``stop()`` stops taking frames and winds down; ``wait()`` joins.

    Frames come from ``source`` when one is given (a ``FrameSource``: image files, say), else
    from the ZeroMQ socket the config names. A source that ends (files) ends the service once
    its frames are through."""

    def __init__(
        self,
        config: ServiceConfig,
        pipeline: Pipeline | None = None,
        context: zmq.Context | None = None,
        source: FrameSource | None = None,
        cluster: "Cluster | None" = None,
    ):
        """``pipeline``: analyse with this one instead of the config's; ``cluster``: a Dask
        cluster already connected, for a config with ``dask`` set (else one is connected at
        ``start`` and closed at the end)."""
        self.config = config
        if config.dask and pipeline is not None:
            raise ValueError("a service on a Dask cluster builds its pipeline on the workers, from the config")
        self.pipeline = None if config.dask else pipeline or Pipeline.from_settings(config.pipeline)
        self._cluster, self._owns_cluster = cluster, cluster is None
        self.offload: ClusterAnalysis | None = None
        self.counters = Counters()
        self._context = context or zmq.Context.instance()
        self._events: queue.Queue = queue.Queue()
        self.intake = Intake(config, self.counters, self._events)
        self.source = source
        self._stopping = threading.Event()
        self._started = time.monotonic()
        self.input_address = self.output_address = ""
        self.fault: str | None = None  # set when a thread died of an exception it could not handle

    def start(self) -> "Service":
        config = self.config
        keep_freed_memory()  # a backlog of frames pays the kernel for fresh pages once, not with every burst
        if config.dask:
            self._start_cluster()
        else:
            self.pipeline.warm_up()
        output = open_socket(self._context, zmq.PUB, config.output, linger_s=config.linger_s)
        output.setsockopt(zmq.SNDHWM, config.send_high_water_mark)
        self.output_address = endpoint_address(output, config.output)
        if self.source is None:
            self.source = ZeroMQSource(
                self._context,
                config.input,
                config.input_socket,
                config.receive_high_water_mark,
                config.linger_s,
                make_decoder(config.input_format, config.max_frame_bytes, config.input_channel, config.input_series),
            )
        self.input_address = self.source.address
        self._preview = None
        if config.preview_per_s > 0:
            self._preview = PreviewEncoder(config.preview_per_s, config.preview_max_side, self._events.put)
        recorder = Recorder(config.record, config.record_format, config.summary_every) if config.record else None
        publisher = Publisher(output, config, self.counters, self._status, self._preview, recorder)
        self._publisher = self._thread(lambda: publisher.run(self._events), "publisher")
        self._previewer = self._thread(self._preview.run, "preview") if self._preview else None
        if self.offload is not None:
            self._workers = [
                self._thread(self.offload.dispatch, "dispatcher"),
                self._thread(self.offload.collect, "collector"),
            ]
        else:
            self._workers = [
                self._thread(lambda: analyse_queued(self.intake.queue, self.pipeline, self._events), f"worker-{i}")
                for i in range(config.workers)
            ]
        self._receiver = self._thread(self._receive, "receiver")
        for thread in [self._publisher, *self._workers, self._receiver, self._previewer]:
            if thread is not None:
                thread.start()
        log.info("ready: frames in from %s, statistics out on %s", self.input_address, self.output_address)
        return self

    def _start_cluster(self) -> None:
        """Connect to the config's cluster unless given one, and have its workers warm the pipeline."""
        from edge.cluster.connect import connect
        from edge.live.service.offload import ClusterAnalysis

        config = self.config
        if self._cluster is None:
            self._cluster = connect(config.dask, config.dask_retries)
        in_flight = config.dask_in_flight or max(2, 2 * self._cluster.workers()["threads"])
        self.offload = ClusterAnalysis(
            self._cluster, config.pipeline.with_absolute_paths(), self.intake.queue, self._events, in_flight,
            config.dask_timeout_s,
        )  # fmt: skip
        self.offload.prepare()
        log.info("analysing on the Dask cluster at %s, %d frames in flight at most", self._cluster.address, in_flight)

    def stop(self) -> None:
        """Stop taking frames; the queue is finished or dropped as configured. Any thread may call it."""
        self._stopping.set()
        if self.source is not None:
            self.source.interrupt()

    def wait(self) -> None:
        """Block until the service has published its final summaries and closed."""
        self._receiver.join()
        self._stopping.set()
        self.intake.finish(drain=self.config.drain_on_stop)
        for thread in self._workers:
            thread.join()
        if self._previewer is not None:
            self._preview.close()
            self._previewer.join()
        self._events.put(Shutdown())
        self._publisher.join()
        if self._cluster is not None and self._owns_cluster:
            self._cluster.close()

    def _receive(self) -> None:
        try:
            self.intake.receive(self.source)
        finally:
            self.source.close()

    def _thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        """A thread that, should ``target`` raise, logs the traceback, records the fault and
        stops the service, which then winds down and reports ``state: "failed"``: a supervisor
        sees a failure (``edge serve`` exits non-zero), never a clean stop."""

        def supervised() -> None:
            try:
                target()
            except Exception as error:
                log.exception("thread %s failed; stopping the service", name)
                self.fault = self.fault or f"{name}: {type(error).__name__}: {error}"
                self.stop()

        return threading.Thread(target=supervised, name=name)

    def _cluster_workers(self) -> dict:
        try:
            return self._cluster.workers()
        except Exception as error:  # the scheduler gone: the status still goes out, saying so
            return {"scheduler": self._cluster.address, "error": f"{type(error).__name__}: {error}"}

    def _status(self, final: bool) -> dict:
        """The body of a ``status`` message; ``final`` for the last one."""
        status = {
            **self.counters.snapshot(),
            "queue_depth": len(self.intake.queue),
            "uptime_s": time.monotonic() - self._started,
        }
        if self.offload is not None:
            status["cluster"] = {**self._cluster_workers(), "in_flight": self.offload.in_flight()}
        if self.fault:
            return {**status, "state": "failed", "fault": self.fault}
        if final:
            return {**status, "state": "stopped"}
        return {**status, "state": "stopping" if self._stopping.is_set() else "ready"}
