"""The wire protocol's checks at the boundary: what docs/protocol.md allows, and nothing else."""

import math

import msgpack
import numpy as np
import pytest

from edge.live.client import encode_frame, encode_series_end, encode_series_start, read_publication
from edge.live.inputs.messages import PROTOCOL, FrameMessage, ProtocolError, SeriesEnd, SeriesStart
from edge.live.inputs.native import decode
from edge.live.service.publishing import publication

LIMIT = 1 << 30
PIXELS = np.arange(64 * 48, dtype=np.uint16).reshape(64, 48)


def frame_message(pixels: np.ndarray = PIXELS, **header) -> list[bytes]:
    """A frame message with the header's fields replaced or added."""
    fields = {"htype": "frame", "series": "s", "frame": 0, "shape": list(pixels.shape), "dtype": str(pixels.dtype)}
    return [msgpack.packb(fields | header), pixels.tobytes()]


def test_what_the_encoders_write_decodes_to_the_same_message():
    start = decode(encode_series_start("s", 0.5, {"kV": 300}), LIMIT)
    assert start == SeriesStart("s", 0.5, {"kV": 300})
    frame = decode([bytes(part) for part in encode_frame("s", 7, PIXELS, 0.5, 12.5)], LIMIT)
    assert isinstance(frame, FrameMessage) and (frame.frame, frame.pixel_size_nm, frame.timestamp) == (7, 0.5, 12.5)
    np.testing.assert_array_equal(frame.pixels, PIXELS)
    assert decode(encode_series_end("s"), LIMIT) == SeriesEnd("s")


@pytest.mark.parametrize(
    "message, reason",
    [
        (frame_message(shape=[True, PIXELS.size]), "shape"),
        (frame_message(np.zeros((1, 1), np.uint16)), "under 32 px"),
        (frame_message(np.zeros((1, 4096), np.uint16)), "under 32 px"),
        (frame_message(frame=-1), "'frame'"),
        (frame_message(frame=2**63), "'frame'"),
        (frame_message(frame=True), "'frame'"),
        (frame_message(series=5), "'series'"),
        (frame_message(series=""), "'series'"),
        (frame_message(pixel_size_nm=math.nan), "pixel_size_nm"),
        (frame_message(pixel_size_nm=math.inf), "pixel_size_nm"),
        (frame_message(pixel_size_nm=True), "pixel_size_nm"),
        (frame_message(timestamp="noon"), "timestamp"),
        (frame_message(timestamp={"t": 1}), "timestamp"),
        (frame_message(timestamp=math.inf), "timestamp"),
        (frame_message()[:1], "2 parts"),
        ([msgpack.packb({"htype": "series_start", "series": 5})], "'series'"),
        ([msgpack.packb({"htype": "series_start", "series": "s", "pixel_size_nm": math.nan})], "pixel_size_nm"),
        ([msgpack.packb({"htype": "series_start", "series": "s", "pixel_size_nm": -math.inf})], "pixel_size_nm"),
        ([msgpack.packb({"htype": "series_start", "series": "s", "metadata": [1, 2]})], "metadata"),
        ([msgpack.packb({"htype": "series_start", "series": "s"}), b"extra"], "1 part"),
        ([msgpack.packb({"htype": "series_end", "series": "s"}), b"extra"], "1 part"),
    ],
)
def test_malformed_messages_are_refused_with_the_reason(message, reason):
    with pytest.raises(ProtocolError, match=reason):
        decode(message, LIMIT)


@pytest.mark.parametrize("version", [2, 0, "1", True])
def test_a_protocol_version_the_service_does_not_speak_is_refused(version):
    with pytest.raises(ProtocolError, match="is not one this service speaks") as refused:
        decode(frame_message(protocol=version), LIMIT)
    assert refused.value.reason == "protocol"
    assert isinstance(decode(frame_message(protocol=1), LIMIT), FrameMessage)


def test_every_published_body_carries_the_protocol_version():
    topic, body = read_publication(publication("status", {"state": "ready"}))
    assert (topic, body) == ("status", {"protocol": PROTOCOL, "state": "ready"})
    assert msgpack.unpackb(encode_series_end("s")[0])["protocol"] == PROTOCOL


@pytest.mark.parametrize("dtype", ["uint16", "<u2", "u2", "=u2", ">u2"])
def test_numpy_dtype_spellings_are_taken_little_endian_unless_they_say_big(dtype):
    wire = PIXELS.astype(np.dtype(dtype).newbyteorder(">" if dtype.startswith(">") else "<"))
    frame = decode(frame_message(wire, dtype=dtype), LIMIT)
    assert frame.pixels.dtype.isnative and frame.pixels.dtype.kind == "u"
    np.testing.assert_array_equal(frame.pixels, PIXELS)


@pytest.mark.parametrize("dtype", ["int16", "<i2", "uint32", "float64", "complex", "garbage", 7, None])
def test_other_dtypes_are_refused(dtype):
    with pytest.raises(ProtocolError, match="is not uint8, uint16 or float32") as refused:
        decode(frame_message(dtype=dtype), LIMIT)
    assert refused.value.reason == "dtype"


def test_a_frame_of_the_smallest_allowed_side_is_accepted():
    assert decode(frame_message(np.zeros((32, 4096), np.uint8)), LIMIT).pixels.shape == (32, 4096)


def test_the_documented_client_example_runs_against_a_service():
    import re
    import subprocess
    import sys
    from pathlib import Path

    from edge.live.loopback import LoopbackService
    from edge.live.service.config import ServiceConfig

    document = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    example = re.search(r"```python\n(.*?)```", document, re.S).group(1)
    with LoopbackService(ServiceConfig(heartbeat_s=0.2)) as running:
        service = running.service
        code = example.replace("tcp://localhost:5555", service.input_address)
        code = code.replace("tcp://localhost:5556", service.output_address)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("series 0")  # the final summary: no loops in a blank frame
