"""Opening ZeroMQ sockets from endpoint strings: ``bind:tcp://127.0.0.1:5555`` or
``connect:tcp://host:5555``. The service binds loopback unless told otherwise, and says so in the
log when a socket listens where other machines reach it."""

import logging
import re

import zmq

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = ("127.", "localhost", "[::1]", "::1")


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
    if how == "bind" and reachable_from_elsewhere(address):
        log.warning("listening on %s: other machines on the network can reach this socket", address)
    return socket


def reachable_from_elsewhere(address: str) -> bool:
    """Whether a socket bound at ``address`` listens beyond this machine: a TCP address on all
    interfaces (``*``, ``0.0.0.0``) or on any host but loopback."""
    match = re.fullmatch(r"tcp://(.+):[^:]+", address)
    if match is None:  # ipc://, inproc://: this machine only
        return False
    return not match.group(1).startswith(LOOPBACK_HOSTS)


def endpoint_address(socket: zmq.Socket, endpoint: str) -> str:
    """The address others reach the socket at: where a bound socket really listens (resolving
    ``tcp://127.0.0.1:*``), or the address a connected one connected to."""
    if endpoint.startswith("connect:"):
        return endpoint.partition(":")[2]
    return socket.getsockopt_string(zmq.LAST_ENDPOINT)
