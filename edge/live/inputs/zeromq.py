"""The ZeroMQ input: a PULL or SUB socket whose messages the input format's decoder turns into
the service's messages (``edge.live.inputs.make_decoder``)."""

import os
import threading
from collections import deque
from collections.abc import Callable

import zmq

from edge.live.inputs.messages import Message, ProtocolError
from edge.live.inputs.source import FrameSource
from edge.live.service.sockets import endpoint_address, open_socket

Decoder = Callable[[list], list[Message]]


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
        linger_s: float,
        decoder: Decoder,
    ):
        self._socket = open_socket(context, zmq.PULL if kind == "pull" else zmq.SUB, endpoint, linger_s=linger_s)
        self._socket.setsockopt(zmq.RCVHWM, high_water_mark)
        if kind == "sub":
            self._socket.setsockopt(zmq.SUBSCRIBE, b"")
        self.address = endpoint_address(self._socket, endpoint)
        self._decoder = decoder
        self._pending: deque[Message] = deque()  # a message that decoded into several
        self._wake_read, self._wake_write = os.pipe()
        self._poller = zmq.Poller()
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(self._wake_read, zmq.POLLIN)
        self._interrupted = False
        self._closed = False
        # interrupt (any thread, or a signal handler running again over itself) against close (the receiver)
        self._lock = threading.RLock()

    def receive(self) -> Message | None:
        while not self._interrupted:
            if self._pending:
                return self._pending.popleft()
            ready = dict(self._poller.poll())
            if self._wake_read in ready:
                self._interrupted = True
            elif self._socket in ready:
                parts = self._socket.recv_multipart(copy=False)
                self._pending.extend(_decode(self._decoder, [part.buffer for part in parts]))
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


def _decode(decoder: Decoder, parts: list) -> list[Message]:
    """``decoder``'s messages, with any failure it did not foresee turned into a rejection, not a crash."""
    try:
        return decoder(parts)
    except ProtocolError:
        raise
    except Exception as error:
        raise ProtocolError("undecodable", f"decoding failed unexpectedly: {type(error).__name__}: {error}") from error
