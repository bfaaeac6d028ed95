"""The simulator of our own wire format: a stand-in microscope streaming image files as one
series (``edge replay``), with the encoders of ``edge.live.client``."""

import itertools
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import zmq

from edge.io.images import read_frame
from edge.live.client import encode_frame, encode_series_end, encode_series_start
from edge.live.service.sockets import open_socket

FRAME_DTYPES = (np.uint8, np.uint16, np.float32)


def load_frames(paths: Sequence[Path], pixel_size_nm: float | None) -> list[tuple[np.ndarray, float | None]]:
    """Each file's pixels in a wire dtype (uint8, uint16 or float32) and its pixel size."""
    frames = []
    for path in paths:
        frame = read_frame(path, pixel_size_nm)
        pixels = frame.pixels if frame.pixels.dtype in FRAME_DTYPES else frame.pixels.astype(np.float32)
        frames.append((pixels, frame.pixel_size_nm))
    return frames


def replay(
    frames: list[tuple[np.ndarray, float | None]],
    endpoint: str,
    series: str,
    fps: float | None = None,
    loop: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    context: zmq.Context | None = None,
) -> int:
    """Send ``series_start``, the frames (``fps`` per second, or as fast as taken), numbered from 1
    as a microscopist counts them, and ``series_end``. Returns the number of frames sent."""
    socket = open_socket(context or zmq.Context.instance(), zmq.PUSH, endpoint, default="connect")
    socket.setsockopt(zmq.SNDHWM, 4)
    sizes = {size for _, size in frames if size is not None}
    socket.send_multipart(encode_series_start(series, sizes.pop() if len(sizes) == 1 else None, {"source": "replay"}))
    period = 1.0 / fps if fps else 0.0
    sent = 0
    next_time = time.monotonic()
    for pixels, pixel_size in itertools.cycle(frames) if loop else frames:
        if should_stop():
            break
        if period:
            time.sleep(max(0.0, next_time - time.monotonic()))
            next_time += period
        # copied into ZeroMQ's own message: a zero-copy send could outlive the array (at exit, say)
        sent += 1
        socket.send_multipart(encode_frame(series, sent, pixels, pixel_size, time.time()))
    socket.send_multipart(encode_series_end(series))
    socket.close()
    return sent
