"""Opening ZeroMQ sockets from endpoint strings: ``bind:tcp://*:5555`` or ``connect:tcp://host:5555``."""

import zmq


def open_socket(
    context: zmq.Context, kind: int, endpoint: str, default: str = "bind", linger_s: float = 1.0
) -> zmq.Socket:
    """A socket of ``kind`` bound or connected as ``endpoint`` says (``default`` for a bare
    address), which on closing waits at most ``linger_s`` for messages still queued to go."""
    how, _, address = endpoint.partition(":") if endpoint.startswith(("bind:", "connect:")) else (default, "", endpoint)
    socket = context.socket(kind)
    socket.setsockopt(zmq.LINGER, round(1000 * linger_s))
    try:
        socket.bind(address) if how == "bind" else socket.connect(address)
    except zmq.ZMQError as error:
        socket.close()
        raise ValueError(f"cannot {how} {address!r}: {error}") from error
    return socket


def endpoint_address(socket: zmq.Socket, endpoint: str) -> str:
    """The address others reach the socket at: where a bound socket really listens (resolving
    ``tcp://127.0.0.1:*``), or the address a connected one connected to."""
    if endpoint.startswith("connect:"):
        return endpoint.partition(":")[2]
    return socket.getsockopt_string(zmq.LAST_ENDPOINT)
