"""``edge bench --soak MINUTES``: a mixed stream against the service for a while, then its memory,
latency and accounting.

Each round opens a series, sends real frames (the samples as uint16) and one malformed message of
every kind the protocol rejects (``MALFORMED``), then ends the series. The sender blocks when the
service's input is full (ZeroMQ's high-water mark), so the service runs at its capacity and its
queue policy decides what is dropped. RSS is read at the start (after the warm-up) and at the end of
each quarter of the run; the accounting is exact when every message sent is counted: every frame processed,
dropped or failed, and every malformed message under its own reason.
"""

import statistics
import threading
import time
from collections import Counter

import msgpack
import numpy as np
import zmq

from edge.io.bundled import sample_frames
from edge.live.client import encode_frame, encode_series_end, encode_series_start
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.live.service.sockets import open_socket


def _malformed(series: str, pixels: np.ndarray) -> dict[str, list]:
    """One malformed message of each kind, by the reason the service should count it under."""
    frame_header = {"htype": "frame", "series": series, "frame": 0, "shape": [64, 64], "dtype": "uint8"}
    tile = np.zeros((64, 64), np.uint8).tobytes()
    return {
        "header": [b"\xc1 not msgpack"],
        "htype": [msgpack.packb({"htype": "frames", "series": series})],
        "series": [msgpack.packb({**frame_header, "series": 7}), tile],
        "parts": [*encode_series_end(series), b"extra"],
        "pixel_size": [msgpack.packb({"htype": "series_start", "series": series, "pixel_size_nm": float("nan")})],
        "frame_id": encode_frame(series, 2**64 - 1, pixels[:64, :64]),
        "dtype": [msgpack.packb({**frame_header, "dtype": "int64"}), tile],
        "shape": [msgpack.packb({**frame_header, "shape": [True, 4096]}), tile],
        "too_small": encode_frame(series, 1, np.zeros((1, 4096), np.uint8)),
        "pixels": [msgpack.packb(frame_header), tile[:-1]],
        "timestamp": [msgpack.packb({**frame_header, "timestamp": "noon"}), tile],
        "metadata": [msgpack.packb({"htype": "series_start", "series": series, "metadata": [1, 2]})],
        "stray_series_end": encode_series_end(f"{series}-never-started"),
    }


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def bench_soak(minutes: float, frames_per_series: int = 8, queue_size: int = 8, keep: str = "newest") -> dict:
    """Run the mixed stream for ``minutes``; print and return RSS, latency and accounting."""
    frames = [(frame.pixels.astype(np.uint16) * np.uint16(257)) for frame, _ in sample_frames()]
    latencies: list[float] = []
    sent: Counter = Counter()
    rss = {}
    config = ServiceConfig(queue_size=queue_size, keep=keep, summary_every=10**6, heartbeat_s=1.0)
    with LoopbackService(config) as running:
        rss["start"] = _rss_mb()
        socket = open_socket(running.context, zmq.PUSH, f"connect:{running.service.input_address}", linger_s=10)
        socket.setsockopt(zmq.SNDHWM, 4)  # the sender shares this process: its queue must not fill our RSS
        began = time.monotonic()
        stop_at = began + 60 * minutes
        quarters = [began + 15 * minutes * k for k in (1, 2, 3)]  # RSS read at each quarter's end
        finished = threading.Event()

        def collect() -> None:
            def record(topic: str, body: dict) -> bool:
                if topic == "frame":
                    latencies.append(body["latency_ms"])
                return topic == "status" and finished.is_set() and body["received"] == sent["counted"]

            running.receive_until(record, timeout_s=60 * minutes + 600, keep=False)  # RSS is read in this process

        collector = threading.Thread(target=collect)
        collector.start()
        rounds = 0
        while time.monotonic() < stop_at:
            series = f"soak-{rounds}"
            socket.send_multipart(encode_series_start(series, 0.474))
            for index in range(frames_per_series):
                socket.send_multipart(encode_frame(series, index, frames[(rounds + index) % len(frames)]))
                sent["frame"] += 1
            for reason, message in _malformed(series, frames[0]).items():
                socket.send_multipart(message)
                sent[reason] += 1
            socket.send_multipart(encode_series_end(series))
            rounds += 1
            if quarters and time.monotonic() >= quarters[0]:
                rss[f"quarter {4 - len(quarters)}"] = _rss_mb()
                quarters.pop(0)
        sent["counted"] = sum(count for kind, count in sent.items() if kind != "counted")
        finished.set()
        collector.join()
        socket.close()
        rss["quarter 4"] = _rss_mb()
    counts = running.service.counters.snapshot()
    expected = {reason: count for reason, count in sent.items() if reason not in ("frame", "counted")}
    rejected = {reason: counts["errors_by_reason"].get(reason, 0) for reason in expected}
    frames_accounted = counts["processed"] + counts["dropped"] + counts["errors_by_reason"].get("analysis", 0)
    later = [rss[f"quarter {k}"] for k in (2, 3, 4) if f"quarter {k}" in rss]
    growth = max(later) / rss["quarter 1"] - 1 if later and "quarter 1" in rss else None
    report = {
        "minutes": minutes,
        "rss_growth_after_first_quarter": growth,
        "rounds": rounds,
        "sent": dict(sent),
        "rss_mb": rss,
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": float(np.percentile(latencies, 99)) if latencies else None,
        "counts": counts,
        "exact": rejected == expected and frames_accounted == sent["frame"] and counts["received"] == sent["counted"],
    }
    print(
        f"soak: {minutes:g} min, {rounds} series, {sent['frame']} frames and {sum(expected.values())} malformed "
        f"messages sent ({len(expected)} kinds)\n"
        f"  RSS MB: {', '.join(f'{k} {v:.0f}' for k, v in rss.items())}; after the first quarter it grew at most "
        f"{'-' if growth is None else f'{100 * growth:.1f} %'}\n"
        f"  latency ms: p50 {report['p50_ms']:.0f}, p99 {report['p99_ms']:.0f} (queue {queue_size}, keep {keep})\n"
        f"  processed {counts['processed']}, dropped {counts['dropped']}, errors {counts['errors']}; "
        f"each malformed kind counted under its reason: {rejected == expected}; "
        f"accounting exact: {report['exact']}"
    )
    return report
