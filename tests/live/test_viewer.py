"""The live viewer's server: real service, real ZeroMQ on loopback, aiohttp's test client."""

import asyncio
import base64
import threading

import cv2
import numpy as np
import pytest
import zmq
from aiohttp.test_utils import TestClient, TestServer

from edge.io.bundled import sample_frames
from edge.live.client import encode_frame, encode_series_end, encode_series_start
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.live.service.preview import PreviewEncoder
from edge.live.service.series import SeriesStats
from edge.live.viewer.server import check_listen, make_app, offer
from edge.live.viewer.state import ViewerState
from edge.pipeline.synthetic import render_loop


def loop_frame(seed: int) -> np.ndarray:
    frame = render_loop((256, 256), (128, 128), (20, 15), 30, 4, 60, noise=6, seed=seed)
    return frame.clip(0, 255).astype(np.uint8)


async def _watch_a_series(address: str, send) -> tuple[str, list[dict]]:
    """Open the page and its WebSocket, let ``send`` stream a series, collect the page messages
    until the series' final summary and a preview have come."""
    async with TestClient(TestServer(make_app(address))) as client:
        page = await (await client.get("/")).text()
        socket = await client.ws_connect("/ws")
        messages = []
        async with asyncio.timeout(60):
            while not any(m["type"] == "status" for m in messages):  # the viewer's subscription is live
                messages.append(await socket.receive_json())
            threading.Thread(target=send).start()
            while not (
                any(m["type"] == "preview" for m in messages)
                and any(m["type"] == "series" and m["state"] == "ended" for m in messages)
            ):
                messages.append(await socket.receive_json())
        await socket.close()
        return page, messages


def test_the_page_gets_frames_previews_and_the_series_summary_live():
    config = ServiceConfig(preview_per_s=50, heartbeat_s=0.2)
    with LoopbackService(config) as running:
        sender = running.context.socket(zmq.PUSH)
        sender.connect(running.service.input_address)

        def send():
            sender.send_multipart(encode_series_start("grain-3", 0.5))
            for index in range(3):
                sender.send_multipart(encode_frame("grain-3", index, loop_frame(index)))
            sender.send_multipart(encode_series_end("grain-3"))

        page, messages = asyncio.run(_watch_a_series(running.service.output_address, send))
        sender.close(0)
    assert 'id="frame-canvas"' in page and "/static/viewer.js" in page
    frames = [m for m in messages if m["type"] == "frame"]
    final = [m for m in messages if m["type"] == "series" and m["state"] == "ended"][-1]
    assert final["name"] == "grain-3" and final["summary"]["count"] == sum(f["count"] for f in frames) > 0
    assert sum(final["summary"]["diameter_histogram"]["counts"]) == final["summary"]["count"]
    assert final["summary"]["diameter_histogram"]["unit"] == "nm"
    preview = [m for m in messages if m["type"] == "preview"][-1]
    image = cv2.imdecode(np.frombuffer(base64.b64decode(preview["jpeg"]), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (preview["height"], preview["width"]) == (256, 256) and preview["ellipses"]


def test_the_static_files_are_served_and_nothing_else():
    async def fetch():
        async with TestClient(TestServer(make_app("tcp://127.0.0.1:1"))) as client:
            script = await client.get("/static/viewer.js")
            missing = await client.get("/static/../server.py")
            other = await client.get("/static/state.py")
            return script.status, await script.text(), missing.status, other.status

    status, script, missing, other = asyncio.run(fetch())
    assert status == 200 and "new WebSocket" in script and missing == 404 and other == 404


def test_a_page_that_reads_slowly_loses_its_oldest_messages_not_the_newest():
    queue = asyncio.Queue(3)
    for index in range(10):
        offer(queue, {"index": index})
    assert [queue.get_nowait()["index"] for _ in range(3)] == [7, 8, 9]


def test_a_preview_that_falls_behind_skips_to_the_newest_frame():
    from edge.live.inputs.messages import FrameMessage
    from edge.live.service.events import FrameAnalysed
    from edge.pipeline.result import FrameResult

    delivered, done = [], threading.Event()
    encoder = PreviewEncoder(2.0, 128, lambda ready: (delivered.append(ready.body), done.set()))
    frame = next(iter(sample_frames()))[0].pixels
    for index in range(5):  # all offered before the encoder runs: only the last is kept
        message = FrameMessage("s", index, frame)
        encoder.offer(FrameAnalysed(1, index, message, None, 0.0, FrameResult([], {"count": 0}, None)))
    thread = threading.Thread(target=encoder.run)
    thread.start()
    assert done.wait(30)
    encoder.close()
    thread.join()
    assert [body["frame"] for body in delivered] == [4]
    assert max(delivered[0]["width"], delivered[0]["height"]) == 128 and delivered[0]["scale"] == 128 / 1024


def test_a_late_page_is_brought_up_to_date_and_the_service_summary_wins():
    state = ViewerState()
    body = {"series": "s", "frame": 0, "count": 1, "shape": [100, 100], "pixel_size_nm": None}
    state.update("frame", {**body, "defects": [{"major_px": 10.0}]})
    service = SeriesStats("s")
    for _ in range(5):
        service.add(np.full(8, 10.0), (100, 100), None)
    state.update("series", {**service.summary(), "count": 42, "final": True})
    snapshot = {message["type"]: message for message in state.snapshot()}
    assert snapshot["series"]["summary"]["count"] == 42 and snapshot["series"]["state"] == "ended"
    assert [frame["frame"] for frame in snapshot["frames"]["frames"]] == [0]


def test_a_viewer_listens_on_other_hosts_only_when_asked():
    assert check_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    with pytest.raises(ValueError, match="allow it explicitly"):
        check_listen("0.0.0.0:8080")
    assert check_listen("0.0.0.0:8080", allow_remote=True) == ("0.0.0.0", 8080)
    with pytest.raises(ValueError, match="HOST:PORT"):
        check_listen("8080")


def test_a_late_page_counts_on_from_the_services_summary_so_both_agree():
    rng = np.random.default_rng(0)
    frames = [rng.uniform(5, 60, rng.integers(3, 20)) for _ in range(7)]
    service = SeriesStats("s")  # what the service has seen: every frame
    state = ViewerState()  # a page that joined at the 4th frame
    for number, diameters in enumerate(frames, start=1):
        service.add(diameters, (512, 512), 0.5)
        if number >= 4:
            defects = [{"major_px": float(d)} for d in diameters]
            state.update("frame", {"series": "s", "frame": number, "count": len(diameters), "shape": [512, 512],
                                   "pixel_size_nm": 0.5, "defects": defects})  # fmt: skip
        if number == 5:  # the service's summary every 5 frames
            state.update("series", {**service.summary(), "final": False, "protocol": 1})
    shown, expected = state.series["summary"], service.summary()
    assert (shown["frames"], shown["count"]) == (expected["frames"], expected["count"]) == (7, sum(map(len, frames)))
    for key in ("mean_diameter_nm", "std_diameter_nm", "density_per_um2", "density_per_mpx"):
        assert shown[key] == pytest.approx(expected[key])
    assert shown["diameter_histogram"] == expected["diameter_histogram"]
