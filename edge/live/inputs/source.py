"""Where the service's messages come from: one small interface for every source of frames (a
ZeroMQ socket, image files, and the adapters that come next)."""

from abc import ABC, abstractmethod

from edge.live.inputs.messages import Message


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
