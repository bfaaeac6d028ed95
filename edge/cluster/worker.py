"""What runs on a Dask worker: the pipeline kept loaded and compiled, and the frame task.

The service registers ``PipelinePlugin`` with the cluster, so every worker, including one
that joins later or is restarted, builds and warms its pipeline as it starts, before its first
frame. ``dask worker SCHEDULER --preload edge.cluster.worker`` warms the default pipeline
(loads the models, compiles the kernels) as the worker process starts.
"""

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import cv2
import numba
import numpy as np
from distributed import WorkerPlugin

from edge.io.memory import keep_freed_memory
from edge.pipeline.result import FrameResult
from edge.pipeline.settings import PipelineSettings, loaded, warm_on_this_thread

PLUGIN_NAME = "edge-pipeline"
T = TypeVar("T")


class PipelinePlugin(WorkerPlugin):
    """Builds and warms the pipeline for ``settings`` on each worker as it starts."""

    def __init__(self, settings: PipelineSettings):
        self.settings = settings

    async def setup(self, worker) -> None:
        """Build and warm the pipeline on the worker's task thread, which analyses the frames
        (a worker started with ``--nthreads 1``, as docs/scaling.md has them, has one): OpenCV
        and ONNX Runtime grow some buffers per thread, so a pipeline already built on another
        thread (by a preload) is warmed once more on this one. The worker keeps freed frame
        memory for the next frames (``keep_freed_memory``)."""
        keep_freed_memory()
        await asyncio.wrap_future(worker.executors["default"].submit(on_one_thread, warm_on_this_thread, self.settings))


def analyse_frame(pixels: np.ndarray, pixel_size_nm: float | None, settings: PipelineSettings) -> FrameResult:
    """The Dask task of one frame: the worker's pipeline for ``settings`` on ``pixels``."""
    return on_one_thread(loaded(settings).analyse, pixels, pixel_size_nm)


def one_thread_a_task(settings: PipelineSettings) -> PipelineSettings:
    """``settings`` with a frame's loops measured on one thread: on a cluster, parallelism comes
    from many single-threaded tasks (``on_one_thread``), and the results are the same."""
    return replace(settings, measure_threads=1)


def on_one_thread(function: Callable[..., T], *args) -> T:
    """``function(*args)`` on this thread alone: on a cluster each task runs on one worker
    thread and parallelism comes from many tasks, so the Numba kernels' and OpenCV's own thread
    pools are held to one (ONNX Runtime's sessions already run on one thread)."""
    numba.set_num_threads(1)
    cv2.setNumThreads(1)
    return function(*args)


def dask_setup(worker) -> None:
    """``--preload edge.cluster.worker``: warm the default pipeline as the worker starts."""
    loaded(PipelineSettings())
