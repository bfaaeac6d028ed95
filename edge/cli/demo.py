"""``edge demo``: the live service on the bundled sample frames, with its live page."""

import argparse

NAME = "demo"
HELP = "the live service on the bundled sample frames: replay -> service -> live statistics"
DESCRIPTION = (
    "Starts the service on loopback, replays the bundled sample frames into it as one series "
    "and prints the statistics it publishes as they arrive; ends by itself."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=2, help="times the samples are replayed (default: 2)")
    parser.add_argument("--fps", type=float, default=2.0, help="replay rate, frames per second (default: 2)")
    parser.add_argument(
        "--viewer", default="127.0.0.1:0", metavar="HOST:PORT", help="the live page (default: a free loopback port)"
    )


def run(args: argparse.Namespace) -> int:
    from edge.live.demo import run_demo

    return run_demo(args.repeats, args.fps, viewer=args.viewer)
