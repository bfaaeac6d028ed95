"""Our own evaluation of a boosted LBP stump cascade on windows of an integral image."""

import numpy as np
from numba import njit, prange

from edge.kernels import CACHE
from edge.kernels.lbp import lbp_code

STAGE_TOLERANCE = 1e-5  # a window passes a stage when its sum >= threshold - 1e-5, as in OpenCV


@njit(nogil=True, cache=CACHE, parallel=True)
def cascade_accepts(
    integral: np.ndarray,
    windows: np.ndarray,
    stage_ends: np.ndarray,
    stage_thresholds: np.ndarray,
    rects: np.ndarray,
    left_codes: np.ndarray,
    leaf_values: np.ndarray,
) -> np.ndarray:
    """Which windows ``(top, left)`` of ``integral`` pass every stage.

    Weak learner ``k`` belongs to the stage whose ``stage_ends`` entry first exceeds ``k``;
    it looks up the code of feature ``rects[k]`` in ``left_codes[k]`` (bool over 256) and
    adds ``leaf_values[k, 0]`` (left) or ``leaf_values[k, 1]`` (right)."""
    accepted = np.zeros(windows.shape[0], np.bool_)
    for i in prange(windows.shape[0]):
        top, left = windows[i, 0], windows[i, 1]
        start = 0
        passed = True
        for stage in range(stage_ends.shape[0]):
            total = 0.0
            for k in range(start, stage_ends[stage]):
                code = lbp_code(integral, top, left, rects[k, 0], rects[k, 1], rects[k, 2], rects[k, 3])
                total += leaf_values[k, 0] if left_codes[k, code] else leaf_values[k, 1]
            start = stage_ends[stage]
            if total < stage_thresholds[stage] - STAGE_TOLERANCE:
                passed = False
                break
        accepted[i] = passed
    return accepted
