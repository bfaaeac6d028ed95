"""The acquisition-software scripts of deploy/senders, with stand-ins of DigitalMicrograph's and
SerialEM's Python APIs (neither program runs here), sending to a real socket on loopback."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import zmq

from edge.live.client import FrameUpdate, SeriesUpdate, as_update, pixel_size_nm
from edge.live.inputs.messages import FrameMessage, SeriesEnd, SeriesStart
from edge.live.inputs.native import decode

SENDERS = Path(__file__).resolve().parents[2] / "deploy" / "senders"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, SENDERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeDMImage:
    """What the scripts use of DigitalMicrograph's Py_Image."""

    def __init__(self, pixels: np.ndarray, scale: float, unit: str):
        self.pixels, self.scale, self.unit = pixels, scale, unit

    def IsValid(self) -> bool:  # noqa: N802 (DM's names)
        return True

    def GetNumArray(self) -> np.ndarray:  # noqa: N802
        return self.pixels

    def GetDimensionScale(self, axis: int) -> float:  # noqa: N802
        return self.scale

    def GetDimensionUnitString(self, axis: int) -> str:  # noqa: N802
        return self.unit


class FakeDM:
    """DigitalMicrograph's module: a front image that a live view replaces now and then."""

    def __init__(self, frames: list):
        self.frames, self.polls = frames, 0

    def GetFrontImage(self):  # noqa: N802
        frame = self.frames[min(self.polls, len(self.frames) - 1)]
        self.polls += 1
        return frame


class FakeSerialEM:
    """SerialEM's module: buffer A's image (empty at first) and its pixel size in nm."""

    class SEMerror(Exception):
        pass

    def __init__(self, images: list, pixel_size: float):
        self.images, self.pixel_size, self.polls = images, pixel_size, 0

    def bufferImage(self, buffer: str):  # noqa: N802
        image = self.images[min(self.polls, len(self.images) - 1)]
        self.polls += 1
        if image is None:
            raise self.SEMerror("buffer A is empty")
        return image

    def ReportCurrentPixelSize(self, buffer: str) -> float:  # noqa: N802
        return self.pixel_size


@pytest.fixture
def receiver():
    context = zmq.Context()
    socket = context.socket(zmq.PULL)
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    yield f"tcp://127.0.0.1:{port}", socket
    socket.close(0)
    context.term()


def received(socket) -> list:
    messages = []
    while socket.poll(2000):
        messages.append(decode(socket.recv_multipart(), 1 << 30))
        if isinstance(messages[-1], SeriesEnd):
            return messages
    raise AssertionError(f"no series_end; got {messages}")


def frames_in(messages) -> list[FrameMessage]:
    return [m for m in messages if isinstance(m, FrameMessage)]


def test_dm_sends_each_new_front_image_once_with_its_calibration(receiver):
    endpoint, socket = receiver
    first, second = (np.full((64, 64), v, np.uint16) for v in (100, 200))
    dm = FakeDM([FakeDMImage(first, 0.5, "nm"), FakeDMImage(first, 0.5, "nm"), FakeDMImage(second, 0.0025, "µm")])
    sent = load("dm_send_frames").run(dm, endpoint, "grain-1", should_stop=lambda: dm.polls >= 4)
    messages = received(socket)
    assert sent == 2 and isinstance(messages[0], SeriesStart) and messages[0].series == "grain-1"
    frames = frames_in(messages)
    assert [f.frame for f in frames] == [1, 2] and [f.pixel_size_nm for f in frames] == [0.5, 2.5]
    np.testing.assert_array_equal(frames[1].pixels, second)


def test_dm_sends_nothing_for_a_front_image_that_is_not_2d(receiver):
    endpoint, socket = receiver
    dm = FakeDM([FakeDMImage(np.zeros(64, np.uint16), 1.0, "nm")])
    assert load("dm_send_frames").run(dm, endpoint, "s", should_stop=lambda: dm.polls >= 2) == 0
    assert frames_in(received(socket)) == []


def test_serialem_sends_new_buffer_images_and_waits_out_an_empty_buffer(receiver):
    endpoint, socket = receiver
    image = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    sem = FakeSerialEM([None, image, image, image + 1], pixel_size=0.8)
    sent = load("serialem_send_frames").run(sem, endpoint, "tilt", should_stop=lambda: sem.polls >= 4)
    frames = frames_in(received(socket))
    assert sent == 2 and [f.pixel_size_nm for f in frames] == [0.8, 0.8]
    np.testing.assert_array_equal(frames[1].pixels, image + 1)


def test_dm_prints_a_line_per_frame_and_the_final_summary():
    show = load("dm_show_results")
    frame = as_update("frame", {"series": "s", "frame": 3, "count": 12, "mean_diameter_nm": 21.25,
                                "density_per_um2": 80.0, "latency_ms": 90.0})  # fmt: skip
    final = as_update("series", {"series": "s", "frames": 4, "count": 40, "mean_diameter_nm": 20.0,
                                 "std_diameter_nm": 5.0, "final": True})  # fmt: skip
    assert isinstance(frame, FrameUpdate) and isinstance(final, SeriesUpdate)
    assert show.line(frame) == "frame 3: 12 loops, mean diameter 21.2 nm, 80 per µm²"
    assert show.line(final) == "series s: 4 frames, 40 loops, diameter 20.0 ± 5.0 nm"
    assert show.line(as_update("status", {"state": "ready"})) is None


def test_calibrations_convert_to_nm_and_uncalibrated_images_have_none():
    assert pixel_size_nm(0.5, "nm") == 0.5 and pixel_size_nm(2.0, "Å") == pytest.approx(0.2)
    assert pixel_size_nm(1.0, "pixel") is None and pixel_size_nm(0.0, "nm") is None
