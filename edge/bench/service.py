"""``edge bench --service``: the whole service through real sockets on loopback.

For each frame size, the service runs in this process once per variant: our stages on uint16
frames (what detectors send: the samples scaled by 257); the same on the uint8 originals; the
plain baselines on uint16 (skimage's watershed instead of our flood, one inference call per crop
instead of one per frame); ours on uint16 with the live viewer subscribed and one page reading
everything it sends; fed DECTRIS Stream V2 and areaDetector streams; publishing frames in the
order they came (``ordered``); following each loop from frame to frame (``track``); and with the
bundled scene classifier labelling every frame. Each run first streams frames as fast as they
are taken (the queue holds them all: throughput), then, in as many rounds of turns again, paced at
80 % of that throughput (latency, drops); the ordered and tracked variants are paced as the
default one, so that their latencies compare at one arrival rate (the cost docs/protocol.md
states).
"""

import asyncio
import statistics
import threading
import time
from dataclasses import replace

import aiohttp
import numpy as np
import zmq

from edge.bench.baselines import baseline_pipeline
from edge.io.bundled import sample_frames
from edge.live.client import encode_frame, encode_series_end, encode_series_start
from edge.live.inputs import make_decoder
from edge.live.inputs.adzmq_sim import encode_array
from edge.live.inputs.dectris_sim import encode_end, encode_image, encode_start
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig, load_config
from edge.live.service.sockets import open_socket
from edge.live.viewer.server import ViewerThread
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.scene import DEFAULT_CLASSIFIER
from edge.pipeline.settings import PipelineSettings

GATE_TIMEOUT_S = 10.0
# variants whose latency is measured with frames paced as another's: publishing in order is
# compared with publishing as finished at the same arrival rate
PACED_AS = {"ours uint16 ordered": "ours uint16", "ours uint16 tracked": "ours uint16"}


def bench_service(frames_per_run: int, rounds: int = 3) -> dict:
    """Print and return frames/s, p50/p99 latency, stage medians and drops per size and variant.

    The variants' throughput runs take turns ``rounds`` times and each reports its median, so
    that a slow spell of this shared machine falls on every variant alike."""
    frames_by_size: dict[str, list] = {}
    for frame, _ in sample_frames():
        size = f"{frame.pixels.shape[1]}x{frame.pixels.shape[0]}"
        frames_by_size.setdefault(size, []).append((frame.pixels, 0.474))
    ours = Pipeline.from_settings()
    baseline = baseline_pipeline(ours)
    classified = Pipeline.from_settings(PipelineSettings(classifier=DEFAULT_CLASSIFIER))
    # one untimed run first, so the first variant timed does not pay the process's first-run costs
    warm_up = [frames[0] for frames in frames_by_size.values()] * 4
    _stream(ours, warm_up, fps=None, queue_size=len(warm_up))
    results = {}
    for size, frames in frames_by_size.items():
        as_uint8 = [frames[i % len(frames)] for i in range(frames_per_run)]
        as_uint16 = [(pixels.astype(np.uint16) * np.uint16(257), nm) for pixels, nm in as_uint8]
        variants = {  # pipeline, frames, with a viewer, input format, service settings
            "ours uint16": (ours, as_uint16, False, "edge", {}),
            "ours uint8": (ours, as_uint8, False, "edge", {}),
            "baselines uint16": (baseline, as_uint16, False, "edge", {}),
            "ours uint16 viewed": (ours, as_uint16, True, "edge", {}),
            "ours uint16 dectris": (ours, as_uint16, False, "dectris", {}),
            "ours uint16 adzmq": (ours, as_uint16, False, "adzmq", {}),
            "ours uint16 ordered": (ours, as_uint16, False, "edge", {"ordered": True}),
            "ours uint16 tracked": (ours, as_uint16, False, "edge", {"track": True}),
            "ours uint16 classified": (classified, as_uint16, False, "edge", {}),
        }
        throughputs: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, (pipeline, stream, viewed, input_format, service) in variants.items():
                run = _stream(pipeline, stream, None, len(stream), viewed, input_format, service=service)
                throughputs[name].append(run["frames_per_s"])
        paced: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, (pipeline, stream, viewed, input_format, service) in variants.items():
                pace = 0.8 * statistics.median(throughputs[PACED_AS.get(name, name)])
                paced[name].append(_stream(pipeline, stream, pace, 8, viewed, input_format, service=service))
        for name in variants:
            fps = statistics.median(throughputs[name])
            results[(size, name)] = {**_median_run(paced[name]), "frames_per_s": fps, "rounds": throughputs[name]}
        _report(size, {name: results[(size, name)] for name in variants}, frames_per_run)
        _report_decoding(as_uint16, sum(results[(size, "ours uint16")]["stage_ms"].values()))
    return results


def _median_run(runs: list[dict]) -> dict:
    """The paced runs of one variant as one: the medians of their p50, p99 and stage medians,
    and their counts summed."""
    counts = ("received", "processed", "dropped", "errors")
    return {
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "stage_ms": {stage: statistics.median(run["stage_ms"][stage] for run in runs) for stage in runs[0]["stage_ms"]},
        "first_frame_ms": statistics.median(run["first_frame_ms"] for run in runs),
        **{count: sum(run[count] for run in runs) for count in counts},
    }


def _encoded(input_format: str, stream: list) -> list[list]:
    """``stream`` as one series in ``input_format``: ours, Stream V2 with bslz4 images (what a
    DECTRIS detector sends by default), or NDPluginZMQ arrays and the first array of the next
    series."""
    if input_format == "edge":
        frames = [encode_frame("bench", i, pixels, nm, time.time()) for i, (pixels, nm) in enumerate(stream)]
        return [encode_series_start("bench", stream[0][1]), *frames, encode_series_end("bench")]
    if input_format == "dectris":
        images = [[encode_image("bench", i, pixels, "bslz4")] for i, (pixels, _) in enumerate(stream)]
        return [[encode_start("bench", pixel_size_nm=stream[0][1])], *images, [encode_end("bench")]]
    arrays = [
        encode_array(pixels, i, {"pixel_size_nm": nm, "series": "bench"}) for i, (pixels, nm) in enumerate(stream)
    ]
    # NDPluginZMQ has no end of series: a reset counter (the next acquisition) ends it
    return [*arrays, encode_array(stream[0][0], 0, {"series": "bench"})]


def _report_decoding(stream: list, frame_ms: float) -> None:
    """Each input format's decoding time per frame, against the time a frame takes in the
    pipeline (the sum of its stages' medians)."""
    ours = [[bytes(part) for part in encode_frame("bench", i, pixels, nm)] for i, (pixels, nm) in enumerate(stream[:8])]
    for input_format in ("edge", "dectris", "adzmq"):
        messages = _encoded(input_format, stream[:8]) if input_format != "edge" else ours
        times = []
        for _ in range(3):
            decoder = make_decoder(input_format, 1 << 30)
            started = time.perf_counter()
            for parts in messages:
                decoder(parts)
            times.append((time.perf_counter() - started) / len(stream[:8]))
        ms = 1e3 * statistics.median(times)
        print(
            f"  decoding {input_format:<8} {ms:6.2f} ms a frame ({100 * ms / frame_ms:.1f} % of its {frame_ms:.0f} ms)"
        )


def _stream(
    pipeline: Pipeline | None,
    stream: list,
    fps: float | None,
    queue_size: int,
    viewed: bool = False,
    input_format: str = "edge",
    dask: str | None = None,
    outstanding: int | None = None,
    service: dict | None = None,
) -> dict:
    """One run: ``stream`` as one series in ``input_format``, encoded before the clock starts
    and sent ``fps`` a second (None: as fast as taken) by ``_send``; ``viewed``: with the live
    viewer subscribed and one page reading all it sends;
    ``dask``: the frames analysed on the Dask cluster this names (``pipeline`` None), which the
    service connects (a local one: starts and warms) before the run's clock starts;
    ``outstanding`` (our format): a closed loop, each frame sent only while fewer than this many
    sent have been published, so no backlog builds up (``fps`` is then not used); ``service``:
    other service settings (``ordered``, ``track``)."""
    latencies, stages = [], {}
    gate = threading.Semaphore(outstanding) if outstanding else None

    def record(topic: str, body: dict) -> bool:
        if topic == "frame":
            if gate is not None:
                gate.release()
            latencies.append(body["latency_ms"])
            for stage, ms in body["stage_ms"].items():
                stages.setdefault(stage, []).append(ms)
        return topic == "series" and body["final"]

    config = ServiceConfig(queue_size=queue_size, summary_every=10**6, input_format=input_format, **(service or {}))
    if dask is not None:
        config = replace(config, dask=dask)
    encoded = _encoded(input_format, stream)
    with LoopbackService(config, pipeline) as running:
        viewer = ViewerThread(running.service.output_address).start() if viewed else None
        page = _Page(viewer.url) if viewer else None
        started = time.perf_counter()
        address = running.service.input_address
        sender = threading.Thread(target=_send, args=(running.context, address, encoded, fps, gate))
        sender.start()
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
        "first_frame_ms": sum(v[0] for v in stages.values() if v),
        "received": counts["received"],
        "processed": counts["processed"],
        "dropped": counts["dropped"],
        "errors": counts["errors"],
    }


def _send(
    context: zmq.Context, address: str, messages: list[list], fps: float | None, gate: threading.Semaphore | None
) -> None:
    """Send ``messages``, ``fps`` a second (None: as fast as taken); with ``gate``, each message
    between the first and the last waits for it (a frame lost without a result holds the sender
    at most ``GATE_TIMEOUT_S``). The stand-in detector shares this machine's cores with the
    service, which a real one does not: so its frames are encoded before the clock starts and
    sent without copying (``edge replay`` copies each frame into a fresh ZeroMQ message, which
    cost the bench's process about 400 page faults a 2 MB frame whenever frames were sent at once)."""
    socket = open_socket(context, zmq.PUSH, f"connect:{address}")
    socket.setsockopt(zmq.SNDHWM, 4)
    next_time = time.monotonic()
    for index, parts in enumerate(messages):
        if gate is not None and 0 < index < len(messages) - 1:
            gate.acquire(timeout=GATE_TIMEOUT_S)
        if fps:
            time.sleep(max(0.0, next_time - time.monotonic()))
            next_time += 1.0 / fps
        socket.send_multipart(parts, copy=False)  # the messages outlive the socket's sending: they are the caller's
    socket.close()


class _Page:
    """A page of the viewer, in a thread: reads everything the viewer sends until closed."""

    def __init__(self, url: str):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._read(url.replace("http", "ws") + "ws")))
        self._thread.start()

    async def _read(self, url: str) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
            while not self._stop.is_set():
                try:
                    await socket.receive(timeout=0.2)
                except TimeoutError:
                    continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _report(size: str, runs: dict[str, dict], frames: int) -> None:
    print(
        f"service on {size} frames ({frames} frames a run; frames/s: median of the rounds; latency: medians of as "
        "many rounds paced at 80 % of it; counts: summed over those):"
    )
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
        f"viewed/unviewed (uint16) {runs['ours uint16 viewed']['frames_per_s'] / ours:.2f}x, "
        f"DECTRIS bslz4/ours {runs['ours uint16 dectris']['frames_per_s'] / ours:.2f}x, "
        f"areaDetector/ours {runs['ours uint16 adzmq']['frames_per_s'] / ours:.2f}x, "
        f"ordered/as finished {runs['ours uint16 ordered']['frames_per_s'] / ours:.2f}x, "
        f"tracked/untracked {runs['ours uint16 tracked']['frames_per_s'] / ours:.2f}x, "
        f"with the scene classifier/without {runs['ours uint16 classified']['frames_per_s'] / ours:.2f}x"
    )
    print(
        f"  latency of publishing in order against as finished, both paced at 80 % of the latter's throughput: p50 "
        f"{runs['ours uint16 ordered']['p50_ms']:.0f} against {runs['ours uint16']['p50_ms']:.0f} ms, p99 "
        f"{runs['ours uint16 ordered']['p99_ms']:.0f} against {runs['ours uint16']['p99_ms']:.0f} ms; tracked: p50 "
        f"{runs['ours uint16 tracked']['p50_ms']:.0f}, p99 {runs['ours uint16 tracked']['p99_ms']:.0f} ms"
    )


def bench_presets(fps: float = 30.0, frames: int = 120, rounds: int = 2) -> dict:
    """Latency under moderate overload (uint16 samples sent at ``fps``, about twice what this
    machine analyses), the default settings against the ``live`` preset, in turns."""
    samples = [(frame.pixels.astype(np.uint16) * np.uint16(257), 0.474) for frame, _ in sample_frames()]
    stream = [samples[i % len(samples)] for i in range(frames)]
    pipeline = Pipeline.from_settings()
    runs: dict[str, list[dict]] = {"default": [], "live": []}
    for _ in range(rounds):
        for preset in runs:
            latencies: list[float] = []

            def record(topic: str, body: dict, latencies=latencies) -> bool:
                if topic == "frame":
                    latencies.append(body["latency_ms"])
                return topic == "series" and body["final"]

            with LoopbackService(load_config(preset=preset), pipeline) as running:
                sender = running.replay(stream, "bench", fps)
                running.receive_until(record, timeout_s=3600, keep=False)
                sender.join()
            counts = running.service.counters.snapshot()
            runs[preset].append({"p50_ms": statistics.median(latencies), "p99_ms": float(np.percentile(latencies, 99)),
                                 "processed": counts["processed"], "dropped": counts["dropped"]})  # fmt: skip
    print(f"latency under overload ({frames} uint16 1024x1024 frames sent at {fps:g} frames/s), {rounds} runs each:")
    for preset, results in runs.items():
        line = "; ".join(f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, {r['dropped']} dropped" for r in results)
        print(f"  {preset:<8} {line}")
    return runs
