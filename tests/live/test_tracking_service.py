"""edge serve with tracking on: track ids, drift and the population, published over real
loopback sockets, with several workers finishing frames out of order."""

import queue

import numpy as np
import pytest
import zmq

from edge.io.dataset import read_split
from edge.io.images import read_frame
from edge.live.client import encode_frame, encode_series_end, encode_series_start, read_publication
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings
from edge.pipeline.tables import read_table
from edge.track.synthetic import score_tracking, window_series
from edge.track.table import TRACK_COLUMNS

DENSE_TRAIN_FRAME = "200kV_500kx_p2nm_8cmCL_grain1_0129 - Copy.jpg"


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline.from_settings(PipelineSettings(backend="onnxruntime"))


@pytest.fixture(scope="module")
def series(li2018):
    item = next(item for item in read_split(li2018, "train") if item.image.name == DENSE_TRAIN_FRAME)
    return window_series(read_frame(item.image).pixels, item.boxes, frames=12)


def final_series(topic, body):
    return topic == "series" and body["final"]


def send_series(service, name: str, frames: list[np.ndarray], first: int = 0) -> None:
    sender = zmq.Context.instance().socket(zmq.PUSH)
    sender.setsockopt(zmq.LINGER, 2000)
    sender.connect(service.input_address)
    sender.send_multipart(encode_series_start(name))
    for number, frame in enumerate(frames, start=first):
        sender.send_multipart(encode_frame(name, number, frame))
    sender.send_multipart(encode_series_end(name))
    sender.close()


def test_a_tracked_series_keeps_each_loop_on_one_track_with_two_workers(series, pipeline, tmp_path):
    config = ServiceConfig(workers=2, queue_size=16, keep="oldest", track=True, summary_every=4,
                           record=str(tmp_path), record_format="csv")  # fmt: skip
    with LoopbackService(config, pipeline) as running:
        send_series(running.service, "in situ", series.frames)
        messages = running.receive_until(final_series)
    frames = [body for topic, body in messages if topic == "frame"]
    assert [body["frame"] for body in frames] == list(range(len(series.frames)))  # in order, whoever finished first
    found = [(np.array([(d["x"], d["y"]) for d in body["defects"]]).reshape(-1, 2),
              np.array([d["major_px"] for d in body["defects"]]), [d["track"] for d in body["defects"]])
             for body in frames]  # fmt: skip
    scores = score_tracking(series.truth, found)
    assert scores.kept >= 0.95 and scores.purity >= 0.95 and scores.tracks >= 10
    assert all(len(body["drift_px"]) == 2 and body["tracks"]["alive"] == body["count"] for body in frames)
    assert frames[-1]["drift_px"][0] < -20  # the window moved right: the loops drifted left
    final = messages[-1][1]["tracks"]
    ids = {d["track"] for body in frames for d in body["defects"]}
    assert final["born"] == len(ids) == final["ended"] and final["open"] == 0 and final["dropped"] == 0
    assert final["born"] == sum(body["tracks"]["born"] for body in frames)
    assert final["growth"]["unit"] == "px/frame" and final["growth"]["median"] > 0
    running_summaries = [body for topic, body in messages if topic == "series" and not body["final"]]
    assert running_summaries and all("tracks" in body for body in running_summaries)
    (table,) = tmp_path.glob("*.tracks.csv")
    rows = read_table(table)
    assert list(rows[0]) == list(TRACK_COLUMNS) and {int(row["track"]) for row in rows} == ids
    (defects,) = tmp_path.glob("*.defects.csv")
    assert [int(row["track"]) for row in read_table(defects)] == [
        d["track"] for body in frames for d in body["defects"]
    ]


def test_a_restarted_series_numbers_its_tracks_afresh_and_frames_of_another_size_go_on(series, pipeline):
    with LoopbackService(ServiceConfig(track=True), pipeline) as running:
        send_series(running.service, "run", series.frames[:3])
        first = running.receive_until(final_series)
        send_series(running.service, "run", [*series.frames[:2], series.frames[2][:256, :256]], first=10)
        second = running.receive_until(final_series)
    for messages in (first, second):
        frames = [body for topic, body in messages if topic == "frame"]
        assert len(frames) == 3 and min(d["track"] for d in frames[0]["defects"]) == 1
        assert all("track" in d for body in frames for d in body["defects"])
    assert [body["frame"] for topic, body in second if topic == "frame"] == [10, 11, 12]


def test_tracking_is_off_unless_asked_for(series, pipeline):
    with LoopbackService(ServiceConfig(), pipeline) as running:
        send_series(running.service, "plain", series.frames[:2])
        messages = running.receive_until(final_series)
    frames = [body for topic, body in messages if topic == "frame"]
    assert all("drift_px" not in body and all("track" not in d for d in body["defects"]) for body in frames)
    assert "tracks" not in messages[-1][1]


def test_a_frame_that_cannot_be_published_still_lets_its_series_end():
    from dataclasses import replace

    from edge.live.inputs.messages import FrameMessage
    from edge.live.service.counters import Counters
    from edge.live.service.events import FrameAnalysed, SeriesEnded, SeriesOpened, Shutdown
    from edge.live.service.publishing import Publisher
    from edge.pipeline.measure import Defect
    from edge.pipeline.result import summarise

    context = zmq.Context.instance()
    publisher_socket, subscriber = context.socket(zmq.PUB), context.socket(zmq.SUB)
    address = "inproc://unpublishable"
    publisher_socket.bind(address)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.connect(address)
    config = ServiceConfig(track=True, preview_per_s=0)
    publisher = Publisher(publisher_socket, config, Counters(), lambda final: {"final": final})
    pixels = np.zeros((64, 64), np.uint8)
    good = summarise([Defect(20.0, 20.0, (10, 10, 30, 30), 12.0, 10.0, 0.0, 90.0)], pixels.shape, None)
    bad = replace(good, defects=[replace(good.defects[0], score=np.float32(0.5))])  # msgpack cannot pack it
    events = queue.Queue()
    frames = [
        FrameAnalysed(1, n, FrameMessage("s", n, pixels), None, 0.0, result) for n, result in enumerate([bad, good])
    ]
    for item in [SeriesOpened(1, "s"), *frames, SeriesEnded(1, 2), Shutdown()]:
        events.put(item)
    publisher.run(events)
    published = []
    while subscriber.poll(1000):
        published.append(read_publication(subscriber.recv_multipart()))
    subscriber.close(0)
    finals = [body for topic, body in published if topic == "series" and body["final"]]
    assert [body["frame"] for topic, body in published if topic == "frame"] == [1]
    assert len(finals) == 1 and finals[0]["frames"] == 2 and finals[0]["tracks"]["born"] == 1
