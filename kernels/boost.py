"""Gentle AdaBoost's weak learner: a regression stump over the 256 codes of one LBP feature."""

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from edge.kernels import CACHE, checked

CODES = 256


@njit(nogil=True, cache=CACHE)
def _best_split(codes_row, weights, targets):
    """Best split of the 256 codes into LEFT/RIGHT for weighted least squares.

    Codes sorted by their weighted mean target; the best two-way partition is a prefix of
    that order (Fisher's rule for a two-way split of categories). Returns (gain, cut,
    order, sums, totals)."""
    weight_sum = np.zeros(CODES)
    target_sum = np.zeros(CODES)
    for s in range(codes_row.shape[0]):
        code = codes_row[s]
        weight_sum[code] += weights[s]
        target_sum[code] += weights[s] * targets[s]
    means = np.where(weight_sum > 0, target_sum / np.maximum(weight_sum, 1e-300), 0.0)
    order = np.argsort(means)
    total_w = weight_sum.sum()
    total_t = target_sum.sum()
    best_gain = -1.0
    best_cut = 0
    left_w = 0.0
    left_t = 0.0
    for k in range(CODES - 1):
        left_w += weight_sum[order[k]]
        left_t += target_sum[order[k]]
        right_w = total_w - left_w
        if left_w <= 0 or right_w <= 0:
            continue
        right_t = total_t - left_t
        gain = left_t * left_t / left_w + right_t * right_t / right_w
        if gain > best_gain:
            best_gain = gain
            best_cut = k + 1
    return best_gain, best_cut, order, weight_sum, target_sum


class Stump(NamedTuple):
    """A regression stump on one feature's LBP code: ``left_value`` for the codes of
    ``left_codes`` (a bool mask over the 256 codes), ``right_value`` for the others."""

    feature: int
    left_codes: np.ndarray
    left_value: float
    right_value: float


def best_stump(codes: np.ndarray, weights: np.ndarray, targets: np.ndarray) -> Stump:
    """The regression stump with the least weighted squared error over all features.

    ``codes`` is ``(features, samples)`` uint8, ``weights`` and ``targets`` (±1) float64 per
    sample."""
    codes = checked(codes, "codes", (np.uint8,), 2, "best_stump")
    weights = checked(weights, "weights", (np.float64,), 1, "best_stump")
    targets = checked(targets, "targets", (np.float64,), 1, "best_stump")
    if not codes.shape[0] or not codes.shape[1] == len(weights) == len(targets):
        raise ValueError(f"best_stump: codes {codes.shape} need features and a weight and target per sample")
    feature, left, left_value, right_value = _best_stump(codes, weights, targets)
    return Stump(int(feature), left, float(left_value), float(right_value))


@njit(nogil=True, cache=CACHE, parallel=True)
def _best_stump(codes: np.ndarray, weights: np.ndarray, targets: np.ndarray):
    """The stump itself, on checked inputs (see ``best_stump``)."""
    features = codes.shape[0]
    gains = np.empty(features)
    for f in prange(features):
        gains[f] = _best_split(codes[f], weights, targets)[0]
    feature = int(np.argmax(gains))
    _, cut, order, weight_sum, target_sum = _best_split(codes[feature], weights, targets)
    left = np.zeros(CODES, np.bool_)
    left_w = 0.0
    left_t = 0.0
    for k in range(cut):
        left[order[k]] = True
        left_w += weight_sum[order[k]]
        left_t += target_sum[order[k]]
    right_w = weight_sum.sum() - left_w
    right_t = target_sum.sum() - left_t
    return feature, left, left_t / left_w, right_t / right_w
