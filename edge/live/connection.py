"""The ZeroMQ input: a PULL or SUB socket whose messages are decoded as the protocol says."""

import os
import threading

import zmq

from edge.live.protocol import Message, ProtocolError, decode
from edge.live.sockets import endpoint_address, open_socket
from edge.live.sources import FrameSource


class ZeroMQSource(FrameSource):
    """Frames from a ZeroMQ socket (``kind`` "pull" or "sub", on ``endpoint``). ``interrupt``
    writes to a pipe the socket's poller also watches, so a blocked ``receive`` wakes at once
    from any thread (a ZeroMQ socket itself must stay in the receiver thread)."""

    def __init__(
        self,
        context: zmq.Context,
        endpoint: str,
        kind: str,
        high_water_mark: int,
        max_frame_bytes: int,
        linger_s: float,
    ):
        self._socket = open_socket(context, zmq.PULL if kind == "pull" else zmq.SUB, endpoint, linger_s=linger_s)
        self._socket.setsockopt(zmq.RCVHWM, high_water_mark)
        if kind == "sub":
            self._socket.setsockopt(zmq.SUBSCRIBE, b"")
        self.address = endpoint_address(self._socket, endpoint)
        self._max_frame_bytes = max_frame_bytes
        self._wake_read, self._wake_write = os.pipe()
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._wake_read, zmq.POLLIN)
        self._interrupted = False
        self._closed = False
        self._lock = threading.Lock()  # interrupt (any thread) against close (the receiver)

    def receive(self) -> Message | None:
        while not self._interrupted:
            ready = dict(self._poller.poll())
            if self._wake_read in ready:
                self._interrupted = True
            elif self._socket in ready:
                parts = self._socket.recv_multipart(copy=False)
                return _decode([part.buffer for part in parts], self._max_frame_bytes)
        return None

    def interrupt(self) -> None:
        with self._lock:
            if not self._closed:
                os.write(self._wake_write, b"\0")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._socket.close(linger=0)  # an open socket would hang the ZeroMQ context's shutdown
            os.close(self._wake_read)
            os.close(self._wake_write)


def _decode(parts: list, max_frame_bytes: int) -> Message:
    """``decode``, with any failure it did not foresee turned into a rejection, not a crash."""
    try:
        return decode(parts, max_frame_bytes)
    except ProtocolError:
        raise
    except Exception as error:
        raise ProtocolError("undecodable", f"decoding failed unexpectedly: {type(error).__name__}: {error}") from error
