"""``edge bench``: the stages and the service timed against baselines in the same run."""

import argparse

from edge.live.service.config import PRESETS

NAME = "bench"
HELP = "benchmark the stages: measurement kernel against its baselines, cascade detection per frame"
DESCRIPTION = (
    "Times the Numba flood, skimage.segmentation.watershed and cv2.watershed on the same "
    "crops of the bundled sample frames (medians and ratios measured in this run), the whole measuring "
    "stage per frame on the samples' labelled boxes, the cascade's "
    "detection time per 1024x1024 and 2048x2048 frame, the screening of a frame's candidates in one "
    "batched call against one call per crop, and the scene classification time per frame."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--crops", type=int, default=100, help="number of crops (default: 100)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats (default: 15)")
    parser.add_argument(
        "--service", action="store_true", help="also run the whole service through real sockets, ours against baselines"
    )
    parser.add_argument(
        "--frames",
        type=int,
        help="frames per service run; more give a steadier figure (default: 48; with --dask 144, since a cluster's "
        "workers take a few frames to fill)",
    )
    parser.add_argument(
        "--dask",
        metavar="local:N",
        help="with --service, instead of the stages: the service on local Dask clusters of 1 and N single-threaded "
        "worker processes beside the in-process service (frames/s, p50/p99 latency, the scaling from 1 to N)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="--service: throughput runs of each variant, in turns (default: 3)"
    )
    parser.add_argument(
        "--soak",
        type=float,
        metavar="MINUTES",
        help="instead: a mixed stream of frames and every kind of malformed message against the service for "
        "MINUTES; reports RSS at the start, middle and end, latency and whether the accounting is exact",
    )
    parser.add_argument("--preset", choices=tuple(PRESETS), default="default", help="service settings for --soak")
    parser.add_argument(
        "--presets",
        action="store_true",
        help="instead: latency under moderate overload, the default settings against the live preset",
    )


def run(args: argparse.Namespace) -> int:
    if args.presets:
        from edge.bench.service import bench_presets

        bench_presets()
        return 0
    if args.soak is not None:
        from edge.bench.soak import bench_soak

        report = bench_soak(args.soak, **PRESETS.get(args.preset, {}))
        return 0 if report["exact"] else 1
    from edge.bench.stages import (
        bench_classification,
        bench_detection,
        bench_measurement,
        bench_orientation,
        bench_screening,
        bench_watershed,
    )

    if args.dask:
        import re

        match = re.fullmatch(r"local:(\d+)", args.dask)
        if not args.service or not match or int(match.group(1)) < 1:
            raise ValueError("--dask takes local:N (N >= 1) and goes with --service")
        from edge.bench.cluster import bench_cluster

        bench_cluster(int(match.group(1)), args.frames or 144, args.rounds)
        return 0
    bench_watershed(args.crops, args.repeats)
    bench_measurement(args.repeats)
    bench_detection(args.repeats)
    bench_screening(max(3, args.repeats // 3))
    bench_orientation(max(3, args.repeats // 3))
    bench_classification(args.repeats)
    if args.service:
        from edge.bench.service import bench_service

        bench_service(args.frames or 48, args.rounds)
    return 0
