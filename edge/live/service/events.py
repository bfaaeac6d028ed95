"""What the intake and the workers tell the publisher, one typed event per happening, in order.

A series is known by ``series_id``, a number the service gives each series it opens: a repeated
``series_start`` of the same name opens a new series, and frames of the old one still in flight
stay with the old one. Each accepted frame is known by its ``ticket``, numbered from 0 in the
order the intake accepted it, and ends in exactly one ``FrameDropped``, ``FrameFailed`` or
``FrameAnalysed`` carrying it (``edge.live.service.ordering`` publishes them in ticket order)."""

from dataclasses import dataclass

from edge.live.inputs.messages import FrameMessage
from edge.pipeline.result import FrameResult
from edge.track.linking import FrameTracks


@dataclass(frozen=True)
class SeriesOpened:
    series_id: int
    name: str


@dataclass(frozen=True)
class SeriesEnded:
    """No frame of the series will be accepted after the ``accepted`` already taken; its final
    summary follows the last of their outcomes."""

    series_id: int
    accepted: int


@dataclass(frozen=True)
class FrameDropped:
    series_id: int
    ticket: int


@dataclass(frozen=True)
class FrameFailed:
    """A frame that got no result; ``reason`` is a key of ``REJECTIONS``."""

    series_id: int
    ticket: int
    error: str
    reason: str = "analysis"


@dataclass(frozen=True)
class FrameAnalysed:
    series_id: int
    ticket: int
    message: FrameMessage
    pixel_size_nm: float | None
    received_at: float
    result: FrameResult
    tracks: FrameTracks | None = None  # set by the publisher where the series is tracked


@dataclass(frozen=True)
class PreviewReady:
    """A ``preview`` message, encoded off the frames' path (``edge.live.service.preview``)."""

    body: dict


@dataclass(frozen=True)
class Shutdown:
    """Everything is accounted for: publish the final summaries and stop."""


FrameOutcome = FrameDropped | FrameFailed | FrameAnalysed
Event = SeriesOpened | SeriesEnded | FrameDropped | FrameFailed | FrameAnalysed | PreviewReady | Shutdown
