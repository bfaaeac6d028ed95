"""Module II: the screening CNN keeps the candidate boxes that are loops."""

from pathlib import Path

import numpy as np

from edge.io.boxes import box_iou
from edge.io.bundled import BUNDLED_SET
from edge.pipeline.backends import InferenceBackend, load_model
from edge.pipeline.crops import screen_inputs

DEFAULT_SCREEN = BUNDLED_SET / "screen.onnx"
DUPLICATE_IOU = 0.3
WARM_BATCH = 512  # candidates screened at once in warming up (a 1024x1024 frame has a few hundred)
LEAST_CROP_KEY = "min_crop_px"  # a screen record's least side of its crops, frame px
CENTRE_INSIDE = 0.5  # chosen on the validation images: F1 0.708 -> 0.728 (0.25: 0.723, 0.75: 0.722)


def keep_screened(boxes: np.ndarray, probabilities: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes whose loop probability reaches ``threshold``, one per loop: of two such boxes that
    are duplicates (see ``duplicates``) the more probable stays."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    keep = kept_indices(boxes, probabilities, threshold)
    return boxes[keep], probabilities[keep]


def kept_indices(boxes: np.ndarray, probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """The indices of ``keep_screened``'s boxes, most probable first."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    passed = np.flatnonzero(probabilities >= threshold)
    passed = passed[np.argsort(-probabilities[passed], kind="stable")]
    duplicate = duplicates(boxes[passed])
    suppressed = np.zeros(len(passed), bool)
    keep = []
    for index in range(len(passed)):
        if not suppressed[index]:
            keep.append(passed[index])
            suppressed |= duplicate[index]
    return np.asarray(keep, np.int64)


def duplicates(boxes: np.ndarray) -> np.ndarray:
    """``(N, N)``: whether two boxes are on the same loop, either overlapping by IoU > 0.3 or with
    centres closer, in x and in y, than half the longer side of the larger box (one box's centre
    inside the other: a window on part of a loop, or a loop with its surroundings)."""
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    longer = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    offsets = np.abs(centres[:, None, :] - centres[None, :, :]).max(axis=2)
    nested = offsets <= CENTRE_INSIDE * np.maximum(longer[:, None], longer[None, :])
    return nested | (box_iou(boxes, boxes) > DUPLICATE_IOU)


def recorded_least_crop(record: dict) -> float:
    """The least side, in frame pixels, of the crops a screen was trained on, from its
    ``record`` (0, none, where the record predates it)."""
    return float(record.get(LEAST_CROP_KEY, 0.0))


class Screener:
    """Scores every candidate of a frame in one batched call and keeps the loops.

    The threshold and ``min_support``, the number of overlapping cascade hits a candidate needs
    to be worth scoring at all (1: every candidate), come from the model's record, where
    training chose them on validation images; so does ``least_crop_px``, the least side of a
    candidate's crop in frame pixels that the model was trained with (0, none, where the record
    predates it)."""

    def __init__(self, model: str | Path = DEFAULT_SCREEN, backend: str = "auto", threshold: float | None = None):
        self.backend: InferenceBackend
        self.backend, saved = load_model(model, backend, needs=() if threshold is not None else ("threshold",))
        self.threshold = float(saved["threshold"]) if threshold is None else threshold
        self.min_support = int(saved.get("min_support", 1))
        self.crop_px = int(self.backend.sample_shape[-1])
        self.least_crop_px = recorded_least_crop(saved)

    def warm_up(self) -> None:
        """Run a full frame's batch of candidates on this thread, so the first real frame does not
        pay for growing the network's buffers."""
        self.backend.run(np.zeros((WARM_BATCH, *self.backend.sample_shape), np.float32))

    def probabilities(self, view: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The loop probability of each box of a frame's 8-bit view, all in one inference call."""
        if len(boxes) == 0:
            return np.zeros(0)
        return self.backend.run(screen_inputs(view, boxes, self.crop_px, self.least_crop_px)).ravel().astype(np.float64)

    def screen(self, view: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The boxes of a frame's 8-bit view that are loops, and their probabilities."""
        return keep_screened(boxes, self.probabilities(view, boxes), self.threshold)
