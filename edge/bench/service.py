"""``edge bench --service``: the whole service through real sockets on loopback.

For each frame size, the service runs four times in this process: with our stages on uint16
frames (what detectors send: the samples scaled by 257), the same on the uint8 originals, with
the plain baselines on uint16 (skimage's watershed instead of our flood, one inference call per
crop instead of one per frame), and ours on uint16 again with the live viewer subscribed and one
page reading everything it sends. Each run first streams frames as fast as they are
taken (the queue holds them all: throughput), then paced at 80 % of that throughput (latency,
drops).
"""

import asyncio
import statistics
import threading
import time
from dataclasses import replace

import aiohttp
import numpy as np
from skimage.segmentation import watershed as skimage_watershed

from edge.io.bundled import sample_frames
from edge.live.config import ServiceConfig
from edge.live.loopback import LoopbackService
from edge.live.viewer.server import ViewerThread
from edge.pipeline.pipeline import Pipeline


def bench_service(frames_per_run: int) -> dict:
    """Print and return frames/s, p50/p99 latency, stage medians and drops per size and variant."""
    frames_by_size: dict[str, list] = {}
    for frame, _ in sample_frames():
        size = f"{frame.pixels.shape[1]}x{frame.pixels.shape[0]}"
        frames_by_size.setdefault(size, []).append((frame.pixels, 0.474))
    ours = Pipeline.default()
    baseline = replace(ours, flood_function=skimage_watershed, batched_screening=False)
    # one untimed run first, so the first variant timed does not pay the process's first-run costs
    warm_up = [frames[0] for frames in frames_by_size.values()] * 4
    _stream(ours, warm_up, fps=None, queue_size=len(warm_up))
    results = {}
    for size, frames in frames_by_size.items():
        as_uint8 = [frames[i % len(frames)] for i in range(frames_per_run)]
        as_uint16 = [(pixels.astype(np.uint16) * np.uint16(257), nm) for pixels, nm in as_uint8]
        variants = {
            "ours uint16": (ours, as_uint16, False),
            "ours uint8": (ours, as_uint8, False),
            "baselines uint16": (baseline, as_uint16, False),
            "ours uint16 viewed": (ours, as_uint16, True),
        }
        for name, (pipeline, stream, viewed) in variants.items():
            results[(size, name)] = _run(pipeline, stream, viewed)
        _report(size, {name: results[(size, name)] for name in variants}, frames_per_run)
    return results


def _run(pipeline: Pipeline, stream: list, viewed: bool) -> dict:
    throughput = _stream(pipeline, stream, fps=None, queue_size=len(stream), viewed=viewed)
    paced = _stream(pipeline, stream, fps=0.8 * throughput["frames_per_s"], queue_size=8, viewed=viewed)
    return {"frames_per_s": throughput["frames_per_s"], **{k: v for k, v in paced.items() if k != "frames_per_s"}}


def _stream(pipeline: Pipeline, stream: list, fps: float | None, queue_size: int, viewed: bool) -> dict:
    """One run; ``viewed``: with the live viewer subscribed and one page reading all it sends."""
    latencies, stages = [], {}

    def record(topic: str, body: dict) -> bool:
        if topic == "frame":
            latencies.append(body["latency_ms"])
            for stage, ms in body["stage_ms"].items():
                stages.setdefault(stage, []).append(ms)
        return topic == "series" and body["final"]

    with LoopbackService(ServiceConfig(queue_size=queue_size, summary_every=10**6), pipeline) as running:
        viewer = ViewerThread(running.service.output_address).start() if viewed else None
        page = _Page(viewer.url) if viewer else None
        started = time.perf_counter()
        sender = running.replay(stream, "bench", fps)
        running.receive_until(record, timeout_s=3600)
        elapsed = time.perf_counter() - started
        sender.join()
        if viewer is not None:
            page.close()
            viewer.stop()
    counts = running.service.counters.snapshot()
    return {
        "frames_per_s": counts["processed"] / elapsed,
        "p50_ms": float(np.percentile(latencies, 50)) if latencies else None,
        "p99_ms": float(np.percentile(latencies, 99)) if latencies else None,
        "stage_ms": {k: statistics.median(v) for k, v in stages.items() if v},
        "received": counts["received"],
        "processed": counts["processed"],
        "dropped": counts["dropped"],
        "errors": counts["errors"],
    }


class _Page:
    """A page of the viewer, in a thread: reads everything the viewer sends until closed."""

    def __init__(self, url: str):
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._read(url.replace("http", "ws") + "ws")))
        self._thread.start()

    async def _read(self, url: str) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
            while not self._stop.is_set():
                try:
                    await socket.receive(timeout=0.2)
                    self.received += 1
                except TimeoutError:
                    continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _report(size: str, runs: dict[str, dict], frames: int) -> None:
    print(f"service on {size} frames ({frames} frames a run; latency at 80 % of each variant's throughput):")
    for name, run in runs.items():
        stages = ", ".join(f"{k} {v:.0f}" for k, v in run["stage_ms"].items())
        print(
            f"  {name:<16} {run['frames_per_s']:6.2f} frames/s   "
            f"p50 {run['p50_ms']:7.0f} ms   p99 {run['p99_ms']:7.0f} ms"
            f"   stages (median ms): {stages}   received {run['received']} processed {run['processed']} "
            f"dropped {run['dropped']} errors {run['errors']}"
        )
    ours = runs["ours uint16"]["frames_per_s"]
    print(
        f"  throughput ratios: uint16/uint8 {ours / runs['ours uint8']['frames_per_s']:.2f}x, "
        f"ours/baselines (uint16) {ours / runs['baselines uint16']['frames_per_s']:.2f}x, "
        f"viewed/unviewed (uint16) {runs['ours uint16 viewed']['frames_per_s'] / ours:.2f}x"
    )
