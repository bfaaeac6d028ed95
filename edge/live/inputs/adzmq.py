"""EPICS areaDetector's NDPluginZMQ format (paulscherrerinstitute/ADZMQ) as a frame source: a
JSON header ``{"htype": "array-1.0", "type", "shape", "frame", "ndattr"}`` and the raw buffer.

The stream has no series messages: frames belong to the series that the NDAttribute ``series``
names, else to the configured one; a frame number that goes back (the IOC's counter was reset
for a new acquisition) ends that series and starts the next, named with a running number. The
pixel size comes from the NDAttribute ``pixel_size_nm``.
"""

import json
import math
from collections import OrderedDict

import numpy as np

from edge.io.images import MIN_FRAME_SIDE
from edge.live.inputs.messages import FrameMessage, Message, ProtocolError, SeriesEnd, SeriesStart

TYPES = {t: np.dtype(t) for t in ("int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64")}
PIXEL_SIZE_ATTRIBUTE = "pixel_size_nm"
SERIES_ATTRIBUTE = "series"
MAX_SERIES = 1024  # series names remembered (for their frame counters) at most


class AdzmqDecoder:
    """Decodes NDPluginZMQ messages into the service's messages; ``series`` names the frames'
    series when no NDAttribute does."""

    def __init__(self, max_frame_bytes: int, series: str = "adzmq"):
        self._max_frame_bytes = max_frame_bytes
        self._default_series = series
        # series name on the wire -> (restarts, last frame number), the least recently seen first
        self._series: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def __call__(self, parts: list) -> list[Message]:
        if len(parts) != 2:
            raise ProtocolError("parts", f"adzmq: expected 2 parts (JSON header, buffer), got {len(parts)}")
        try:
            header = json.loads(bytes(parts[0]))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ProtocolError("header", f"adzmq: header is not JSON ({error})") from error
        if not isinstance(header, dict) or not str(header.get("htype", "")).startswith("array"):
            raise ProtocolError("htype", f"adzmq: htype {header.get('htype') if isinstance(header, dict) else None!r}")
        dtype = TYPES.get(header.get("type"))
        if dtype is None:
            raise ProtocolError("dtype", f"adzmq: type {header.get('type')!r} not one of {sorted(TYPES)}")
        shape = header.get("shape")
        if not (isinstance(shape, list) and len(shape) == 2 and all(_count(n) for n in shape)):
            raise ProtocolError("shape", f"adzmq: shape {shape!r} is not [height, width]")
        if min(shape) < MIN_FRAME_SIDE:
            raise ProtocolError("too_small", f"adzmq: shape {shape} is under {MIN_FRAME_SIDE} px on a side")
        expected = shape[0] * shape[1] * dtype.itemsize
        if expected > self._max_frame_bytes:
            raise ProtocolError("too_large", f"adzmq: {expected} bytes is over the limit of {self._max_frame_bytes}")
        given = memoryview(parts[1]).nbytes
        if given != expected:
            raise ProtocolError("pixels", f"adzmq: {given} bytes for shape {shape} {dtype} ({expected} expected)")
        frame = header.get("frame")
        if not _count(frame) or frame >= 2**63:
            raise ProtocolError("frame_id", f"adzmq: frame {frame!r} is not an integer from 0 to 2^63 - 1")
        attributes = header.get("ndattr", {})
        if not isinstance(attributes, dict):
            raise ProtocolError("metadata", "adzmq: ndattr is not a map")
        size = attributes.get(PIXEL_SIZE_ATTRIBUTE)
        if size is not None and not (_number(size) and math.isfinite(size) and size > 0):
            raise ProtocolError("pixel_size", f"adzmq: ndattr {PIXEL_SIZE_ATTRIBUTE} {size!r} is not > 0")
        name = attributes.get(SERIES_ATTRIBUTE)
        name = name if isinstance(name, str) and name else self._default_series
        stamp = header.get("timeStamp")
        timestamp = float(stamp) if _number(stamp) and math.isfinite(stamp) else None
        pixels = np.frombuffer(parts[1], dtype).reshape(shape)
        messages: list[Message] = []
        restarts, last = self._series.pop(name, (0, -1))
        if frame <= last:  # the counter went back: a new acquisition
            messages.append(SeriesEnd(_numbered(name, restarts)))
            restarts += 1
            messages.append(SeriesStart(_numbered(name, restarts)))
        self._series[name] = (restarts, frame)
        if len(self._series) > MAX_SERIES:  # bounded, whatever names the senders use
            self._series.popitem(last=False)
        pixel_size = None if size is None else float(size)
        messages.append(FrameMessage(_numbered(name, restarts), frame, pixels, pixel_size, timestamp))
        return messages


def _numbered(name: str, restarts: int) -> str:
    return name if restarts == 0 else f"{name}-{restarts + 1}"


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
