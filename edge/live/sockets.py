"""Opening ZeroMQ sockets from endpoint strings: ``bind:tcp://*:5555`` or ``connect:tcp://host:5555``."""

import zmq


def open_socket(context: zmq.Context, kind: int, endpoint: str, default: str = "bind") -> zmq.Socket:
    """A socket of ``kind`` bound or connected as ``endpoint`` says (``default`` for a bare address)."""
    how, _, address = endpoint.partition(":") if endpoint.startswith(("bind:", "connect:")) else (default, "", endpoint)
    socket = context.socket(kind)
    socket.setsockopt(zmq.LINGER, 1000)
    try:
        socket.bind(address) if how == "bind" else socket.connect(address)
    except zmq.ZMQError as error:
        socket.close()
        raise ValueError(f"cannot {how} {address!r}: {error}") from error
    return socket


def bound_address(socket: zmq.Socket) -> str:
    """The address a bound socket really listens on (resolves ``tcp://127.0.0.1:*``)."""
    return socket.getsockopt_string(zmq.LAST_ENDPOINT)
