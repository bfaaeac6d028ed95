"""Module II: the screening CNN keeps the candidate boxes that are loops."""

import json
from pathlib import Path

import cv2
import numpy as np

from edge.backends import InferenceBackend, load_backend
from edge.crops import box_crops

DEFAULT_SCREEN = Path(__file__).parent / "models" / "loops_screen.onnx"
DUPLICATE_IOU = 0.3


def keep_screened(boxes: np.ndarray, probabilities: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes whose loop probability reaches ``threshold``, one per loop: of boxes overlapping
    by IoU > 0.3 the most probable stays."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    passed = np.flatnonzero(probabilities >= threshold)
    if len(passed) == 0:
        return np.zeros((0, 4)), np.zeros(0)
    rects = np.column_stack([boxes[passed, :2], boxes[passed, 2:] - boxes[passed, :2]]).round().astype(int)
    keep = np.asarray(cv2.dnn.NMSBoxes(rects.tolist(), probabilities[passed].tolist(), 0.0, DUPLICATE_IOU))
    keep = passed[keep.ravel().astype(np.int64)]
    return boxes[keep], probabilities[keep]


class Screener:
    """Scores every candidate of a frame in one batched call and keeps the loops.

    The threshold and ``min_support``, the number of overlapping cascade hits a candidate needs
    to be worth scoring at all (1: every candidate), come from the model's record, where
    training chose them on validation images."""

    def __init__(self, model: str | Path = DEFAULT_SCREEN, backend: str = "auto", threshold: float | None = None):
        model = Path(model)
        self.backend: InferenceBackend = load_backend(model, backend)
        record = model.with_suffix(".json")
        saved = json.loads(record.read_text()) if record.is_file() else {}
        if threshold is None and "threshold" not in saved:
            raise FileNotFoundError(f"{record}: no record with the model's threshold; give one")
        self.threshold = float(saved["threshold"]) if threshold is None else threshold
        self.min_support = int(saved.get("min_support", 1))
        self.crop_px = int(self.backend.sample_shape[-1])

    def probabilities(self, pixels: np.ndarray, boxes: np.ndarray, batched: bool = True) -> np.ndarray:
        """The loop probability of each box: one batched inference call (or, for the
        benchmark's baseline, one call per crop)."""
        if len(boxes) == 0:
            return np.zeros(0)
        crops = box_crops(pixels, boxes, self.crop_px)[:, None].astype(np.float32) / 255
        if batched:
            return self.backend.run(crops).ravel().astype(np.float64)
        return np.concatenate([self.backend.run(crop[None]).ravel() for crop in crops]).astype(np.float64)

    def screen(self, pixels: np.ndarray, boxes: np.ndarray, batched: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """The boxes that are loops and their probabilities."""
        return keep_screened(boxes, self.probabilities(pixels, boxes, batched), self.threshold)
