"""``edge view``: a live web page of a running service's results."""

import argparse

NAME = "view"
HELP = "a live web page of a running service's results"
DESCRIPTION = (
    "Subscribe to a service's PUB socket (here or on another PC) and serve one page that shows the "
    "latest frame with its loops, the series' diameter histogram, count and density per frame, and the "
    "service's counters, updated live over a WebSocket."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="endpoint", default="tcp://127.0.0.1:5556", help="the service's output")
    parser.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT", help="(default: 127.0.0.1:8080)")
    parser.add_argument(
        "--allow-remote", action="store_true", help="let --listen name a host other than loopback (live data is shown)"
    )


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from edge.live.viewer.server import check_listen, make_app

    host, port = check_listen(args.listen, args.allow_remote)
    print(f"viewer of {args.endpoint} on http://{host}:{port}/", flush=True)
    web.run_app(make_app(args.endpoint), host=host, port=port, print=None)
    return 0
