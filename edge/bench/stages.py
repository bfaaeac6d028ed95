"""``edge bench``: speed, measured as medians and as ratios against baselines in the same run."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np
from skimage.segmentation import watershed as skimage_watershed

from edge.bench.baselines import PREVIOUS_CLASSIFIER, PerCropScreener, sample_floods
from edge.io.bundled import sample_frames
from edge.io.images import to_uint8
from edge.kernels.watershed import flood
from edge.pipeline.detect import LoopDetector
from edge.pipeline.measure import LoopMeasurer
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.scene import SceneClassifier
from edge.pipeline.screen import Screener
from edge.pipeline.settings import PipelineSettings


def bench_watershed(crop_count: int, repeats: int) -> dict:
    """Time the Numba flood, skimage's watershed and cv2.watershed on the same floods, those the
    measurement runs on the bundled samples' labelled boxes; print and return medians (ms per
    batch) and ratios."""
    crops = sample_floods(crop_count)
    colour_crops = [cv2.cvtColor(landscape, cv2.COLOR_GRAY2BGR) for landscape, _ in crops]
    contenders: dict[str, Callable[[], None]] = {
        "numba bucket-queue flood": lambda: [flood(landscape, markers) for landscape, markers in crops],
        "skimage.segmentation.watershed": lambda: [skimage_watershed(*crop) for crop in crops],
        "cv2.watershed": lambda: [
            cv2.watershed(image, markers.copy()) for image, (_, markers) in zip(colour_crops, crops, strict=True)
        ],
    }
    pixels = sum(landscape.size for landscape, _ in crops)
    print(f"watershed on {len(crops)} crops ({pixels / len(crops):.0f} px each on average), median of {repeats} runs:")
    return _compare(contenders, repeats, "the Numba flood's time")


def bench_measurement(repeats: int) -> dict:
    """Median time (ms) of the whole measuring stage per bundled sample frame, on its labelled
    boxes: cropping, landscape, flood and ellipse, as the pipeline runs it on a uint16 frame; on
    one thread, and on as many threads as this machine has cores, 2 to 4, against it."""
    threads = max(2, min(4, os.cpu_count() or 1))
    on_one, on_several = LoopMeasurer(), LoopMeasurer(threads=threads)
    times, threaded, boxes_measured = [], [], []
    for frame, boxes in sample_frames():
        pixels = frame.pixels.astype(np.uint16) * np.uint16(257)
        on_one.measure(pixels, boxes)  # warm-up
        times.append(_median_ms(lambda pixels=pixels, boxes=boxes: on_one.measure(pixels, boxes), repeats))
        threaded.append(_median_ms(lambda pixels=pixels, boxes=boxes: on_several.measure(pixels, boxes), repeats))
        boxes_measured.append(len(boxes))
    median, threaded_median = statistics.median(times), statistics.median(threaded)
    print(
        f"measuring stage on the labelled boxes of {len(times)} uint16 frames ({statistics.mean(boxes_measured):.0f} "
        f"boxes each on average), median of {repeats} runs per frame: {median:.2f} ms per frame "
        f"({1e3 * sum(times) / sum(boxes_measured):.1f} us per box); on {threads} threads (--measure-threads "
        f"{threads}) {threaded_median:.2f} ms, {median / threaded_median:.2f}x as fast"
    )
    return {"ms_per_frame": median, "frames": times, "threads": threads, "threaded_ms_per_frame": threaded_median}


def bench_detection(repeats: int) -> dict:
    """Median detection time (ms) per bundled sample frame, grouped by frame size."""
    detector = LoopDetector()
    by_size: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for frame, _ in sample_frames():
        view = to_uint8(frame.pixels)
        detector.detect(view)  # warm-up
        size = f"{view.shape[1]}x{view.shape[0]}"
        by_size.setdefault(size, []).append(_median_ms(lambda view=view: detector.detect(view), repeats))
        counts.setdefault(size, []).append(len(detector.detect(view)[0]))
    threads = cv2.getNumThreads()
    print(f"cascade detection (OpenCV CascadeClassifier, {threads} threads), median of {repeats} runs per frame:")
    medians = {}
    for size, times in by_size.items():
        medians[size] = statistics.median(times)
        candidates = statistics.mean(counts[size])
        print(f"  {size}: {medians[size]:7.1f} ms per frame ({len(times)} frames), {candidates:.0f} candidates each")
    return medians


def bench_screening(repeats: int) -> dict:
    """Screening time per frame: all candidates in one batched call against one call per crop."""
    screener = Screener(backend="auto")
    frame, _ = next(iter(sample_frames()))
    view = to_uint8(frame.pixels)
    boxes, _ = LoopDetector().detect(view)
    contenders = {
        "one batched call": lambda: screener.probabilities(view, boxes),
        "one call per crop": lambda: PerCropScreener(screener).probabilities(view, boxes),
    }
    print(f"screening {len(boxes)} candidates of one 1024x1024 frame ({screener.backend.name}), median of {repeats}:")
    return _compare(contenders, repeats, "the batched call's time")


def bench_orientation(repeats: int) -> dict:
    """Time a 1024x1024 uint16 sample frame through the whole pipeline shown to the bundled models
    as it is (``polarity`` "dark" for detection and screening) and both ways up ("auto":
    ``edge.pipeline.orientation``), the measurement the same ("auto") in both."""
    frame = next(frame for frame, _ in sample_frames() if frame.pixels.shape == (1024, 1024))
    pixels = frame.pixels.astype(np.uint16) * np.uint16(257)
    both_ways = Pipeline.from_settings(PipelineSettings(polarity="auto"))
    one_way = replace(both_ways, polarity="dark")  # the same measurer, still "auto"
    contenders = {
        "shown as it is": lambda: one_way.analyse(pixels),
        "shown both ways up (auto)": lambda: both_ways.analyse(pixels),
    }
    print(f"a 1024x1024 uint16 frame through the pipeline, shown to the models one way or both, median of {repeats}:")
    return _compare(contenders, repeats, "one way's time")


def bench_classification(repeats: int) -> dict:
    """Scene classification time per uint16 frame (the bundled example model), by frame size,
    against the cascade's detection of the same frame (the bar: a scene costs no more than
    detecting the frame's loops) and the classifier bundled before it (a CNN and a texture
    model, averaged)."""
    classifier, detector, before = SceneClassifier(), LoopDetector(), SceneClassifier(PREVIOUS_CLASSIFIER)
    medians = {}
    name = classifier.backend.name
    print(f"scene classification ({name}) against detection, median of {repeats} runs per uint16 frame:")
    for frame, _ in sample_frames():
        size = f"{frame.pixels.shape[1]}x{frame.pixels.shape[0]}"
        if size in medians:
            continue
        pixels = frame.pixels.astype(np.uint16) * np.uint16(257)
        contenders = {
            "detection (the cascade)": lambda pixels=pixels: detector.detect(to_uint8(pixels)),
            "scene classification": lambda pixels=pixels: classifier.classify(to_uint8(pixels)),
            "the classifier before": lambda pixels=pixels: before.classify(to_uint8(pixels)),
        }
        print(f"  {size}:")
        medians[size] = _compare(contenders, repeats, "detection")
    return medians


def _compare(contenders: dict[str, Callable[[], object]], repeats: int, reference: str) -> dict:
    """Warm each contender up, time it, print medians and ratios to the first one's median."""
    for run in contenders.values():
        run()  # warm-up: compilation and caches
    medians = {name: _median_ms(run, repeats) for name, run in contenders.items()}
    first = next(iter(medians.values()))
    for name, median in medians.items():
        print(f"  {name:<32} {median:8.2f} ms   {median / first:6.2f}x {reference}")
    return medians


def _median_ms(run: Callable[[], None], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)
