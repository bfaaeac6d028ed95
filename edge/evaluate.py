"""Scoring detections against labels: the reference centre protocol and IoU >= 0.4."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from edge.boxes import box_iou

CENTRE_TOLERANCE_PX = 20.0
IOU_THRESHOLD = 0.4
_NO_MATCH = 1e9


def match_by_centre(labels: np.ndarray, detections: np.ndarray, tolerance: float = CENTRE_TOLERANCE_PX) -> int:
    """Matched pairs when box centres lie within ``tolerance`` px in x and in y, one to one
    (the li2018 reference protocol); the matching with the most pairs is taken."""
    offset = _centre_offsets(labels, detections)
    return _max_matching((offset <= tolerance).all(axis=2), np.hypot(offset[..., 0], offset[..., 1]))


def centres_within(first: np.ndarray, second: np.ndarray, tolerance: float = CENTRE_TOLERANCE_PX) -> np.ndarray:
    """``(len(first), len(second))``: whether the box centres lie within ``tolerance`` px in x and in y."""
    return (_centre_offsets(first, second) <= tolerance).all(axis=2)


def match_by_iou(labels: np.ndarray, detections: np.ndarray, threshold: float = IOU_THRESHOLD) -> int:
    """Matched pairs with intersection over union >= ``threshold``, one to one."""
    iou = box_iou(labels, detections)
    return _max_matching(iou >= threshold, 1 - iou)


@dataclass(frozen=True)
class Counts:
    """Labels, detections and matched pairs, with the rates they give."""

    labelled: int
    detected: int
    matched: int

    @property
    def recall(self) -> float:
        return self.matched / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.detected if self.detected else 1.0

    @property
    def f1(self) -> float:
        total = self.recall + self.precision
        return 2 * self.recall * self.precision / total if total else 0.0

    def rates(self) -> dict:
        return {"recall": self.recall, "precision": self.precision, "f1": self.f1}


def pooled(counts: Sequence[Counts]) -> Counts:
    """Counts summed over images (the paper pools over the test images)."""
    return Counts(*(sum(getattr(c, name) for c in counts) for name in ("labelled", "detected", "matched")))


def _centre_offsets(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.abs(_centres(first)[:, None, :] - _centres(second)[None, :, :])


def _centres(boxes: np.ndarray) -> np.ndarray:
    boxes = boxes.reshape(-1, 4)
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)


def _max_matching(allowed: np.ndarray, cost: np.ndarray) -> int:
    if allowed.size == 0:
        return 0
    rows, cols = linear_sum_assignment(np.where(allowed, cost, _NO_MATCH))
    return int(allowed[rows, cols].sum())
