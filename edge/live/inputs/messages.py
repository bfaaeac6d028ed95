"""The messages every input hands the service, whatever it speaks: a series starts, a frame,
a series ends; and why a message may be rejected. docs/protocol.md describes our own wire format
(``edge.live.inputs.native``); the other inputs decode theirs into these."""

from dataclasses import dataclass, field

import numpy as np

PROTOCOL = 1  # the version of docs/protocol.md this service speaks: every published message carries it
MAX_FRAME_ID = 2**63 - 1  # frame ids are int64 on the wire and in the counters

PIXEL_TYPES = (np.dtype("uint8"), np.dtype("<u2"), np.dtype("<f4"))  # as little-endian; either byte order is taken


class ProtocolError(ValueError):
    """A message that does not follow the protocol: ``reason`` is one of ``REJECTIONS`` (what
    ``status`` counts it under), the text says how."""

    def __init__(self, reason: str, text: str):
        super().__init__(text)
        self.reason = reason


# Why the service may reject a message (the keys of status's errors_by_reason), each with the rule
# it broke. docs/protocol.md lists them too.
REJECTIONS = {
    "empty": "a message with no parts",
    "header": "the first part is not a msgpack map",
    "protocol": "protocol is given and is not a version this service speaks (1)",
    "htype": "htype is not series_start, frame or series_end",
    "series": "series is not a non-empty string",
    "parts": "a series message not of 1 part, a frame not of 2",
    "metadata": "series_start metadata is not a map",
    "pixel_size": "pixel_size_nm is not a finite number > 0",
    "frame_id": "frame is not an integer from 0 to 2^63 - 1",
    "dtype": "dtype is not uint8, uint16 or float32 in a NumPy spelling ('uint16', '<u2', '>u2')",
    "shape": "shape is not [height, width] of integers",
    "too_small": "a side under MIN_FRAME_SIDE px",
    "too_large": "more bytes than max_frame_bytes",
    "pixels": "the pixel part's length does not match shape and dtype",
    "timestamp": "timestamp is not a finite number",
    "undecodable": "decoding failed in a way no rule foresaw",
    "frame_order": "a frame id not above the series' last",
    "ended_series": "a frame of a series that has ended",
    "stray_series_end": "a series_end for a series that is not open",
    "stale_series": "(DECTRIS Stream V2) an image or end of another series than the open one",
    "analysis": "the pipeline failed on the frame",
    "worker_lost": "(--dask) the frame's workers died more often than the cluster allows",
    "late": "(--dask) no result within dask_timeout_s of the frame being sent",
}


@dataclass(frozen=True)
class SeriesStart:
    series: str
    pixel_size_nm: float | None = None
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SeriesEnd:
    series: str


@dataclass(frozen=True)
class FrameMessage:
    series: str
    frame: int
    pixels: np.ndarray
    pixel_size_nm: float | None = None
    timestamp: float | None = None


Message = SeriesStart | SeriesEnd | FrameMessage
