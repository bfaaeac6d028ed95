"""The viewer's web server (aiohttp: HTTP and WebSocket on asyncio, one small dependency, no
build step): one page, its static files, and ``/ws``, which pushes page messages to every
open page. A page that reads too slowly misses messages (its queue keeps the newest); it
never holds up the others or the service."""

import asyncio
import json
import logging
import threading
from importlib import resources

import zmq
import zmq.asyncio
from aiohttp import WSMsgType, web

from edge.live.client import read_publication
from edge.live.viewer.state import ViewerState

log = logging.getLogger(__name__)
CLIENT_QUEUE = 64  # page messages waiting for one page at most
STATIC = resources.files("edge.live.viewer") / "static"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ENDPOINT = web.AppKey("endpoint", str)
STATE = web.AppKey("state", ViewerState)
CLIENTS = web.AppKey("clients", set)


def make_app(endpoint: str) -> web.Application:
    """The viewer of the service publishing on ``endpoint`` (``tcp://host:port``)."""
    app = web.Application()
    app[ENDPOINT] = endpoint
    app[STATE] = ViewerState()
    app[CLIENTS] = set()
    app.router.add_get("/", _page)
    app.router.add_get("/ws", _websocket)
    app.router.add_get("/static/{name}", _static)
    app.cleanup_ctx.append(_subscription)
    return app


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=(STATIC / "index.html").read_text(), content_type="text/html")


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    types = {".js": "text/javascript", ".css": "text/css"}
    suffix = name[name.rfind(".") :]
    if "/" in name or suffix not in types or not (STATIC / name).is_file():
        raise web.HTTPNotFound()
    return web.Response(text=(STATIC / name).read_text(), content_type=types[suffix])


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(heartbeat=10)
    await socket.prepare(request)
    queue: asyncio.Queue = asyncio.Queue(CLIENT_QUEUE)
    queue.put_nowait({"type": "hello", "endpoint": request.app[ENDPOINT]})  # whom the page waits to hear from
    for message in request.app[STATE].snapshot():
        queue.put_nowait(message)
    request.app[CLIENTS].add(queue)
    sender = asyncio.create_task(_send(socket, queue))
    try:
        async for message in socket:  # the page sends nothing; this waits for it to close
            if message.type == WSMsgType.ERROR:
                break
    finally:
        request.app[CLIENTS].discard(queue)
        sender.cancel()
    return socket


async def _send(socket: web.WebSocketResponse, queue: asyncio.Queue) -> None:
    while True:
        message = await queue.get()
        await socket.send_str(json.dumps(message))


def offer(queue: asyncio.Queue, message: dict) -> None:
    """Queue ``message`` for one page; when its queue is full, its oldest message makes room."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(message)


async def _subscription(app: web.Application):
    context = zmq.asyncio.Context()
    subscriber = context.socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.setsockopt(zmq.LINGER, 0)
    subscriber.connect(app[ENDPOINT])
    task = asyncio.create_task(_relay(app, subscriber))
    yield
    task.cancel()
    subscriber.close()
    context.term()


async def _relay(app: web.Application, subscriber: zmq.asyncio.Socket) -> None:
    while True:
        parts = await subscriber.recv_multipart()
        try:
            messages = app[STATE].update(*read_publication(parts))
        except Exception:  # a message the viewer cannot read must not end the viewer
            log.exception("viewer: could not read a published message")
            continue
        for message in messages:
            for queue in app[CLIENTS]:
                offer(queue, message)


def check_listen(listen: str, allow_remote: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` as a host and a port; a host other than loopback only with ``allow_remote``
    (a viewer shows live sample data)."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise ValueError(f"viewer address must be HOST:PORT, got {listen!r}")
    if host not in LOOPBACK_HOSTS and not allow_remote:
        raise ValueError(f"viewer on {host}: other hosts could watch the live data; allow it explicitly")
    return host, int(port)


class ViewerThread:
    """The viewer on a thread of its own, beside a service in this process (``edge serve
    --viewer``, ``edge demo``). ``start`` returns once it listens; ``url`` is its address."""

    def __init__(self, endpoint: str, host: str = "127.0.0.1", port: int = 0):
        self._endpoint, self._host, self._port = endpoint, host, port
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, name="viewer", daemon=True)
        self.url = ""
        self.error: BaseException | None = None

    def start(self) -> "ViewerThread":
        self._thread.start()
        self._ready.wait()
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._runner = web.AppRunner(make_app(self._endpoint))
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, self._host, self._port)
            self._loop.run_until_complete(site.start())
            host, port = self._runner.addresses[0][:2]
            self.url = f"http://{host}:{port}/"
        except BaseException as error:  # reported to start()'s caller
            self.error = error
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()
