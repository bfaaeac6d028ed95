"""Image files as an input: one series, a frame per file (``edge serve --files``)."""

import threading
from collections.abc import Sequence
from pathlib import Path

from edge.io.images import ImageReadError, read_frame
from edge.live.inputs.messages import FrameMessage, Message, ProtocolError, SeriesEnd, SeriesStart
from edge.live.inputs.source import FrameSource


class FileSource(FrameSource):
    """Image files (any format ``read_frame`` reads) as one series: its start, a frame per
    file in order (numbered from 1), its end; then the source has ended. ``pixel_size_nm``, if
    given, overrides the files' own. A file that cannot be read is rejected as ``undecodable``,
    and the series goes on with the next. With ``start_after``, nothing comes before that event
    is set (a subscriber to the results is connected, say)."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        series: str,
        pixel_size_nm: float | None = None,
        start_after: threading.Event | None = None,
    ):
        self.address = f"{len(paths)} files"
        self._paths, self._series, self._pixel_size_nm = list(paths), series, pixel_size_nm
        self._next = -1  # -1: the series_start; len(paths): the series_end
        self._interrupted = threading.Event()
        self._start_after = start_after

    def receive(self) -> Message | None:
        if self._start_after is not None:
            self._start_after.wait()
        if self._interrupted.is_set() or self._next > len(self._paths):
            return None
        index, self._next = self._next, self._next + 1
        if index < 0:
            return SeriesStart(self._series, self._pixel_size_nm)
        if index == len(self._paths):
            return SeriesEnd(self._series)
        try:
            frame = read_frame(self._paths[index], self._pixel_size_nm)
        except ImageReadError as error:
            raise ProtocolError("undecodable", str(error)) from error
        return FrameMessage(self._series, index + 1, frame.pixels, frame.pixel_size_nm)

    def interrupt(self) -> None:
        self._interrupted.set()
        if self._start_after is not None:
            self._start_after.set()
