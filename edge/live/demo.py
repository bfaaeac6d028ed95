"""``edge demo``: the bundled sample frames replayed through the live service, with the
statistics it publishes printed as they arrive. Ends by itself."""

from edge.io.bundled import sample_paths
from edge.live.inputs.native_sim import load_frames
from edge.live.lines import frame_line, series_line
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.live.viewer.server import ViewerThread, check_listen

DEMO_PIXEL_SIZE_NM = 0.474  # what the study's own code used for its 300kx frames; for the demo only


def run_demo(repeats: int = 2, fps: float = 2.0, timeout_s: float = 300.0, viewer: str = "127.0.0.1:0") -> int:
    """Replay the samples ``repeats`` times as one series; print frames and summaries, and serve
    the live page on ``viewer`` (HOST:PORT on loopback; empty for none)."""
    print("starting the service: loading models, compiling kernels ...", flush=True)
    frames = load_frames(sample_paths(), DEMO_PIXEL_SIZE_NM) * repeats
    with LoopbackService(ServiceConfig(summary_every=3)) as running:
        page = ViewerThread(running.service.output_address, *check_listen(viewer)).start() if viewer else None
        if page is not None:
            print(f"live page: {page.url}", flush=True)
        print(f"service ready; replaying {len(frames)} frames at {fps:g} fps (pixel size {DEMO_PIXEL_SIZE_NM} nm)")
        sender = running.replay(frames, "demo", fps)

        def show(topic: str, body: dict) -> bool:
            if topic == "frame":
                print(frame_line(body, len(frames)), flush=True)
            elif topic == "series":
                print(series_line(body), flush=True)
            return topic == "series" and body["final"]

        try:
            running.receive_until(show, timeout_s)
            finished = True
        except TimeoutError as error:
            print(f"the demo did not finish: {error}")
            finished = False
        sender.join()
        if page is not None:
            page.stop()
    status = running.service.counters.snapshot()
    print(f"done: {status['processed']} frames processed, {status['dropped']} dropped, {status['errors']} errors")
    return 0 if finished else 1
