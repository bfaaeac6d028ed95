"""The streams cameras already send, through the whole service on loopback: DECTRIS SIMPLON Stream
V2 (from our own sender, written from the spec: raw, bslz4 and lz4 images) and areaDetector's
NDPluginZMQ. Results must equal the pipeline's on the same images, and every message be counted."""

import cbor2
import numpy as np
import pytest
import zmq

from edge.io.bundled import sample_frames
from edge.live.inputs.adzmq_sim import encode_array
from edge.live.inputs.dectris_sim import encode_end, encode_image, encode_start
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline.from_settings(PipelineSettings(backend="onnxruntime"))


@pytest.fixture(scope="module")
def images():
    return [(frame.pixels[:512, :512].astype(np.uint16) * np.uint16(257)) for frame, _ in list(sample_frames())[:3]]


def stream(pipeline, input_format: str, messages: list, until) -> tuple[list, dict]:
    """Run a service speaking ``input_format``, send ``messages`` (each a list of parts), and
    collect what it publishes until ``until`` accepts a message; also its last counts."""
    with LoopbackService(ServiceConfig(input_format=input_format, heartbeat_s=0.2), pipeline) as running:
        sender = running.context.socket(zmq.PUSH)
        sender.setsockopt(zmq.LINGER, 0)
        sender.connect(running.service.input_address)
        for parts in messages:
            sender.send_multipart(parts)
        published = running.receive_until(until)
        sender.close(0)
    return published, running.service.counters.snapshot()


def test_a_stream_v2_series_gives_the_pipelines_results_raw_and_compressed(pipeline, images):
    messages = [[encode_start("series-a", pixel_size_nm=0.5)]]
    messages += [[encode_image("series-a", i, image, compression)] for i, (image, compression) in
                 enumerate(zip(images, ("", "bslz4", "lz4"), strict=True))]  # fmt: skip
    messages += [[encode_end("series-a")]]
    published, counts = stream(pipeline, "dectris", messages, lambda topic, body: topic == "series" and body["final"])
    frames = in_order(published)
    expected = [pipeline.analyse(image, 0.5) for image in images]
    assert [body["frame"] for body in frames] == [0, 1, 2]
    assert [body["count"] for body in frames] == [result.stats.count for result in expected]
    assert [body["mean_diameter_nm"] for body in frames] == [result.stats.mean_diameter_nm for result in expected]
    final = published[-1][1]
    assert final["series"] == "series-a" and final["frames"] == 3 and final["count"] == sum(b["count"] for b in frames)
    assert counts["received"] == counts["processed"] == 3 and counts["errors"] == 0


def hand_made_image(image_id: int, typed_array: cbor2.CBORTag) -> bytes:
    """A Stream V2 image of series "b" whose one 64x64 channel holds ``typed_array``."""
    array = cbor2.CBORTag(40, [[64, 64], typed_array])
    return cbor2.dumps({"type": "image", "series_unique_id": "b", "image_id": image_id, "data": {"threshold_1": array}})


def in_order(published: list) -> list[dict]:
    """The frame messages by series and frame id (workers finish frames in any order)."""
    return sorted((body for topic, body in published if topic == "frame"), key=lambda b: (b["series"], b["frame"]))


def test_bad_stream_v2_messages_and_an_aborted_series_are_counted_and_never_mixed(pipeline, images):
    image = images[0][:64, :64]
    good = encode_image("b", 0, image)
    unknown_tag = hand_made_image(1, cbor2.CBORTag(99, b"\0" * 8192))
    wrong_size = hand_made_image(2, cbor2.CBORTag(69, b"\0" * 10))
    messages = [
        [b"\xff\x00 not cbor"],
        [encode_start("b")],
        [good[: len(good) // 2]],  # truncated
        [unknown_tag],
        [wrong_size],
        [good],
        [encode_start("c")],  # "b" aborted: no end
        [encode_image("b", 1, image)],  # a late image of "b"
        [encode_image("c", 0, image)],
        [encode_end("b")],  # a late end of "b"
        [encode_end("c")],
    ]
    ended = set()

    def both_ended(topic: str, body: dict) -> bool:
        if topic == "series" and body["final"]:
            ended.add(body["series"])
        return ended == {"b", "c"}

    published, counts = stream(pipeline, "dectris", messages, both_ended)
    finals = {body["series"]: body for topic, body in published if topic == "series" and body["final"]}
    assert finals["b"]["frames"] == 1 and finals["c"]["frames"] == 1
    assert counts["errors_by_reason"] == {"header": 2, "dtype": 1, "pixels": 1, "stale_series": 2}
    assert counts["received"] == counts["processed"] + counts["errors"] == 2 + 6


def test_an_areadetector_stream_gives_the_pipelines_results_and_a_reset_counter_starts_a_series(pipeline, images):
    attributes = {"pixel_size_nm": 0.5}
    messages = [encode_array(image, 10 + i, attributes) for i, image in enumerate(images)]
    messages += [[b"{not json", b""], [encode_array(images[0], 13)[0], b"\0" * 7]]
    messages += [encode_array(images[0], 1, attributes)]  # the IOC's counter was reset: a new acquisition
    seen = set()

    def restarted_and_first_ended(topic: str, body: dict) -> bool:
        seen.add((topic, body.get("series"), body.get("frame") if topic == "frame" else body.get("final")))
        return {("frame", "adzmq-2", 1), ("series", "adzmq", True)} <= seen

    published, counts = stream(pipeline, "adzmq", messages, restarted_and_first_ended)
    frames = in_order(published)
    expected = [pipeline.analyse(image, 0.5).stats.count for image in images]
    assert [body["count"] for body in frames] == [*expected, expected[0]]
    assert [body["series"] for body in frames] == ["adzmq"] * 3 + ["adzmq-2"]
    final = next(body for topic, body in published if topic == "series" and body["final"])
    assert final["series"] == "adzmq" and final["frames"] == 3 and final["mean_diameter_nm"] is not None
    assert counts["errors_by_reason"] == {"header": 1, "pixels": 1}
    assert counts["received"] == counts["processed"] + counts["errors"] == 4 + 2
