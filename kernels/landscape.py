"""What the measuring flood of one box works on, and what its result says.

``flood_landscape`` turns the gradients of a smoothed crop into the flood's landscape (the
intensity slope pointing away from the box centre, clipped at 0, quantised to uint8) and its
markers (the outer label along the crop border, the inner label on a disc at the centre);
``brighter_inside`` decides a box's polarity; ``region_moments`` gives the moments of one
label of the flooded image. Together they replace a dozen NumPy and OpenCV calls per box,
whose call overhead was most of the measuring stage's time.
"""

import numpy as np
from numba import njit


@njit(nogil=True, cache=True, fastmath=True)
def flood_landscape(
    grad_x: np.ndarray,
    grad_y: np.ndarray,
    centre_x: float,
    centre_y: float,
    inner_radius: float,
    outer: int,
    inner: int,
    sign: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The uint8 landscape and int32 markers from the intensity gradients of a smoothed crop
    (float32, 2-D), seen from ``(centre_x, centre_y)`` in pixel coordinates; ``sign`` -1
    turns a bright loop dark."""
    height, width = grad_x.shape
    slope = np.empty((height, width), np.float32)
    peak = np.float32(0.0)
    for row in range(height):
        dy = np.float32(row - centre_y)
        for col in range(width):
            dx = np.float32(col - centre_x)
            projected = sign * (grad_x[row, col] * dx + grad_y[row, col] * dy)
            value = max(projected / np.sqrt(max(dx * dx + dy * dy, np.float32(1e-12))), np.float32(0.0))
            slope[row, col] = value
            peak = max(peak, value)
    markers = np.zeros((height, width), np.int32)
    markers[0, :] = outer
    markers[-1, :] = outer
    markers[:, 0] = outer
    markers[:, -1] = outer
    radius_squared = inner_radius * inner_radius
    for row in range(max(int(centre_y - inner_radius), 0), min(int(centre_y + inner_radius) + 2, height)):
        for col in range(max(int(centre_x - inner_radius), 0), min(int(centre_x + inner_radius) + 2, width)):
            if (col - centre_x) ** 2 + (row - centre_y) ** 2 <= radius_squared:
                markers[row, col] = inner
    landscape = np.zeros((height, width), np.uint8)
    if peak > 0:
        scale = np.float32(255.0) / peak
        for row in range(height):
            for col in range(width):
                landscape[row, col] = np.uint8(np.floor(slope[row, col] * scale + np.float32(0.5)))
    return landscape, markers


@njit(nogil=True, cache=True)
def brighter_inside(smooth: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> bool:
    """Whether the mean of ``smooth[y0:y1, x0:x1]`` exceeds the median of the crop's border."""
    border = np.concatenate((smooth[0, :], smooth[-1, :], smooth[:, 0], smooth[:, -1]))
    return smooth[y0:y1, x0:x1].mean() > np.median(border)


@njit(nogil=True, cache=True)
def region_moments(labels: np.ndarray, label: int) -> tuple[float, float, float, float, float, float]:
    """``(m00, m10, m01, mu20, mu02, mu11)`` of the pixels of ``labels`` equal to ``label``
    (x along columns, y along rows, pixel centres at integer coordinates)."""
    m00 = m10 = m01 = m20 = m02 = m11 = 0.0
    height, width = labels.shape
    for row in range(height):
        for col in range(width):
            if labels[row, col] == label:
                m00 += 1.0
                m10 += col
                m01 += row
                m20 += col * col
                m02 += row * row
                m11 += col * row
    if m00 == 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    mean_x, mean_y = m10 / m00, m01 / m00
    return m00, m10, m01, m20 - m10 * mean_x, m02 - m01 * mean_y, m11 - m10 * mean_y
