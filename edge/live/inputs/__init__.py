"""The service's inputs, laid out as LiberTEM-live lays out its detectors: each wire format is a
decoder with its simulator beside it.

- ``native`` + ``native_sim``: our own format (docs/protocol.md), and files replayed in it;
- ``dectris`` + ``dectris_sim``: DECTRIS SIMPLON Stream V2;
- ``adzmq`` + ``adzmq_sim``: EPICS areaDetector's NDPluginZMQ;
- ``files`` + ``files_sim``: image files read as one series, and frames written as files.

A decoder turns one multipart ZeroMQ message into the service's messages (``messages``);
``zeromq`` reads them from a PULL or SUB socket, ``files`` from image files, both behind the one
``FrameSource`` interface (``source``).
"""

from collections.abc import Callable

from edge.live.inputs.messages import Message

INPUT_FORMATS = ("edge", "dectris", "adzmq")
Decoder = Callable[[list], list[Message]]


def make_decoder(input_format: str, max_frame_bytes: int, channel: str = "", series: str = "adzmq") -> Decoder:
    """The decoder of ``input_format``: one multipart message in, the service's messages out."""
    if input_format == "edge":
        from edge.live.inputs.native import decode

        return lambda parts: [decode(parts, max_frame_bytes)]
    if input_format == "dectris":
        from edge.live.inputs.dectris import DectrisDecoder

        return DectrisDecoder(max_frame_bytes, channel)
    if input_format == "adzmq":
        from edge.live.inputs.adzmq import AdzmqDecoder

        return AdzmqDecoder(max_frame_bytes, series)
    raise ValueError(f"input format must be one of {INPUT_FORMATS}, got {input_format!r}")
