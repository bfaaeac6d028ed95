"""Where the service's messages come from: one small interface for every source of frames (a
ZeroMQ socket, image files, and the adapters that come next), and the files source."""

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from edge.io.images import ImageReadError, read_frame
from edge.live.protocol import FrameMessage, Message, ProtocolError, SeriesEnd, SeriesStart


class FrameSource(ABC):
    """A stream of protocol messages for the service's receiver thread.

    ``receive`` blocks until the next message and raises ``ProtocolError`` for one that breaks
    the protocol (the receiver counts it and asks again). It returns None when the source has
    ended, or was interrupted: ``interrupt`` may be called from any thread, and wakes a blocked
    ``receive`` at once. ``close`` releases what the source holds; the receiver thread calls it."""

    address: str = ""

    @abstractmethod
    def receive(self) -> Message | None:
        """The next message, or None once the source has ended or was interrupted."""

    @abstractmethod
    def interrupt(self) -> None:
        """Make ``receive`` return None now and from now on."""

    def close(self) -> None:  # noqa: B027 (a source that holds nothing need not say so)
        """Release what the source holds."""


class FileSource(FrameSource):
    """Image files (any format ``read_frame`` reads) as one series: its start, a frame per
    file in order, its end; then the source has ended. ``pixel_size_nm``, if given, overrides
    the files' own. A file that cannot be read is rejected as ``undecodable``, and the series
    goes on with the next."""

    def __init__(self, paths: Sequence[str | Path], series: str, pixel_size_nm: float | None = None):
        self.address = f"{len(paths)} files"
        self._paths, self._series, self._pixel_size_nm = list(paths), series, pixel_size_nm
        self._next = -1  # -1: the series_start; len(paths): the series_end
        self._interrupted = threading.Event()

    def receive(self) -> Message | None:
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
        return FrameMessage(self._series, index, frame.pixels, frame.pixel_size_nm)

    def interrupt(self) -> None:
        self._interrupted.set()
