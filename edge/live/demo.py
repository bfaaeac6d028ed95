"""``edge demo``: the bundled sample frames replayed through the live service, with the
statistics it publishes printed as they arrive. Ends by itself."""

import threading
import time

import zmq

from edge.io.bundled import sample_paths
from edge.live.config import ServiceConfig
from edge.live.protocol import read_publication
from edge.live.replay import load_frames, replay
from edge.live.service import Service

DEMO_PIXEL_SIZE_NM = 0.474  # what the study's own code used for its 300kx frames; for the demo only


def run_demo(repeats: int = 2, fps: float = 2.0, timeout_s: float = 300.0) -> int:
    """Replay the samples ``repeats`` times as one series; print frames and summaries."""
    context = zmq.Context.instance()
    config = ServiceConfig(input="bind:tcp://127.0.0.1:*", output="bind:tcp://127.0.0.1:*", summary_every=3)
    print("starting the service: loading models, compiling kernels ...", flush=True)
    service = Service(config, context=context).start()
    subscriber = context.socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.connect(service.output_address)
    _wait_for_status(subscriber)
    frames = load_frames(sample_paths(), DEMO_PIXEL_SIZE_NM) * repeats
    print(f"service ready; replaying {len(frames)} frames at {fps:g} fps (pixel size {DEMO_PIXEL_SIZE_NM} nm)")
    sender = threading.Thread(target=replay, args=(frames, f"connect:{service.input_address}", "demo", fps))
    sender.start()
    deadline = time.monotonic() + timeout_s
    final = None
    while final is None and time.monotonic() < deadline:
        if not subscriber.poll(500):
            continue
        topic, body = read_publication(subscriber.recv_multipart())
        if topic == "frame":
            print(_frame_line(body, len(frames)), flush=True)
        elif topic == "series":
            print(_series_line(body), flush=True)
            final = body if body["final"] else None
    sender.join()
    service.stop()
    service.wait()
    status = service.counters.snapshot()
    print(f"done: {status['processed']} frames processed, {status['dropped']} dropped, {status['errors']} errors")
    subscriber.close()
    return 0 if final is not None else 1


def _wait_for_status(subscriber: zmq.Socket) -> None:
    while True:
        if subscriber.poll(2000) and read_publication(subscriber.recv_multipart())[0] == "status":
            return


def _frame_line(body: dict, total: int) -> str:
    size = f"{body['mean_diameter_nm']:.1f} ± {body['std_diameter_nm']:.1f} nm" if body["count"] else "-"
    density = f"{body['density_per_um2']:.0f}/µm²" if body["density_per_um2"] is not None else ""
    stages = " ".join(f"{k} {v:.0f}" for k, v in body["stage_ms"].items() if k != "classify" or v >= 0.5)
    return (
        f"frame {body['frame'] + 1:3d}/{total}: {body['count']:3d} loops, diameter {size}, {density}; "
        f"latency {body['latency_ms']:.0f} ms ({stages} ms)"
    )


def _series_line(body: dict) -> str:
    label = "final" if body["final"] else "running"
    size = f"{body['mean_diameter_nm']:.1f} ± {body['std_diameter_nm']:.1f} nm" if body["count"] else "-"
    return f"  series '{body['series']}' ({label}): {body['frames']} frames, {body['count']} loops, diameter {size}"
