"""Histograms of rotation-invariant uniform local binary patterns (Ojala et al. 2002), computed
exactly as scikit-image's ``local_binary_pattern(image, P, R, "uniform")`` labels each pixel
(neighbours at ``R`` px, bilinearly interpolated, zero outside the image; a pattern with at most
two changes along its neighbours, first to last, labelled by its count of ones, any other P + 1)
but counted straight into a histogram, at about 3x its speed."""

import numpy as np
from numba import njit

from edge.kernels import CACHE, checked


def uniform_lbp_histogram(image: np.ndarray, neighbours: int, radius: float) -> np.ndarray:
    """How many pixels of a 2-D uint8 ``image`` have each uniform LBP label 0 .. ``neighbours`` + 1
    (int64, length ``neighbours`` + 2)."""
    image = checked(image, "image", (np.uint8,), 2, "uniform_lbp_histogram")
    if not 1 <= neighbours <= 64 or not radius > 0:
        raise ValueError(f"uniform_lbp_histogram: 1 <= neighbours <= 64 and radius > 0, got {neighbours}, {radius}")
    angles = 2 * np.pi * np.arange(neighbours, dtype=np.float64) / neighbours
    rows = np.round(-radius * np.sin(angles), 5)
    cols = np.round(radius * np.cos(angles), 5)
    return _uniform_lbp_histogram(image, rows, cols)


@njit(nogil=True, cache=CACHE)
def _pixel(image: np.ndarray, row: int, col: int) -> float:
    if row < 0 or row >= image.shape[0] or col < 0 or col >= image.shape[1]:
        return 0.0
    return float(image[row, col])


@njit(nogil=True, cache=CACHE)
def _uniform_lbp_histogram(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The histogram itself, on checked inputs (see ``uniform_lbp_histogram``); ``rows`` and
    ``cols`` are the neighbours' offsets."""
    neighbours = rows.shape[0]
    histogram = np.zeros(neighbours + 2, np.int64)
    above = np.zeros(neighbours, np.int64)
    height, width = image.shape
    margin = int(np.ceil(max(np.abs(rows).max(), np.abs(cols).max()))) + 1
    for r in range(height):
        for c in range(width):
            centre = float(image[r, c])
            inside = margin <= r < height - margin and margin <= c < width - margin
            for i in range(neighbours):
                y, x = r + rows[i], c + cols[i]
                low_r, low_c = np.floor(y), np.floor(x)
                high_r, high_c = np.ceil(y), np.ceil(x)
                dr, dc = y - low_r, x - low_c
                r0, c0, r1, c1 = int(low_r), int(low_c), int(high_r), int(high_c)
                if inside:  # no bounds to check
                    top = (1 - dc) * float(image[r0, c0]) + dc * float(image[r0, c1])
                    bottom = (1 - dc) * float(image[r1, c0]) + dc * float(image[r1, c1])
                else:
                    top = (1 - dc) * _pixel(image, r0, c0) + dc * _pixel(image, r0, c1)
                    bottom = (1 - dc) * _pixel(image, r1, c0) + dc * _pixel(image, r1, c1)
                above[i] = 1 if (1 - dr) * top + dr * bottom - centre >= 0 else 0
            changes = 0
            for i in range(neighbours - 1):
                changes += abs(above[i] - above[i + 1])
            if changes <= 2:
                histogram[above.sum()] += 1
            else:
                histogram[neighbours + 1] += 1
    return histogram
