"""Our own evaluation of a boosted LBP stump cascade on windows of an integral image."""

import numpy as np
from numba import njit, prange

from edge.kernels import CACHE, checked
from edge.kernels.lbp import _lbp_code

STAGE_TOLERANCE = 1e-5  # a window passes a stage when its sum >= threshold - 1e-5, as in OpenCV


def cascade_accepts(
    integral: np.ndarray,
    windows: np.ndarray,
    stage_ends: np.ndarray,
    stage_thresholds: np.ndarray,
    rects: np.ndarray,
    left_codes: np.ndarray,
    leaf_values: np.ndarray,
) -> np.ndarray:
    """Which windows ``(top, left)`` of ``integral`` (float64, 2-D) pass every stage.

    Weak learner ``k`` belongs to the stage whose ``stage_ends`` entry (int64) first exceeds
    ``k``; it looks up the code of feature ``rects[k]`` (int32 ``(K, 4)``) in ``left_codes[k]``
    (bool ``(K, 256)``) and adds ``leaf_values[k, 0]`` (left) or ``leaf_values[k, 1]`` (right)
    (float64 ``(K, 2)``); a stage passes at ``stage_thresholds`` (float64). The caller keeps
    every window's features inside the integral image."""
    name = "cascade_accepts"
    integral = checked(integral, "integral", (np.float64,), 2, name)
    windows = checked(windows, "windows", (np.int64,), 2, name)
    stage_ends = checked(stage_ends, "stage_ends", (np.int64,), 1, name)
    stage_thresholds = checked(stage_thresholds, "stage_thresholds", (np.float64,), 1, name)
    rects = checked(rects, "rects", (np.int32,), 2, name)
    left_codes = checked(left_codes, "left_codes", (np.bool_,), 2, name)
    leaf_values = checked(leaf_values, "leaf_values", (np.float64,), 2, name)
    learners = len(rects)
    if left_codes.shape != (learners, 256) or leaf_values.shape != (learners, 2) or rects.shape[1:] != (4,):
        raise ValueError(f"{name}: rects, left_codes, leaf_values must be (K, 4), (K, 256), (K, 2)")
    if len(stage_ends) != len(stage_thresholds) or (len(stage_ends) and stage_ends[-1] > learners):
        raise ValueError(f"{name}: stage_ends and stage_thresholds must match, ending within the {learners} learners")
    if windows.shape[1:] != (2,):
        raise ValueError(f"{name}: windows are (N, 2) (top, left), got {windows.shape}")
    return _cascade_accepts(integral, windows, stage_ends, stage_thresholds, rects, left_codes, leaf_values)


@njit(nogil=True, cache=CACHE, parallel=True)
def _cascade_accepts(integral, windows, stage_ends, stage_thresholds, rects, left_codes, leaf_values):
    """The verdicts themselves, on checked inputs (see ``cascade_accepts``)."""
    accepted = np.zeros(windows.shape[0], np.bool_)
    for i in prange(windows.shape[0]):
        top, left = windows[i, 0], windows[i, 1]
        start = 0
        passed = True
        for stage in range(stage_ends.shape[0]):
            total = 0.0
            for k in range(start, stage_ends[stage]):
                code = _lbp_code(integral, top, left, rects[k, 0], rects[k, 1], rects[k, 2], rects[k, 3])
                total += leaf_values[k, 0] if left_codes[k, code] else leaf_values[k, 1]
            start = stage_ends[stage]
            if total < stage_thresholds[stage] - STAGE_TOLERANCE:
                passed = False
                break
        accepted[i] = passed
    return accepted
