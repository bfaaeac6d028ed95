import dataclasses
import subprocess
import sys

import msgpack
import numpy as np
import pytest
import zmq

from edge.io.bundled import sample_frames, sample_paths
from edge.io.images import read_frame
from edge.live.client import encode_frame, encode_series_end, encode_series_start, read_publication
from edge.live.inputs.files import FileSource
from edge.live.inputs.files_sim import write_frames
from edge.live.inputs.native_sim import load_frames, replay
from edge.live.loopback import LOOPBACK, LoopbackService, receive_until
from edge.live.service.config import ServiceConfig
from edge.live.service.counters import Counters
from edge.live.service.wiring import Service
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings
from edge.pipeline.synthetic import render_loop


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline.from_settings(PipelineSettings(backend="onnxruntime"))


@pytest.fixture
def running(pipeline):
    """Start a service with the given settings; yields (service, subscriber, sender); stops it after."""
    made = []

    def start(**settings):
        loopback = LoopbackService(ServiceConfig(**{"heartbeat_s": 0.2, **settings}), pipeline).start()
        sender = loopback.context.socket(zmq.PUSH)
        sender.setsockopt(zmq.LINGER, 0)
        sender.connect(loopback.service.input_address)
        made.append((loopback, sender))
        return loopback.service, loopback.subscriber, sender

    yield start
    for loopback, sender in made:
        sender.close(0)
        loopback.close()


def small_frame(seed: int) -> np.ndarray:
    frame = render_loop((256, 256), (128, 128), (20, 15), 30, 4, 60, noise=6, seed=seed)
    return frame.clip(0, 255).astype(np.uint8)


def final_series(topic, body):
    return topic == "series" and body["final"]


def test_published_statistics_equal_the_pipeline_on_the_same_frames(running, pipeline):
    service, subscriber, sender = running()
    frames = load_frames(sample_paths()[:2], 0.5)
    replay(frames, f"connect:{service.input_address}", "samples", context=zmq.Context.instance())
    messages = receive_until(subscriber, final_series)
    published = {body["frame"]: body for topic, body in messages if topic == "frame"}
    assert sorted(published) == [1, 2]  # numbered from 1, as the page and the terminal show them
    for number, (pixels, _) in enumerate(frames, start=1):
        expected = pipeline.analyse(pixels, 0.5)
        body = published[number]
        assert body["count"] == expected.stats.count
        assert body["mean_diameter_nm"] == pytest.approx(expected.stats.mean_diameter_nm)
        assert body["density_per_um2"] == pytest.approx(expected.stats.density_per_um2)
        assert [d["major_px"] for d in body["defects"]] == pytest.approx([d.major_px for d in expected.defects])
        assert set(body["stage_ms"]) == {"classify", "detect", "screen", "measure"} and body["latency_ms"] > 0
        assert body["scene"] is None
    final = messages[-1][1]
    assert final["frames"] == 2 and final["count"] == sum(b["count"] for b in published.values())
    assert sum(final["diameter_histogram"]["counts"]) == final["count"]


def test_overload_drops_are_counted_and_every_frame_accounted_for(running):
    service, subscriber, sender = running(workers=1, queue_size=1, summary_every=1000)
    pixels = read_frame(sample_paths()[0]).pixels  # a real 1024x1024 frame takes a worker a while
    sender.send_multipart(encode_series_start("burst", 1.0))
    for index in range(30):
        sender.send_multipart(encode_frame("burst", index, pixels))
    sender.send_multipart(encode_series_end("burst"))
    final = receive_until(subscriber, final_series)[-1][1]
    counts = service.counters.snapshot()
    assert counts["received"] == 30 and counts["dropped"] > 0
    assert counts["received"] == counts["processed"] + counts["dropped"] + counts["errors"]
    assert final["frames"] == counts["processed"]


def test_bad_messages_are_counted_and_do_not_stop_the_service(running):
    service, subscriber, sender = running()
    header_only = encode_frame("bad", 0, small_frame(0))[:1]
    wrong_size = [encode_frame("bad", 1, small_frame(0))[0], b"\x00" * 10]
    wrong_dtype = encode_frame("bad", 2, small_frame(0).astype(np.int64))
    # a boolean in the shape killed the receiving thread (TypeError in reshape), and frame ids at
    # the 64-bit limits made the gaps counter too large for msgpack, silencing the publisher
    pixels = small_frame(0)
    bool_shape = [
        msgpack.packb({"htype": "frame", "series": "bad", "frame": 3, "shape": [True, pixels.size], "dtype": "uint8"}),
        pixels.tobytes(),
    ]
    lowest_id = encode_frame("bad", -(2**63), pixels)
    highest_id = encode_frame("bad", 2**64 - 1, pixels)
    bad = (
        [b"garbage"],
        [b"\x81\xa5htype\xa4nope"],
        header_only,
        wrong_size,
        wrong_dtype,
        bool_shape,
        lowest_id,
        highest_id,
        [msgpack.packb({"htype": "frame", "series": 5, "frame": 0, "shape": [256, 256], "dtype": "uint8"}), pixels],
        [msgpack.packb({"htype": "series_start", "series": "bad", "pixel_size_nm": float("nan")})],
        [*encode_series_end("bad"), b"extra"],
        encode_frame("bad", 4, np.zeros((1, 4096), np.uint8)),
    )
    for message in bad:
        sender.send_multipart(message)
    sender.send_multipart(encode_frame("good", 0, small_frame(1)))
    receive_until(subscriber, lambda topic, body: topic == "frame" and body["series"] == "good")
    status = receive_until(subscriber, lambda topic, body: topic == "status" and body["errors"] == len(bad))[-1][1]
    assert status["received"] == len(bad) + 1 and status["processed"] == 1
    assert status["errors_by_reason"] == {
        "header": 1,
        "parts": 2,
        "pixels": 1,
        "dtype": 1,
        "shape": 1,
        "frame_id": 2,
        "series": 2,
        "pixel_size": 1,
        "too_small": 1,
    }


def test_gaps_and_frames_of_an_ended_series_are_counted(running):
    service, subscriber, sender = running()
    sender.send_multipart(encode_series_start("gappy"))
    for index in (0, 1, 5):
        sender.send_multipart(encode_frame("gappy", index, small_frame(index)))
    sender.send_multipart(encode_series_end("gappy"))
    sender.send_multipart(encode_frame("gappy", 6, small_frame(6)))
    final = receive_until(subscriber, final_series)[-1][1]
    assert final["frames"] == 3 and final["mean_diameter_nm"] is None and final["diameter_histogram"]["unit"] == "px"
    status = receive_until(subscriber, lambda topic, body: topic == "status" and body["errors"] == 1)[-1][1]
    assert status["gaps"] == 3 and status["received"] == 4


def test_a_late_subscriber_gets_status(running):
    service, subscriber, _ = running()
    # joins after the service has published: the first subscriber has seen a further heartbeat
    receive_until(subscriber, lambda topic, body: topic == "status")
    late = zmq.Context.instance().socket(zmq.SUB)
    late.setsockopt(zmq.SUBSCRIBE, b"status")
    late.connect(service.output_address)
    topic, body = receive_until(late, lambda topic, body: True, timeout_s=3)[-1]
    late.close(0)
    assert topic == "status" and body["state"] == "ready" and body["uptime_s"] > 0


def test_shutdown_publishes_the_final_summary_of_an_open_series(running):
    service, subscriber, sender = running()
    sender.send_multipart(encode_frame("open", 0, small_frame(0), pixel_size_nm=0.5))
    receive_until(subscriber, lambda topic, body: topic == "frame")
    service.stop()
    service.wait()
    messages = receive_until(subscriber, lambda topic, body: topic == "status" and body["state"] == "stopped")
    finals = [body for topic, body in messages if final_series(topic, body)]
    assert finals and finals[0]["series"] == "open" and finals[0]["frames"] == 1


def test_replayed_files_keep_their_pixels():
    pixels, size = load_frames(sample_paths()[:1], None)[0]
    np.testing.assert_array_equal(pixels, read_frame(sample_paths()[0]).pixels)
    assert size is None


def test_warm_up_compiles_every_kernel_before_the_first_frame():
    # a fresh interpreter: in this one earlier tests have already compiled the kernels
    code = (
        "from edge.pipeline.pipeline import Pipeline\n"
        "from edge.kernels import landscape, rays, watershed\n"
        "kernels = (watershed._flood, landscape._outline_landscape, landscape._basin_light_level,"
        " landscape._filled_landscape, landscape._brighter_inside, landscape._region_moments,"
        " landscape._dark_edge_share, landscape._edge_level, landscape._annulus_median, rays._ray_edges,"
        " rays._ray_lines)\n"
        "assert not any(k.signatures for k in kernels)\n"
        "Pipeline.from_settings().warm_up()\n"
        "print(*(len(k.signatures) for k in kernels))\n"
    )
    counts = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert all(int(count) >= 1 for count in counts), counts


def test_uint16_frame_scaled_by_257_gives_the_same_defects_as_its_uint8_original(pipeline):
    frame, _ = next(iter(sample_frames()))
    as_uint8 = pipeline.analyse(frame.pixels, 0.5)
    as_uint16 = pipeline.analyse(frame.pixels.astype(np.uint16) * np.uint16(257), 0.5)
    assert as_uint8.stats.count > 10
    assert len(as_uint16.defects) == len(as_uint8.defects)
    for wide, narrow in zip(as_uint16.defects, as_uint8.defects, strict=True):
        # the same up to float32 rounding of the levels, 257 times larger
        assert dataclasses.replace(wide, x=narrow.x, y=narrow.y, major_px=narrow.major_px, minor_px=narrow.minor_px,
                                   angle_deg=narrow.angle_deg, area_px=narrow.area_px) == narrow  # fmt: skip
        measured = ("x", "y", "major_px", "minor_px", "angle_deg", "area_px")
        assert [getattr(wide, name) for name in measured] == pytest.approx(
            [getattr(narrow, name) for name in measured], rel=1e-4
        )


def test_counters_stay_within_int64_whatever_the_gaps():
    counters = Counters()
    for _ in range(3):
        counters.add(gaps=2**63 - 2)
    assert counters.snapshot()["gaps"] == 2**63 - 1
    msgpack.packb(counters.snapshot())


def test_a_thread_that_dies_stops_the_service_and_reports_a_failure_not_a_clean_stop(running):
    service, subscriber, sender = running()

    def broken_take(message):
        raise RuntimeError("injected fault")

    service.intake.take = broken_take  # the receiver's handling of the next frame fails unexpectedly
    sender.send_multipart(encode_frame("s", 0, small_frame(0)))
    service.wait()  # returns: the receiver has ended, and the service wound down by itself
    final = receive_until(subscriber, lambda topic, body: topic == "status" and body["state"] != "ready")[-1][1]
    while final["state"] == "stopping":
        final = receive_until(subscriber, lambda topic, body: topic == "status")[-1][1]
    assert final["state"] == "failed" and final["fault"] == "receiver: RuntimeError: injected fault"
    assert service.fault == final["fault"]


def test_past_max_series_the_least_recently_seen_series_is_closed_with_its_final_summary(running):
    service, subscriber, sender = running(max_series=2)
    for name, frame in (("a", 0), ("b", 0), ("a", 1), ("c", 0)):  # "b" is the least recently seen when "c" comes
        sender.send_multipart(encode_frame(name, frame, small_frame(frame)))
    final = receive_until(subscriber, lambda topic, body: topic == "series" and body["final"])[-1][1]
    assert final["series"] == "b" and final["frames"] == 1
    status = receive_until(subscriber, lambda topic, body: topic == "status" and body["processed"] == 4)[-1][1]
    assert status["series_closed"] == 1 and status["errors"] == 0


def test_a_stray_series_end_is_counted_with_its_reason(running):
    service, subscriber, sender = running()
    sender.send_multipart(encode_series_end("never-started"))
    status = receive_until(subscriber, lambda topic, body: topic == "status" and body["errors"] == 1)[-1][1]
    assert status["errors_by_reason"] == {"stray_series_end": 1} and status["received"] == 1


def test_a_repeated_series_start_keeps_frames_in_flight_with_the_series_they_came_in(running):
    service, subscriber, sender = running(workers=1, queue_size=8, keep="oldest")
    pixels = read_frame(sample_paths()[0]).pixels  # a real frame: the first series is still in flight
    sender.send_multipart(encode_series_start("s", 1.0))
    for index in range(3):
        sender.send_multipart(encode_frame("s", index, pixels))
    sender.send_multipart(encode_series_start("s", 2.0))
    for index in range(2):
        sender.send_multipart(encode_frame("s", index, small_frame(index)))
    sender.send_multipart(encode_series_end("s"))
    messages = receive_until(subscriber, lambda topic, body: final_series(topic, body) and body["frames"] == 2)
    finals = [body for topic, body in messages if final_series(topic, body)]
    assert [body["frames"] for body in finals] == [3, 2]
    frames = [body for topic, body in messages if topic == "frame"]
    assert [body["pixel_size_nm"] for body in frames] == [1.0, 1.0, 1.0, 2.0, 2.0]
    assert service.counters.snapshot()["errors"] == 0


def test_keep_oldest_refuses_the_frames_that_come_while_the_queue_is_full(running):
    service, subscriber, sender = running(workers=1, queue_size=1, keep="oldest")
    pixels = read_frame(sample_paths()[0]).pixels
    sender.send_multipart(encode_series_start("burst"))
    for index in range(10):
        sender.send_multipart(encode_frame("burst", index, pixels))
    sender.send_multipart(encode_series_end("burst"))
    messages = receive_until(subscriber, final_series)
    processed = [body["frame"] for topic, body in messages if topic == "frame"]
    counts = service.counters.snapshot()
    # the first frame is never refused; which later ones get in depends on when the worker frees
    # the queue (frame 9 can, when frame 0 was done before it came: the old assertion that it
    # never is failed on a busy machine)
    assert processed[0] == 0 and processed == sorted(processed)
    assert counts["dropped"] == 10 - len(processed) > 0


def test_without_drain_on_stop_the_queued_frames_are_dropped_and_counted(running):
    service, subscriber, sender = running(workers=1, queue_size=8, keep="oldest", drain_on_stop=False)
    pixels = read_frame(sample_paths()[0]).pixels
    for index in range(6):
        sender.send_multipart(encode_frame("s", index, pixels))
    receive_until(subscriber, lambda topic, body: topic == "frame")
    service.stop()
    service.wait()
    counts = service.counters.snapshot()
    assert counts["dropped"] > 0 and counts["received"] == counts["processed"] + counts["dropped"]
    final = receive_until(subscriber, final_series)[-1][1]
    assert final["frames"] == counts["processed"]


def test_ordered_publishes_frames_in_the_order_they_came_although_later_ones_finish_first(running):
    service, subscriber, sender = running(workers=2, queue_size=16, keep="oldest", ordered=True)
    large = read_frame(sample_paths()[0]).pixels  # a 1024x1024 frame takes far longer than a 256x256 one
    sender.send_multipart(encode_series_start("mixed"))
    for index in range(8):
        sender.send_multipart(encode_frame("mixed", index, large if index % 2 == 0 else small_frame(index)))
    sender.send_multipart(encode_series_end("mixed"))
    messages = receive_until(subscriber, final_series)
    assert [body["frame"] for topic, body in messages if topic == "frame"] == list(range(8))
    assert messages[-1][1]["frames"] == 8


def test_ordered_with_frames_dropped_still_publishes_the_rest_in_order_and_ends_the_series(running):
    service, subscriber, sender = running(workers=2, queue_size=1, keep="newest", ordered=True)
    large = read_frame(sample_paths()[0]).pixels
    sender.send_multipart(encode_series_start("burst"))
    for index in range(12):
        sender.send_multipart(encode_frame("burst", index, large if index % 3 else small_frame(index)))
    sender.send_multipart(encode_series_end("burst"))
    messages = receive_until(subscriber, final_series)
    published = [body["frame"] for topic, body in messages if topic == "frame"]
    counts = service.counters.snapshot()
    assert published == sorted(published) and counts["dropped"] > 0
    assert counts["received"] == 12 == len(published) + counts["dropped"]


def test_a_sub_input_takes_frames_from_a_publisher(running):
    service, subscriber, _ = running(input_socket="sub")
    context = zmq.Context.instance()
    publisher = context.socket(zmq.PUB)
    publisher.setsockopt(zmq.LINGER, 0)
    publisher.connect(service.input_address)
    try:  # a PUB drops what it sends before the subscription reaches it: send until a result comes
        for index in range(100):
            publisher.send_multipart(encode_frame("sub", index, small_frame(index)))
            if subscriber.poll(200) and any(topic == "frame" for topic, _ in drain(subscriber)):
                break
        else:
            raise AssertionError("no frame sent over PUB/SUB was analysed")
    finally:
        publisher.close()
    assert service.counters.snapshot()["processed"] >= 1


def drain(subscriber) -> list[tuple[str, dict]]:
    messages = []
    while subscriber.poll(0):
        messages.append(read_publication(subscriber.recv_multipart()))
    return messages


def test_image_files_run_through_the_service_as_one_series_that_ends_it(pipeline):
    paths = sample_paths()[:2]
    config = ServiceConfig(output=LOOPBACK)
    context = zmq.Context()
    service = Service(config, pipeline, context, source=FileSource([*paths, paths[0].with_suffix(".txt")], "files"))
    service.start()
    service.wait()  # returns by itself: the files have run out
    counts = service.counters.snapshot()
    assert counts["processed"] == 2 and counts["errors_by_reason"] == {"undecodable": 1}
    context.term()


def test_uint16_frames_written_as_files_reach_the_pipeline_as_they_were_written(tmp_path):
    frames = [small_frame(seed).astype(np.uint16) * np.uint16(257) for seed in range(3)]
    source = FileSource(write_frames(frames, tmp_path), "files", pixel_size_nm=0.5)
    messages = [source.receive() for _ in range(5)]
    assert source.receive() is None
    assert [type(m).__name__ for m in messages] == [
        "SeriesStart",
        "FrameMessage",
        "FrameMessage",
        "FrameMessage",
        "SeriesEnd",
    ]
    for message, frame in zip(messages[1:4], frames, strict=True):
        assert message.pixels.dtype == np.uint16 and np.array_equal(message.pixels, frame)


def test_a_flood_of_bad_messages_is_logged_once_a_second_per_kind_and_counted_in_full(running, caplog):
    service, subscriber, sender = running()
    for _ in range(50):
        sender.send_multipart([b"garbage"])
    status = receive_until(subscriber, lambda topic, body: topic == "status" and body["errors"] == 50)[-1][1]
    assert status["errors_by_reason"] == {"header": 50}
    logged = [record for record in caplog.records if "bad message" in record.getMessage()]
    assert 1 <= len(logged) < 50


def test_edge_serve_on_files_prints_each_files_loops_and_the_summary_and_ends(capsys, pipeline):
    from edge.cli import main

    paths = sample_paths()[:2]
    command = ["serve", "--files", *map(str, paths), "--out", "bind:tcp://127.0.0.1:*", "--pixel-size", "0.5"]
    assert main([*command, "--backend", "onnxruntime"]) == 0
    printed = capsys.readouterr().out.splitlines()
    counts = [pipeline.analyse(read_frame(path).pixels, 0.5).stats.count for path in paths]
    for number, (path, count) in enumerate(zip(paths, counts, strict=True), start=1):
        assert any(line.startswith(f"frame   {number}/2 ({path.name}): {count:3d} loops, diameter ") and " nm" in line
                   for line in printed)  # fmt: skip
    assert any(f"series 'files' (final): 2 frames, {sum(counts)} loops" in line for line in printed)
    assert "'processed': 2," in printed[-1] and "'errors': 0," in printed[-1]
