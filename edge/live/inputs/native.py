"""Our own wire format, in: multipart ZeroMQ messages, a msgpack header then (for frames) raw
pixels ([header] for ``series_start`` and ``series_end``; [header, pixels] for ``frame``). See
docs/protocol.md; ``edge.live.client`` sends it, ``edge.live.inputs.native_sim`` replays files in it."""

import math

import msgpack
import numpy as np

from edge.io.images import MIN_FRAME_SIDE
from edge.live.inputs.messages import (
    MAX_FRAME_ID,
    PIXEL_TYPES,
    PROTOCOL,
    FrameMessage,
    Message,
    ProtocolError,
    SeriesEnd,
    SeriesStart,
)


def decode(parts: list[bytes], max_frame_bytes: int) -> Message:
    """Decode one multipart message; raises ProtocolError for anything malformed."""
    if not parts:
        raise ProtocolError("empty", "empty message")
    try:
        header = msgpack.unpackb(parts[0], raw=False)
    except Exception as error:  # msgpack raises several types for garbage
        raise ProtocolError("header", f"header is not msgpack ({type(error).__name__})") from error
    if not isinstance(header, dict):
        raise ProtocolError("header", "header is not a map")
    kind = header.get("htype")
    version = header.get("protocol", PROTOCOL)
    if version != PROTOCOL or isinstance(version, bool):
        raise ProtocolError("protocol", f"{kind}: protocol {version!r} is not one this service speaks ({PROTOCOL})")
    series = header.get("series")
    if not isinstance(series, str) or not series:
        raise ProtocolError("series", f"{kind}: 'series' {series!r} is not a non-empty string")
    if kind in ("series_start", "series_end") and len(parts) != 1:
        raise ProtocolError("parts", f"{kind}: expected 1 part (the header), got {len(parts)}")
    if kind == "series_start":
        metadata = header.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ProtocolError("metadata", f"series_start: 'metadata' is a {type(metadata).__name__}, not a map")
        return SeriesStart(series, _pixel_size(header), metadata)
    if kind == "series_end":
        return SeriesEnd(series)
    if kind == "frame":
        return _frame(header, series, parts, max_frame_bytes)
    raise ProtocolError("htype", f"unknown htype {kind!r}")


def _frame(header: dict, series: str, parts: list[bytes], max_frame_bytes: int) -> FrameMessage:
    if len(parts) != 2:
        raise ProtocolError("parts", f"frame: expected 2 parts (header, pixels), got {len(parts)}")
    frame_id, shape, dtype = header.get("frame"), header.get("shape"), header.get("dtype")
    if not isinstance(frame_id, int) or isinstance(frame_id, bool) or not 0 <= frame_id <= MAX_FRAME_ID:
        raise ProtocolError("frame_id", f"frame: 'frame' {frame_id!r} is not an integer from 0 to 2^63 - 1")
    pixel_type = _pixel_type(dtype)
    if not (isinstance(shape, list | tuple) and len(shape) == 2 and all(_is_count(n) for n in shape)):
        raise ProtocolError("shape", f"frame: shape {shape!r} is not [height, width]")
    if min(shape) < MIN_FRAME_SIDE:
        raise ProtocolError("too_small", f"frame: shape {shape!r} is under {MIN_FRAME_SIDE} px on a side")
    expected = shape[0] * shape[1] * pixel_type.itemsize
    if expected > max_frame_bytes:
        raise ProtocolError("too_large", f"frame: {expected} bytes is over the limit of {max_frame_bytes}")
    if len(parts[1]) != expected:
        raise ProtocolError(
            "pixels", f"frame: {len(parts[1])} bytes of pixels for shape {shape} {dtype} ({expected} expected)"
        )
    timestamp = header.get("timestamp")
    if timestamp is not None and not (_is_number(timestamp) and math.isfinite(timestamp)):
        raise ProtocolError("timestamp", f"frame: 'timestamp' {timestamp!r} is not a finite number")
    pixels = np.frombuffer(parts[1], pixel_type).reshape(shape)
    if not pixel_type.isnative:
        pixels = pixels.astype(pixel_type.newbyteorder("="))  # the pipeline's kernels take native order
    return FrameMessage(series, frame_id, pixels, _pixel_size(header), timestamp)


def _pixel_type(dtype) -> np.dtype:
    """The pixels' type from the header's ``dtype``: uint8, uint16 or float32 in any NumPy
    spelling; little-endian unless the spelling says ``>`` (big-endian)."""
    try:
        pixel_type = np.dtype(dtype) if isinstance(dtype, str) else None
    except (TypeError, ValueError):
        pixel_type = None
    if pixel_type is not None and pixel_type.byteorder == "=":  # "uint16", "u2": no order named
        pixel_type = pixel_type.newbyteorder("<")
    if pixel_type is None or pixel_type.newbyteorder("<") not in PIXEL_TYPES:
        raise ProtocolError("dtype", f"frame: dtype {dtype!r} is not uint8, uint16 or float32 ('uint16', '<u2', '>u2')")
    return pixel_type


def _pixel_size(header: dict) -> float | None:
    value = header.get("pixel_size_nm")
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        raise ProtocolError("pixel_size", f"pixel_size_nm {value!r} is not a positive finite number")
    return float(value)


def _is_count(value) -> bool:
    """An int that is not a bool (msgpack's true is a Python bool, which is an int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
