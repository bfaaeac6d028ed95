"""DECTRIS SIMPLON Stream V2 as a frame source: one CBOR map per message, ``start``, ``image`` or
``end`` (dectris/documentation, ``stream_v2/README.md`` and ``cbor/dectris-compression-tag.md``).

Image channels are RFC 8746 typed arrays (tag 40 around a typed-array tag: 64 uint8, 69 uint16
LE, 70 uint32 LE, ...), whose bytes may come compressed under tag 56500 (``bslz4`` or ``lz4``),
decoded with ``cbor2`` and ``dectris-compression``. A series is known by its
``series_unique_id``: images or an end of any other series than the one open (those of an
aborted series that arrive late, say) are rejected as ``stale_series``, never mixed in.
"""

import struct
from fractions import Fraction

import numpy as np

from edge.live.inputs.messages import FrameMessage, Message, ProtocolError, SeriesEnd, SeriesStart

TYPED_ARRAYS = {64: "u1", 65: ">u2", 66: ">u4", 68: "u1", 69: "<u2", 70: "<u4", 85: "<f4"}
ROW_MAJOR_ARRAY = 40
COMPRESSED = 56500
PIXEL_SIZE_KEY = "pixel_size_nm"  # in the start message's user_data: the specimen's pixel size


class DectrisDecoder:
    """Decodes Stream V2 messages into the service's messages.

    Parameters
    ----------
    max_frame_bytes : int
        Largest image accepted, decompressed.
    channel : str
        The image channel to analyse; empty: the first one of each image (the start message's
        ``channels`` order, ``threshold_1`` on a single-threshold detector).
    """

    def __init__(self, max_frame_bytes: int, channel: str = ""):
        try:
            import cbor2  # noqa: F401
            from dectris.compression import decompress  # noqa: F401
        except ImportError as error:
            raise RuntimeError(
                f"input_format dectris needs cbor2 and dectris-compression ({error.name} is missing): "
                "pip install 'microscope-edge[dectris]'"
            ) from error
        self._max_frame_bytes = max_frame_bytes
        self._channel = channel
        self._open: str | None = None  # the series_unique_id of the open series
        self._pixel_size_nm: float | None = None

    def __call__(self, parts: list) -> list[Message]:
        if len(parts) != 1:
            raise ProtocolError("parts", f"stream v2: expected 1 part (CBOR), got {len(parts)}")
        message = self._load(bytes(parts[0]))
        if not isinstance(message, dict):
            raise ProtocolError("header", "stream v2: the message is not a CBOR map")
        kind = message.get("type")
        series = message.get("series_unique_id")
        if not isinstance(series, str) or not series:
            raise ProtocolError("series", f"stream v2 {kind}: series_unique_id {series!r} is not a non-empty string")
        if kind == "start":  # a start while a series is open: the open one was aborted, and ends here
            ended = [SeriesEnd(self._open)] if self._open not in (None, series) else []
            return [*ended, self._start(message, series)]
        if series != self._open:
            raise ProtocolError("stale_series", f"stream v2 {kind} of series {series}, which is not the open one")
        if kind == "end":
            self._open = None
            return [SeriesEnd(series)]
        if kind == "image":
            return [self._image(message, series)]
        raise ProtocolError("htype", f"stream v2: unknown message type {kind!r}")

    def _start(self, message: dict, series: str) -> SeriesStart:
        user_data = message.get("user_data")
        size = user_data.get(PIXEL_SIZE_KEY) if isinstance(user_data, dict) else None
        if size is not None and not (isinstance(size, int | float) and not isinstance(size, bool) and 0 < size < 1e9):
            raise ProtocolError("pixel_size", f"stream v2 start: user_data {PIXEL_SIZE_KEY} {size!r} is not > 0")
        self._open, self._pixel_size_nm = series, None if size is None else float(size)
        metadata = {key: message.get(key) for key in ("series_id", "detector_description", "number_of_images")}
        return SeriesStart(series, self._pixel_size_nm, metadata)

    def _image(self, message: dict, series: str) -> FrameMessage:
        image_id = message.get("image_id")
        if not isinstance(image_id, int) or isinstance(image_id, bool) or not 0 <= image_id < 2**63:
            raise ProtocolError("frame_id", f"stream v2 image: image_id {image_id!r} is not an integer >= 0")
        data = message.get("data")
        if not isinstance(data, dict) or not data:
            raise ProtocolError("pixels", "stream v2 image: data is not a map of channels")
        channel = self._channel or next(iter(data))
        if channel not in data:
            raise ProtocolError("pixels", f"stream v2 image: no channel {channel!r} (has {sorted(data)})")
        pixels = data[channel]
        if not isinstance(pixels, np.ndarray) or pixels.ndim != 2:
            raise ProtocolError("dtype", f"stream v2 image: channel {channel!r} is not a 2-D typed array")
        start = message.get("start_time")
        timestamp = float(start) if isinstance(start, int | float | Fraction) and not isinstance(start, bool) else None
        return FrameMessage(series, image_id, pixels, self._pixel_size_nm, timestamp)

    def _load(self, raw: bytes):
        import cbor2

        try:
            return cbor2.loads(raw, tag_hook=self._tag)
        except ProtocolError:
            raise
        except cbor2.CBORDecodeError as error:
            cause = error.__cause__
            if isinstance(cause, ProtocolError):
                raise cause from None
            raise ProtocolError("header", f"stream v2: not CBOR ({error})") from error
        except Exception as error:  # a tag's value of the wrong shape
            raise ProtocolError("header", f"stream v2: malformed ({type(error).__name__}: {error})") from error

    def _tag(self, tag, immutable: bool):  # cbor2's tag_hook: the tag, and whether it must be hashable
        if tag.tag == COMPRESSED:
            return self._decompress(tag.value)
        if tag.tag in TYPED_ARRAYS:
            if not isinstance(tag.value, bytes):
                raise ProtocolError("pixels", f"stream v2: typed array tag {tag.tag} holds no byte string")
            dtype = np.dtype(TYPED_ARRAYS[tag.tag])
            if len(tag.value) % dtype.itemsize:
                raise ProtocolError("pixels", f"stream v2: {len(tag.value)} bytes are no whole {dtype} values")
            return np.frombuffer(tag.value, dtype).astype(dtype.newbyteorder("="), copy=False)
        if tag.tag == ROW_MAJOR_ARRAY:
            return _shaped(tag.value)
        if isinstance(tag.value, bytes):
            raise ProtocolError("dtype", f"stream v2: unknown tag {tag.tag} on a byte string")
        return tag

    def _decompress(self, value) -> bytes:
        from dectris.compression import decompress

        if not (isinstance(value, list | tuple) and len(value) == 3 and isinstance(value[2], bytes)):
            raise ProtocolError("pixels", "stream v2: tag 56500 is not [algorithm, modifier, bytes]")
        algorithm, modifier, encoded = value
        if algorithm not in ("bslz4", "lz4") or not isinstance(modifier, int):
            raise ProtocolError("dtype", f"stream v2: unknown compression {algorithm!r}")
        if len(encoded) < 12:
            raise ProtocolError("pixels", "stream v2: compressed data shorter than its 12-byte frame")
        size = struct.unpack(">Q", encoded[:8])[0]  # the HDF5 filter framing starts with the decompressed size
        if size > self._max_frame_bytes:
            raise ProtocolError("too_large", f"stream v2: {size} bytes decompressed is over {self._max_frame_bytes}")
        try:
            return decompress(encoded, algorithm, elem_size=modifier)
        except Exception as error:
            raise ProtocolError("pixels", f"stream v2: {algorithm} data could not be decompressed ({error})") from error


def _shaped(value) -> np.ndarray:
    if not (isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[1], np.ndarray)):
        raise ProtocolError("dtype", "stream v2: tag 40 does not hold [dimensions, typed array]")
    dimensions, array = value
    if not (isinstance(dimensions, list | tuple) and all(isinstance(n, int) and n > 0 for n in dimensions)):
        raise ProtocolError("shape", f"stream v2: dimensions {dimensions!r} are not positive integers")
    if int(np.prod(dimensions)) != array.size:
        raise ProtocolError("pixels", f"stream v2: {array.size} values for dimensions {dimensions}")
    return array.reshape(dimensions)
