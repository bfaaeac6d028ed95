"""``edge train cascade``: gentle AdaBoost of multi-block LBP stumps into an OpenCV cascade.

Positives are the training split's labelled boxes (square crops around each box, with the
8 rotations and mirror images); negatives are windows of the training images that overlap
no labelled loop: random ones for the first stage, then the windows the cascade so far
still accepts (hard negatives, found with OpenCV's own detector on the training images).
Each stage adds stumps until, at the threshold that keeps ``min_hit_rate`` of the positives,
at most ``max_false_alarm`` of its negatives pass.
Positive crops are up to ``size_jitter`` times the box, so one window size finds loops of
sizes up to that factor smaller and the detector's scale steps can be as coarse.
"""

import json
import logging
import math
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

from edge.io.dataset import LabelledImage
from edge.io.images import read_frame, to_uint8
from edge.kernels.boost import best_stump
from edge.kernels.lbp import all_features, feature_codes
from edge.pipeline.cascade import Cascade, write_cascade_xml
from edge.pipeline.model_set import SETTINGS
from edge.train.derive import derive_settings
from edge.train.microscopes import as_another_microscope
from edge.train.parameters import CascadeTraining

log = logging.getLogger(__name__)


class Mining(NamedTuple):
    """A training frame as negatives are mined from it: scaled as the detector scans it."""

    frame: np.ndarray
    boxes: np.ndarray
    min_window: int


HITS_PER_IMAGE = 100  # times the negatives wanted: at most so many of one image's hits are looked at
CASCADE_BLUR_PX = (0.3, 1.0)  # --augment microscope: the blur's sigma, window pixels


def train_cascade(
    images: list[LabelledImage], out: Path, params: CascadeTraining, data: str, pixel_size_nm: float | None = None
) -> Cascade:
    """Train on ``images`` (``data`` names them in the record; ``pixel_size_nm``, their pixel
    size where the files do not say); write the XML to ``out`` after every stage, a record to
    ``out`` with the suffix ``.json``, and the settings derived from the boxes
    (``edge.train.derive``) to ``settings.json`` beside it: with the screen trained next to it,
    the folder is a model set (``edge.pipeline.model_set``)."""
    rng = np.random.default_rng(params.seed)
    settings = derive_settings(images, params.window, pixel_size_nm)
    if params.min_window_px == 0:  # negatives are mined over the scan range the detector will use
        params = replace(params, min_window_px=settings["detector"]["min_size_px"])
    frames = [to_uint8(read_frame(item.image).pixels) for item in images]
    detector = settings["detector"]
    mining = [_at_mining_scale(frame, item.boxes, detector, params) for frame, item in zip(frames, images, strict=True)]
    rects = all_features(params.window)
    positives = _positive_windows(images, frames, params, rng)
    if params.augment == "microscope":  # loops of either contrast, against either background
        inverted = zip([255 - frame for frame in frames], images, strict=True)
        mining += [_at_mining_scale(frame, item.boxes, detector, params) for frame, item in inverted]
        positives = _as_other_microscopes(positives, rng)
    cascade = Cascade(window=params.window)
    record = {"parameters": asdict(params), "data": data, "images": len(images), "features": len(rects), "stages": []}
    record["settings"] = settings
    (out.parent / SETTINGS).write_text(json.dumps(settings, indent=1))
    print(f"settings derived from the boxes: {json.dumps({k: v for k, v in settings.items() if k != 'derived_from'})}")
    started = time.perf_counter()
    print(f"{len(images)} training images, {len(positives)} positive windows, {len(rects)} LBP features", flush=True)
    for stage in range(params.stages):
        stage_started = time.perf_counter()
        if cascade.stage_count:
            positives = positives[_accepted(cascade, positives)]
        negatives, acceptance = _negative_windows(cascade, mining, params, rng, out)
        if len(negatives) < params.negatives // 10:
            print(f"stage {stage}: only {len(negatives)} negatives still pass; stopping", flush=True)
            break
        weak, threshold, hit_rate, false_alarm = _train_stage(positives, negatives, rects, params)
        cascade.add_stage(*weak, threshold)
        write_cascade_xml(cascade, out, params.min_hit_rate, params.max_false_alarm)
        seconds = time.perf_counter() - stage_started
        record["stages"].append(
            {
                "weak": len(weak[0]),
                "hit_rate": hit_rate,
                "false_alarm": false_alarm,
                "negatives_acceptance": acceptance,
                "seconds": round(seconds, 1),
            }
        )
        print(
            f"stage {stage:2d}: {len(weak[0]):2d} stumps, hit rate {hit_rate:.4f}, false alarm {false_alarm:.3f}, "
            f"negatives accepted by the cascade so far {acceptance:.2e}, {seconds:.0f} s",
            flush=True,
        )
    record["training_seconds"] = round(time.perf_counter() - started, 1)
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    return cascade


def _positive_windows(
    images: list[LabelledImage], frames: list[np.ndarray], params: CascadeTraining, rng
) -> np.ndarray:
    """Square windows around each labelled box, in its 8 rotations and mirror images. A small
    data set (fewer than ``params.positives`` windows so) gets more copies of each box, each
    enlarged and shifted at random by up to a tenth of its size, as the paper augmented."""
    boxes = sum(len(item.boxes) for item in images)
    copies = max(1, math.ceil(params.positives / max(8 * boxes, 1)))
    windows = []
    for item, frame in zip(images, frames, strict=True):
        for box in item.boxes:
            for copy in range(copies):
                shifted = box if copy == 0 else _shifted(box, rng)
                window = _square_crop(frame, shifted, params.window, rng.uniform(1.0, params.size_jitter))
                for turn in range(4):
                    rotated = np.rot90(window, turn)
                    windows += [rotated, rotated[:, ::-1]]
    windows = np.array(windows)
    chosen = rng.choice(len(windows), size=min(params.positives, len(windows)), replace=False)
    return windows[np.sort(chosen)]


def _as_other_microscopes(windows: np.ndarray, rng) -> np.ndarray:
    """Positive windows ``(N, S, S)`` uint8 as other microscopes show loops
    (``edge.train.microscopes``; blur sigma 0.3-1 window px)."""
    shown = [as_another_microscope(window, rng, CASCADE_BLUR_PX) for window in windows]
    return np.clip(np.rint(shown), 0, 255).astype(np.uint8)


def _shifted(box: np.ndarray, rng) -> np.ndarray:
    side = max(box[2] - box[0], box[3] - box[1])
    dx, dy = rng.uniform(-0.1, 0.1, 2) * side
    return box + np.array([dx, dy, dx, dy])


def _square_crop(frame: np.ndarray, box: np.ndarray, window: int, enlarge: float) -> np.ndarray:
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * enlarge
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(round(cx - side / 2)), int(round(cy - side / 2))
    side = int(round(side))
    pad = side
    padded = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    crop = padded[top + pad : top + pad + side, left + pad : left + pad + side]
    return cv2.resize(crop, (window, window), interpolation=cv2.INTER_AREA)


def loop_free(window: tuple[float, float, float, float], boxes: np.ndarray) -> bool:
    """True when the window ``[x0, y0, x1, y1]`` covers no labelled box by more than a fifth
    of the smaller of the two."""
    if len(boxes) == 0:
        return True
    x0, y0, x1, y1 = window
    overlap_w = np.clip(np.minimum(boxes[:, 2], x1) - np.maximum(boxes[:, 0], x0), 0, None)
    overlap_h = np.clip(np.minimum(boxes[:, 3], y1) - np.maximum(boxes[:, 1], y0), 0, None)
    box_area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    smaller = np.minimum(box_area, (x1 - x0) * (y1 - y0))
    return bool((overlap_w * overlap_h <= 0.2 * smaller).all())


def _at_mining_scale(frame: np.ndarray, boxes: np.ndarray, detector: dict, params: CascadeTraining) -> Mining:
    """``frame`` and its ``boxes`` at the scale the detector scans it (its working resolution,
    enlarged where its smallest window is below the cascade's own, since OpenCV scans no window
    smaller than that), with the smallest window to mine there."""
    enlarge = max(1.0, params.window / detector["min_size_px"])
    scale = min(1.0, detector["working_side_px"] / max(frame.shape)) * enlarge
    min_window = max(params.window, int(round(params.min_window_px * enlarge)))
    if scale == 1.0:
        return Mining(frame, boxes, min_window)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return Mining(cv2.resize(frame, None, fx=scale, fy=scale, interpolation=interpolation), boxes * scale, min_window)


def _negative_windows(cascade, mining: list[Mining], params, rng, model_path: Path) -> tuple[np.ndarray, float]:
    """Loop-free windows the cascade accepts, and the fraction of scanned windows accepted."""
    if cascade.stage_count == 0:
        return _random_negatives(mining, params, rng), 1.0
    detector = cv2.CascadeClassifier(str(model_path))
    found, scanned, accepted = [], 0, 0.0
    for index in rng.permutation(len(mining)):
        frame, boxes, min_window = mining[index]
        hits = detector.detectMultiScale(frame, scaleFactor=1.2, minNeighbors=0, minSize=(min_window, min_window))
        scanned += _windows_scanned(frame.shape, params.window, min_window, 1.2)
        # OpenCV's threads return hits in any order: sort them, so training is reproducible
        hits = sorted(map(tuple, np.asarray(hits).reshape(-1, 4).tolist()))
        examined, cap = hits, HITS_PER_IMAGE * params.negatives
        if len(hits) > cap:  # a weak early cascade on small windows: a random share is plenty
            examined = [hits[i] for i in np.sort(rng.choice(len(hits), cap, replace=False))]
        before = len(found)
        for x, y, w, h in examined:
            if loop_free((x, y, x + w, y + h), boxes):
                found.append(
                    cv2.resize(frame[y : y + h, x : x + w], (params.window,) * 2, interpolation=cv2.INTER_AREA)
                )
        accepted += (len(found) - before) * len(hits) / max(len(examined), 1)
        if len(found) >= params.negatives:
            break
    acceptance = accepted / max(scanned, 1)
    found = np.array(found, np.uint8).reshape(-1, params.window, params.window)
    if len(found) > params.negatives:
        found = found[np.sort(rng.choice(len(found), params.negatives, replace=False))]
    return found, acceptance


def _windows_scanned(shape, window: int, min_px: int, factor: float) -> int:
    total, scale = 0, min_px / window
    while window * scale <= min(shape):
        total += int((shape[0] / scale - window + 1) * (shape[1] / scale - window + 1))
        scale *= factor
    return total


def _random_negatives(mining: list[Mining], params, rng) -> np.ndarray:
    found = []
    while len(found) < params.negatives:
        frame, boxes, min_window = mining[rng.integers(len(mining))]
        side = int(np.exp(rng.uniform(np.log(min_window), np.log(min(frame.shape) / 3))))
        x, y = rng.integers(0, frame.shape[1] - side), rng.integers(0, frame.shape[0] - side)
        if loop_free((x, y, x + side, y + side), boxes):
            found.append(
                cv2.resize(frame[y : y + side, x : x + side], (params.window,) * 2, interpolation=cv2.INTER_AREA)
            )
    return np.array(found, np.uint8)


def _integrals(windows: np.ndarray) -> np.ndarray:
    return np.array([cv2.integral(w) for w in windows], np.int32)


def _accepted(cascade: Cascade, windows: np.ndarray) -> np.ndarray:
    return np.array([cascade.accepts(cv2.integral(w).astype(np.float64), np.zeros((1, 2)))[0] for w in windows])


def _train_stage(positives, negatives, rects, params):
    codes = feature_codes(_integrals(np.concatenate([positives, negatives])), rects)
    count_pos = len(positives)
    targets = np.concatenate([np.ones(count_pos), -np.ones(len(negatives))])
    weights = np.where(targets > 0, 0.5 / count_pos, 0.5 / len(negatives))
    scores = np.zeros(len(targets))
    chosen_rects, lefts, leaves = [], [], []
    threshold, hit_rate, false_alarm = 0.0, 1.0, 1.0
    for _ in range(params.max_weak_per_stage):
        feature, left, left_value, right_value = best_stump(codes, weights, targets)
        left_value, right_value = np.float32(left_value), np.float32(right_value)
        output = np.where(left[codes[feature]], left_value, right_value).astype(np.float64)
        scores += output
        weights *= np.exp(-targets * output)
        weights /= weights.sum()
        chosen_rects.append(rects[feature])
        lefts.append(left)
        leaves.append((left_value, right_value))
        positive_scores = np.sort(scores[:count_pos])
        threshold = float(np.float32(positive_scores[int((1 - params.min_hit_rate) * count_pos)]))
        hit_rate = float(np.mean(scores[:count_pos] >= threshold - 1e-5))
        false_alarm = float(np.mean(scores[count_pos:] >= threshold - 1e-5))
        if false_alarm <= params.max_false_alarm:
            break
    return (np.array(chosen_rects), np.array(lefts), np.array(leaves)), threshold, hit_rate, false_alarm
