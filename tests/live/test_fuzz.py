"""Property-based fuzzing of the wire protocol: whatever a sender puts in a header, and however
many parts it sends, the decoder answers with a message or a ProtocolError naming its reason, and
the service stays up with exact accounting."""

import msgpack
import numpy as np
import pytest
import zmq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.live.client import encode_frame
from edge.live.inputs.messages import REJECTIONS, ProtocolError
from edge.live.inputs.native import decode
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.live.service.counters import Counters

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.binary(max_size=8),
    st.lists(st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.booleans(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(min_value=-(2**63), max_value=2**64 - 1), max_size=2),
)
FIELD_VALUES = {
    "htype": st.sampled_from(["frame", "series_start", "series_end", "Frame", ""]) | ANY_VALUE,
    "series": st.sampled_from(["s", "t"]) | ANY_VALUE,
    "frame": st.integers(min_value=0, max_value=3) | ANY_VALUE,
    "shape": st.sampled_from([[32, 32], [40, 33], [32, 2], [33, 33]]) | ANY_VALUE,
    "dtype": st.sampled_from(["uint8", "uint16", "float32", "int8"]) | ANY_VALUE,
    "pixel_size_nm": st.floats(allow_nan=True, allow_infinity=True) | ANY_VALUE,
    "timestamp": st.floats(allow_nan=True, allow_infinity=True) | ANY_VALUE,
    "metadata": ANY_VALUE,
}
HEADERS = st.fixed_dictionaries({}, optional=FIELD_VALUES)
PIXELS = st.sampled_from([32 * 32, 2 * 32 * 32, 4 * 32 * 32, 40 * 33, 2 * 33 * 33, 0, 7]).map(lambda n: bytes(n))


@st.composite
def messages(draw) -> list[bytes]:
    header = draw(HEADERS | ANY_VALUE)
    first = msgpack.packb(header) if draw(st.booleans()) else draw(st.binary(max_size=16))
    return [first, *draw(st.lists(PIXELS, max_size=2))]


@settings(max_examples=2000, deadline=None)
@given(messages())
def test_the_decoder_answers_every_message_with_a_message_or_a_reason(parts):
    try:
        decode(parts, max_frame_bytes=1 << 20)
    except ProtocolError as error:
        assert error.reason in REJECTIONS


@pytest.fixture(scope="module")
def loopback():
    with LoopbackService(ServiceConfig(heartbeat_s=0.2, queue_size=64, keep="oldest")) as running:
        sender = running.context.socket(zmq.PUSH)
        sender.setsockopt(zmq.LINGER, 0)
        sender.connect(running.service.input_address)
        yield running, sender
        sender.close(0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(messages(), min_size=1, max_size=40))
def test_the_service_stays_up_and_counts_every_fuzzed_message(loopback, batch):
    running, sender = loopback
    before = running.service.counters.snapshot()
    for parts in batch:
        sender.send_multipart(parts)
    marker = f"alive-{before['received']}"
    sender.send_multipart(encode_frame(marker, 0, np.full((64, 64), 128, np.uint8)))
    running.receive_until(lambda topic, body: topic == "frame" and body["series"] == marker)
    status = running.receive_until(lambda topic, body: topic == "status" and _settled(body))[-1][1]
    assert status["state"] == "ready"
    assert status["received"] == status["processed"] + status["dropped"] + status["errors"]
    assert sum(status["errors_by_reason"].values()) == status["errors"]


def _settled(status: dict) -> bool:
    return (
        status["queue_depth"] == 0 and status["received"] == status["processed"] + status["dropped"] + status["errors"]
    )


def test_counters_refuse_a_reason_the_protocol_does_not_name():
    with pytest.raises(ValueError, match="unknown rejection reason"):
        Counters().reject("because")
