"""The service's client side, for acquisition software and integrators: send frames, read results.

This module needs only pyzmq, msgpack and NumPy, so that it runs inside a microscope program's
own Python (Gatan DigitalMicrograph, SerialEM): where the ``edge`` package cannot be installed
there, copy this one file beside the script as ``edge_client.py``. docs/protocol.md is the
contract it follows.

Examples
--------
Send a series::

    sender = FrameSender("tcp://analysis-pc:5555")
    sender.start_series("grain-3", pixel_size_nm=0.474)
    sender.send(image)                      # a 2-D uint8, uint16 or float32 array
    sender.end_series()

Read what the service publishes::

    for update in results("tcp://analysis-pc:5556"):
        if isinstance(update, FrameUpdate):
            print(update.frame, update.count, update.mean_diameter_nm)
"""

import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import msgpack
import numpy as np
import zmq

PROTOCOL = 1  # the protocol version this client speaks (edge.live.inputs.messages.PROTOCOL; kept here so
# that this file works alone)


def encode_series_start(series: str, pixel_size_nm: float | None = None, metadata: dict | None = None) -> list[bytes]:
    """[header] of a series_start."""
    header = {"htype": "series_start", "protocol": PROTOCOL, "series": series, "metadata": metadata or {}}
    if pixel_size_nm is not None:
        header["pixel_size_nm"] = pixel_size_nm
    return [msgpack.packb(header)]


def encode_frame(
    series: str, frame: int, pixels: np.ndarray, pixel_size_nm: float | None = None, timestamp: float | None = None
) -> list:
    """[header, pixels] of a frame; the pixel buffer is sent as is (C order)."""
    pixels = np.ascontiguousarray(pixels)
    header = {"htype": "frame", "protocol": PROTOCOL, "series": series, "frame": frame}
    header |= {"shape": list(pixels.shape), "dtype": str(pixels.dtype)}
    if pixel_size_nm is not None:
        header["pixel_size_nm"] = pixel_size_nm
    if timestamp is not None:
        header["timestamp"] = timestamp
    return [msgpack.packb(header), pixels]


def encode_series_end(series: str) -> list[bytes]:
    """[header] of a series_end."""
    return [msgpack.packb({"htype": "series_end", "protocol": PROTOCOL, "series": series})]


def read_publication(parts: list[bytes]) -> tuple[str, dict]:
    """The topic and body of a published message."""
    return parts[0].decode(), msgpack.unpackb(parts[1], raw=False)


class FrameSender:
    """Frames to a service over a PUSH socket. ``send`` blocks while the service's input is full
    (at most ``high_water_mark`` messages wait here), so a sender never grows without bound."""

    def __init__(self, endpoint: str, context: zmq.Context | None = None, high_water_mark: int = 4):
        self._context = context or zmq.Context.instance()
        self._socket = self._context.socket(zmq.PUSH)
        self._socket.setsockopt(zmq.SNDHWM, high_water_mark)
        self._socket.setsockopt(zmq.LINGER, 2000)
        self._socket.connect(endpoint)
        self.series: str | None = None
        self.next_frame = 1

    def start_series(self, series: str, pixel_size_nm: float | None = None, metadata: dict | None = None) -> None:
        """Begin a series (ending the one open, if any); frames are numbered from 1, as a
        microscopist counts them."""
        if self.series is not None:
            self.end_series()
        self._socket.send_multipart(encode_series_start(series, pixel_size_nm, metadata))
        self.series, self.next_frame = series, 1

    def send(self, pixels: np.ndarray, pixel_size_nm: float | None = None) -> int:
        """Send one frame of the open series; returns its frame id."""
        if self.series is None:
            raise RuntimeError("start_series first")
        frame = self.next_frame
        self._socket.send_multipart(encode_frame(self.series, frame, pixels, pixel_size_nm, time.time()))
        self.next_frame += 1
        return frame

    def end_series(self) -> None:
        if self.series is not None:
            self._socket.send_multipart(encode_series_end(self.series))
            self.series = None

    def close(self) -> None:
        self.end_series()
        self._socket.close()


NM_PER_UNIT = {"nm": 1.0, "µm": 1e3, "um": 1e3, "μm": 1e3, "Å": 0.1, "A": 0.1, "pm": 1e-3}


def pixel_size_nm(scale: float, unit: str) -> float | None:
    """A calibration (``scale`` ``unit`` per pixel, as microscope programs give it) in nm; None
    for a unit that is not a length or a scale that is not > 0 (an uncalibrated image)."""
    factor = NM_PER_UNIT.get(str(unit).strip())
    return scale * factor if factor is not None and scale > 0 else None


class LatestFrameForwarder:
    """Sends each new frame that a microscope program shows: call ``poll`` as often as frames
    may come. ``read_frame`` returns the shown frame and its pixel size in nm (or None when there
    is none); a frame equal to the last one sent is not sent again."""

    def __init__(self, sender: FrameSender, read_frame: Callable[[], tuple[np.ndarray, float | None] | None]):
        self._sender, self._read_frame = sender, read_frame
        self._last: int | None = None

    def poll(self) -> bool:
        """Send the shown frame if it is new; whether one was sent."""
        shown = self._read_frame()
        if shown is None:
            return False
        pixels, size_nm = shown
        fingerprint = zlib.crc32(np.ascontiguousarray(pixels).view(np.uint8).ravel())
        if fingerprint == self._last:
            return False
        self._last = fingerprint
        self._sender.send(pixels, size_nm)
        return True

    def run(self, period_s: float, should_stop: Callable[[], bool]) -> int:
        """``poll`` every ``period_s`` until ``should_stop``; the number of frames sent."""
        sent = 0
        while not should_stop():
            sent += self.poll()
            time.sleep(period_s)
        return sent


def forward(
    read_frame: Callable[[], tuple[np.ndarray, float | None] | None],
    endpoint: str,
    series: str,
    period_s: float,
    should_stop: Callable[[], bool],
) -> int:
    """Send each new frame ``read_frame`` shows, as one series, until ``should_stop``: what a
    sender script of a microscope program runs. Returns the number of frames sent."""
    sender = FrameSender(endpoint)
    sender.start_series(series)
    try:
        return LatestFrameForwarder(sender, read_frame).run(period_s, should_stop)
    finally:
        sender.close()


@dataclass(frozen=True)
class FrameUpdate:
    """One processed frame's statistics (``defects`` as the service sent them)."""

    series: str
    frame: int
    count: int | None
    mean_diameter_nm: float | None
    std_diameter_nm: float | None
    density_per_um2: float | None
    mean_diameter_px: float | None
    latency_ms: float
    defects: list = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class SeriesUpdate:
    """A series' running or final (``final``) summary."""

    series: str
    frames: int
    count: int
    mean_diameter_nm: float | None
    std_diameter_nm: float | None
    density_per_um2: float | None
    final: bool


@dataclass(frozen=True)
class StatusUpdate:
    """The service's heartbeat: its state and counters."""

    state: str
    received: int
    processed: int
    dropped: int
    errors: int
    queue_depth: int


Update = FrameUpdate | SeriesUpdate | StatusUpdate
_TYPES = {"frame": FrameUpdate, "series": SeriesUpdate, "status": StatusUpdate}


def as_update(topic: str, body: dict) -> Update | None:
    """The typed update for one published message; None for topics it does not type (preview)."""
    kind = _TYPES.get(topic)
    if kind is None:
        return None
    return kind(**{name: body.get(name) for name in kind.__dataclass_fields__})


def results(
    endpoint: str,
    topics: tuple[str, ...] = ("frame", "series", "status"),
    timeout_s: float | None = None,
    context: zmq.Context | None = None,
) -> Iterator[Update]:
    """Typed updates from a service's PUB socket at ``endpoint``, as they come; ends after
    ``timeout_s`` without any (None: never)."""
    socket = (context or zmq.Context.instance()).socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    for topic in topics:
        socket.setsockopt(zmq.SUBSCRIBE, topic.encode())
    socket.connect(endpoint)
    try:
        while socket.poll(None if timeout_s is None else round(1000 * timeout_s)):
            update = as_update(*read_publication(socket.recv_multipart()))
            if update is not None:
                yield update
    finally:
        socket.close()


def watch(endpoint: str, callback: Callable[[Update], bool | None], **options) -> None:
    """Call ``callback`` with each update until it returns True (or ``results`` ends)."""
    for update in results(endpoint, **options):
        if callback(update):
            return
