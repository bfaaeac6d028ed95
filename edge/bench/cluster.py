"""``edge bench --service --dask local:N``: the service with its frames analysed on local Dask
clusters of 1 and N single-threaded worker processes, beside the in-process service, in one run.

Each variant streams the same uint16 frames as fast as they are taken (the queue holds them
all: throughput) in turns for ``rounds`` rounds, and reports the median; then it streams them
at 80 % of that (latency). A second throughput figure comes from a closed loop: each frame is
sent only while fewer than ``OUTSTANDING`` sent frames are without a result, as a camera whose
consumer keeps up would send them, so no backlog of frames builds up in the service's memory
(sent at once, 144 frames are 288 MB to receive and hold). Each run starts its own cluster,
warmed before the clock starts, and stops it after, so that no idle cluster shares the host
with the one being measured. The first frame's analysis time is reported beside the median, to
show that a new worker's first frame pays for no loading or compiling."""

import statistics

import numpy as np

from edge.bench.service import _stream
from edge.io.bundled import sample_frames
from edge.io.memory import keep_freed_memory
from edge.pipeline.pipeline import Pipeline

OUTSTANDING = 8  # closed loop: frames sent and still without a result, at most


def bench_cluster(max_workers: int, frames_per_run: int = 24, rounds: int = 3) -> dict:
    """Print and return frames/s, p50/p99 latency and the first frame's time of each variant."""
    keep_freed_memory()  # as edge serve does, before this process's threads (ZeroMQ's among them) first allocate
    samples = [(frame.pixels.astype(np.uint16) * np.uint16(257), 0.474) for frame, _ in sample_frames()]
    stream = [samples[i % len(samples)] for i in range(frames_per_run)]
    pipeline = Pipeline.from_settings()
    _stream(pipeline, stream[:4], None, 4)  # the process's first-run costs, untimed
    counts = sorted({1, max_workers})
    variants = {"in-process (2 threads)": None, **{f"dask, {n} worker{'s' * (n > 1)}": f"local:{n}" for n in counts}}
    throughputs: dict[str, list[float]] = {name: [] for name in variants}
    closed_loop: dict[str, list[float]] = {name: [] for name in variants}
    first_ms: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, dask in variants.items():
            run = _stream(pipeline if dask is None else None, stream, None, len(stream), dask=dask)
            throughputs[name].append(run["frames_per_s"])
            first_ms[name].append(run["first_frame_ms"])
            run = _stream(pipeline if dask is None else None, stream, None, len(stream), dask=dask,
                          outstanding=OUTSTANDING)  # fmt: skip
            closed_loop[name].append(run["frames_per_s"])
    results = {}
    for name, dask in variants.items():
        fps = statistics.median(throughputs[name])
        paced = _stream(pipeline if dask is None else None, stream, 0.8 * fps, 8, dask=dask)
        results[name] = {
            **paced,
            "frames_per_s": fps,
            "rounds": throughputs[name],
            "closed_loop_frames_per_s": statistics.median(closed_loop[name]),
            "closed_loop_rounds": closed_loop[name],
            "first_ms": first_ms[name],
        }
    _report(results, frames_per_run, rounds)
    return results


def _report(results: dict[str, dict], frames: int, rounds: int) -> None:
    print(f"service on 1024x1024 uint16 frames, {frames} a run; frames/s: median of {rounds} rounds in turns; "
          "latency at 80 % of it:")  # fmt: skip
    for name, run in results.items():
        rounds_text = ", ".join(f"{fps:.2f}" for fps in run["rounds"])
        first = ", ".join(f"{ms:.0f}" for ms in run["first_ms"])
        print(
            f"  {name:<24} {run['frames_per_s']:6.2f} frames/s ({rounds_text})   p50 {run['p50_ms']:6.0f} ms   "
            f"p99 {run['p99_ms']:6.0f} ms   analysis of a frame: median {sum(run['stage_ms'].values()):.0f} ms, "
            f"first frame of each run {first} ms   dropped {run['dropped']} errors {run['errors']}"
        )
    print(f"  closed loop (at most {OUTSTANDING} frames without a result), frames/s: median of {rounds} rounds:")
    for name, run in results.items():
        rounds_text = ", ".join(f"{fps:.2f}" for fps in run["closed_loop_rounds"])
        print(f"  {name:<24} {run['closed_loop_frames_per_s']:6.2f} frames/s ({rounds_text})")
    names = list(results)
    dask = [name for name in names if name.startswith("dask")]
    if len(dask) == 2:
        for label, key in (("frames sent at once", "frames_per_s"), ("closed loop", "closed_loop_frames_per_s")):
            one, many = (results[name][key] for name in dask)
            print(f"  scaling, {label}: {dask[1]} / {dask[0]} = {many / one:.2f}x")
    print(f"  {dask[0]} / in-process: {results[dask[0]]['frames_per_s'] / results[names[0]]['frames_per_s']:.2f}x")
