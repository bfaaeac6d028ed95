"""Multi-block LBP features, as OpenCV's LBP cascades compute them, on integral images.

A feature is one block ``(x, y, w, h)`` in window coordinates; its code compares the sums
of the 8 blocks around the 3x3 grid that starts there with the centre block's sum (``>=``
sets a bit): top-left 128, top 64, top-right 32, right 16, bottom-right 8, bottom 4,
bottom-left 2, left 1 (OpenCV's ``LBPEvaluator::Feature::calc``).
"""

import numpy as np
from numba import njit, prange

from edge.kernels import CACHE, checked


@njit(nogil=True, cache=CACHE, inline="always")
def _block(integral, top, left, height, width):
    return (
        integral[top + height, left + width]
        - integral[top, left + width]
        - integral[top + height, left]
        + integral[top, left]
    )


def lbp_code(integral: np.ndarray, top: int, left: int, x: int, y: int, w: int, h: int) -> int:
    """The LBP code of feature ``(x, y, w, h)`` in the window at ``(top, left)`` of an integral
    image (2-D, int32 or float64, as ``cv2.integral`` gives it); the feature's 3x3 grid must fit."""
    integral = checked(integral, "integral", (np.int32, np.float64), 2, "lbp_code")
    if min(top, left, x, y) < 0 or min(w, h) < 1:
        raise ValueError(f"lbp_code: negative position or empty block ({top}, {left}, {x}, {y}, {w}, {h})")
    if top + y + 3 * h >= integral.shape[0] or left + x + 3 * w >= integral.shape[1]:
        raise ValueError(f"lbp_code: the 3x3 grid of ({x}, {y}, {w}, {h}) leaves the integral image {integral.shape}")
    return int(_lbp_code(integral, top, left, x, y, w, h))


@njit(nogil=True, cache=CACHE)
def _lbp_code(integral: np.ndarray, top: int, left: int, x: int, y: int, w: int, h: int) -> int:
    """The code itself, on checked inputs (see ``lbp_code``); the cascade's kernel calls it too."""
    r, c = top + y, left + x
    centre = _block(integral, r + h, c + w, h, w)
    code = 0
    if _block(integral, r, c, h, w) >= centre:
        code |= 128
    if _block(integral, r, c + w, h, w) >= centre:
        code |= 64
    if _block(integral, r, c + 2 * w, h, w) >= centre:
        code |= 32
    if _block(integral, r + h, c + 2 * w, h, w) >= centre:
        code |= 16
    if _block(integral, r + 2 * h, c + 2 * w, h, w) >= centre:
        code |= 8
    if _block(integral, r + 2 * h, c + w, h, w) >= centre:
        code |= 4
    if _block(integral, r + 2 * h, c, h, w) >= centre:
        code |= 2
    if _block(integral, r + h, c, h, w) >= centre:
        code |= 1
    return code


def feature_codes(integrals: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """Codes ``(features, samples)`` uint8 of every feature ``rects[f] = (x, y, w, h)`` (int32)
    on every window's integral image ``integrals[s]`` (int32, ``(samples, size + 1, size + 1)``)."""
    integrals = checked(integrals, "integrals", (np.int32,), 3, "feature_codes")
    rects = checked(rects, "rects", (np.int32,), 2, "feature_codes")
    if rects.shape[1] != 4:
        raise ValueError(f"feature_codes: rects are (F, 4), got {rects.shape}")
    reach = np.maximum(rects[:, 0] + 3 * rects[:, 2], rects[:, 1] + 3 * rects[:, 3]) if len(rects) else np.zeros(1)
    if len(rects) and (rects.min() < 0 or reach.max() >= min(integrals.shape[1:])):
        raise ValueError(f"feature_codes: a feature leaves the windows' integral images {integrals.shape[1:]}")
    return _feature_codes(integrals, rects)


@njit(nogil=True, cache=CACHE, parallel=True)
def _feature_codes(integrals: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """The codes themselves, on checked inputs (see ``feature_codes``)."""
    codes = np.empty((rects.shape[0], integrals.shape[0]), np.uint8)
    for f in prange(rects.shape[0]):
        x, y, w, h = rects[f, 0], rects[f, 1], rects[f, 2], rects[f, 3]
        for s in range(integrals.shape[0]):
            codes[f, s] = _lbp_code(integrals[s], 0, 0, x, y, w, h)
    return codes


def all_features(window: int) -> np.ndarray:
    """Every multi-block feature ``(x, y, w, h)`` whose 3x3 grid fits a square window."""
    return np.array(
        [
            (x, y, w, h)
            for w in range(1, window // 3 + 1)
            for h in range(1, window // 3 + 1)
            for y in range(window - 3 * h + 1)
            for x in range(window - 3 * w + 1)
        ],
        np.int32,
    )
