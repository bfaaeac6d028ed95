"""``edge serve``: the live service, frames in over ZeroMQ and defect statistics out."""

import argparse
import sys
import threading
from pathlib import Path

from edge.cli.options import add_pipeline_options, given_pipeline_options, pixel_size_nm
from edge.live.inputs import INPUT_FORMATS
from edge.live.service.config import PRESETS

NAME = "serve"
HELP = "the live service: frames in over ZeroMQ, defect statistics out"
DESCRIPTION = (
    "Receive frames (PULL or SUB), run detect -> screen -> measure on worker threads and publish "
    "per-frame results, series summaries and a status heartbeat on a PUB socket. Endpoints take "
    "'bind:' or 'connect:' before the address (bare addresses are bound). SIGINT/SIGTERM stop it cleanly. "
    "See docs/protocol.md and deploy/edge.toml."
)
STATUS_WAIT_S = 30.0  # --files: how long to wait for the service's first status before the files flow unheard
# the flags that set a ServiceConfig entry of the same name (the pipeline's are generated)
SERVICE_FLAGS = (
    "input", "output", "input_socket", "input_format", "workers", "queue_size", "keep", "pixel_size_nm", "dask",
    "record", "record_format", "viewer", "ordered", "track",
)  # fmt: skip


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--in", dest="input", help="input endpoint (default: bind:tcp://127.0.0.1:5555; bind:tcp://*:5555 for all)"
    )
    parser.add_argument(
        "--out",
        dest="output",
        help="output endpoint (default: bind:tcp://127.0.0.1:5556; bind:tcp://*:5556 for all)",
    )
    parser.add_argument("--config", type=Path, help="TOML file with any of the settings")
    parser.add_argument("--input-socket", choices=("pull", "sub"), help="input socket type (default: pull)")
    parser.add_argument(
        "--in-format",
        dest="input_format",
        choices=INPUT_FORMATS,
        help="what the input speaks: edge (ours, default), dectris (SIMPLON Stream V2), adzmq (areaDetector)",
    )
    parser.add_argument("--workers", type=int, help="worker threads (default: 2)")
    parser.add_argument("--queue-size", type=int, help="frames waiting at most (default: 8)")
    parser.add_argument("--keep", choices=("newest", "oldest"), help="when the queue is full (default: newest)")
    parser.add_argument(
        "--pixel-size", dest="pixel_size_nm", type=pixel_size_nm, metavar="NM", help="fallback pixel size"
    )
    parser.add_argument(
        "--ordered",
        action="store_const",
        const=True,
        help="publish frames in the order they came in: a frame done early waits for earlier ones (docs/protocol.md)",
    )
    parser.add_argument(
        "--track",
        action="store_const",
        const=True,
        help="follow each loop from frame to frame: a track id per defect, the drift per frame, and tracks born, "
        "ended and their growth rates per series (implies --ordered; docs/protocol.md)",
    )
    add_pipeline_options(parser)
    parser.add_argument(
        "--files",
        nargs="+",
        type=Path,
        metavar="IMAGE",
        help="instead of the input socket: these image files as one series 'files'; ends when they are done",
    )
    parser.add_argument(
        "--viewer", metavar="HOST:PORT", help="also serve the live page here (loopback unless --allow-remote)"
    )
    parser.add_argument("--allow-remote", action="store_true", help="let --viewer name a host other than loopback")
    parser.add_argument(
        "--dask",
        metavar="SCHEDULER|local[:N]",
        help="analyse each frame as a task on a Dask cluster (a scheduler's address, or N local single-threaded "
        "worker processes); ingest, ordering and publishing stay here (docs/scaling.md)",
    )
    parser.add_argument(
        "--record",
        metavar="DIR",
        help="write each series' tables as it runs: DIR/<time>-<series>.defects.<format> and .images.<format>",
    )
    parser.add_argument("--record-format", choices=("parquet", "csv"), help="tables for --record (default: parquet)")
    parser.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        help="named settings under the file and flags: live = queue of 1 keeping the newest frame (lowest latency)",
    )


def run(args: argparse.Namespace) -> int:
    import signal

    from edge.live.inputs.files import FileSource
    from edge.live.service.config import load_config
    from edge.live.service.wiring import Service

    overrides = {name: getattr(args, name) for name in SERVICE_FLAGS}
    config = load_config(args.config, args.preset, given_pipeline_options(args), **overrides)
    listening = threading.Event()  # --files: the files flow once their results are heard
    source = FileSource(args.files, "files", config.pixel_size_nm, listening) if args.files else None
    service = Service(config, source=source)
    print("loading models and compiling kernels ...", flush=True)
    service.start()
    print(f"ready: frames in on {service.input_address}, statistics out on {service.output_address}", flush=True)
    printer = None
    if args.files:
        names = [path.name for path in args.files]
        printer = threading.Thread(target=_print_results, args=(_local(service.output_address), names, listening))
        printer.start()
    if service.offload is not None:
        print(f"frames analysed on the Dask cluster at {service.offload.cluster.address}", flush=True)
    viewer = None
    if config.viewer:
        from edge.live.viewer.server import ViewerThread, check_listen

        viewer = ViewerThread(_local(service.output_address), *check_listen(config.viewer, args.allow_remote)).start()
        print(f"viewer on {viewer.url}", flush=True)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: service.stop())
    service.wait()
    if printer is not None:
        printer.join()
    if viewer is not None:
        viewer.stop()
    if service.fault:
        print(f"edge serve: failed: {service.fault}; {service.counters.snapshot()}", file=sys.stderr, flush=True)
        return 1
    print(f"stopped: {service.counters.snapshot()}", flush=True)
    return 0


def _print_results(address: str, names: list[str], listening: threading.Event) -> None:
    """Subscribe to the service's results at ``address``; once the first status shows the
    subscription stands, set ``listening`` (the files start to flow); then print a line per
    file's frame and the series summary, until the final summary or the service's last status."""
    import zmq

    from edge.live.lines import frame_line, series_line
    from edge.live.loopback import receive_until

    subscriber = zmq.Context.instance().socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.setsockopt(zmq.LINGER, 0)
    subscriber.connect(address)

    def show(topic: str, body: dict) -> bool:
        if topic == "frame":
            print(frame_line(body, len(names), names[body["frame"] - 1]), flush=True)
        elif topic == "series":
            print(series_line(body), flush=True)
        return (topic == "series" and body["final"]) or (topic == "status" and body["state"] in ("stopped", "failed"))

    try:
        receive_until(subscriber, lambda topic, body: topic == "status", timeout_s=STATUS_WAIT_S)
        listening.set()
        receive_until(subscriber, show, timeout_s=float("inf"), keep=False)
    except TimeoutError:
        print(f"no status from the service within {STATUS_WAIT_S:g} s: results will not be printed", flush=True)
    finally:
        listening.set()
        subscriber.close()


def _local(address: str) -> str:
    """The address a process on this machine connects to for ``address`` (``*`` is every interface)."""
    return address.replace("://0.0.0.0:", "://127.0.0.1:").replace("://*:", "://127.0.0.1:")
