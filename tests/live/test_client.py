"""The client module against a real service on loopback: FrameSender in, typed results out."""

import threading

import numpy as np

from edge.live.client import FrameSender, FrameUpdate, SeriesUpdate, StatusUpdate, results, watch
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.pipeline.synthetic import render_loop


def test_frames_sent_with_frame_sender_come_back_as_typed_updates():
    frame = render_loop((256, 256), (128, 128), (20, 15), 30, 4, 60, noise=6, seed=0).clip(0, 255).astype(np.uint8)
    with LoopbackService(ServiceConfig(heartbeat_s=0.2)) as running:
        updates = []
        subscribed = threading.Event()

        def collect(update) -> bool:
            subscribed.set()  # a status came: the subscription is live
            updates.append(update)
            return isinstance(update, SeriesUpdate) and update.final

        reader = threading.Thread(
            target=watch, args=(running.service.output_address, collect), kwargs={"timeout_s": 30}
        )
        reader.start()
        assert subscribed.wait(30)
        sender = FrameSender(running.service.input_address)
        sender.start_series("grain-3", pixel_size_nm=0.5)
        assert [sender.send(frame), sender.send(frame)] == [1, 2]
        sender.close()
        reader.join()
    frames = [u for u in updates if isinstance(u, FrameUpdate)]
    final = updates[-1]
    assert sorted(u.frame for u in frames) == [1, 2] and frames[0].count > 0 and frames[0].mean_diameter_nm
    assert final.series == "grain-3" and final.frames == 2 and final.count == sum(u.count for u in frames)
    assert any(isinstance(u, StatusUpdate) and u.state == "ready" for u in updates)


def test_results_ends_after_its_timeout_without_updates():
    assert list(results("tcp://127.0.0.1:9", timeout_s=0.2)) == []
