"""``edge replay``: a stand-in microscope streaming image files to a service."""

import argparse
from pathlib import Path

from edge.cli.options import pixel_size_nm

NAME = "replay"
HELP = "a stand-in microscope: stream image files to a service as one series"
DESCRIPTION = "Send series_start, each image as a frame, then series_end, to a PUSH socket."


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="+", type=Path, help="image files")
    parser.add_argument("--to", required=True, help="endpoint of the service's input (default: connect)")
    parser.add_argument("--fps", type=float, help="frames per second (default: as fast as taken)")
    parser.add_argument("--loop", action="store_true", help="repeat the images until interrupted")
    parser.add_argument(
        "--pixel-size", type=pixel_size_nm, metavar="NM", help="pixel size in nm (overrides the files')"
    )
    parser.add_argument("--series", default="replay", help="series name (default: replay)")


def run(args: argparse.Namespace) -> int:
    import signal
    import threading

    import zmq

    from edge.live.inputs.native_sim import load_frames, replay

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    context = zmq.Context()
    frames = load_frames(args.images, args.pixel_size)
    sent = replay(frames, args.to, args.series, args.fps, args.loop, stop.is_set, context)
    context.term()  # waits (up to the sockets' linger) until what was queued has gone out
    print(f"sent {sent} frames as series {args.series!r}")
    return 0
