"""How many boxes of one set overlap each box of another: the support of a candidate."""

import numpy as np
from numba import njit

from edge.kernels import CACHE, checked


def overlap_counts(boxes: np.ndarray, others: np.ndarray, min_iou: float) -> np.ndarray:
    """For each box ``[x0, y0, x1, y1]`` of ``boxes``, the number of ``others`` it overlaps with
    intersection over union > ``min_iou`` (float64 arrays ``(N, 4)`` and ``(M, 4)``)."""
    boxes = checked(boxes, "boxes", (np.float64,), 2, "overlap_counts")
    others = checked(others, "others", (np.float64,), 2, "overlap_counts")
    if boxes.shape[1] != 4 or others.shape[1] != 4:
        raise ValueError(f"overlap_counts: boxes are (N, 4), got {boxes.shape} and {others.shape}")
    return _overlap_counts(boxes, others, float(min_iou))


@njit(nogil=True, cache=CACHE)
def _overlap_counts(boxes: np.ndarray, others: np.ndarray, min_iou: float) -> np.ndarray:
    """The count itself, on checked inputs (see ``overlap_counts``)."""
    counts = np.zeros(boxes.shape[0], np.int64)
    for i in range(boxes.shape[0]):
        x0, y0, x1, y1 = boxes[i, 0], boxes[i, 1], boxes[i, 2], boxes[i, 3]
        area = (x1 - x0) * (y1 - y0)
        for j in range(others.shape[0]):
            width = min(x1, others[j, 2]) - max(x0, others[j, 0])
            height = min(y1, others[j, 3]) - max(y0, others[j, 1])
            if width <= 0 or height <= 0:
                continue
            overlap = width * height
            union = area + (others[j, 2] - others[j, 0]) * (others[j, 3] - others[j, 1]) - overlap
            if overlap > min_iou * union:
                counts[i] += 1
    return counts
