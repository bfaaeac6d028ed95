"""Synthetic frames of elliptical loops with known axes, for tests."""

import cv2
import numpy as np

SUPERSAMPLE = 4


def render_loop(
    shape: tuple[int, int],
    centre: tuple[float, float],
    semi_axes: tuple[float, float],
    angle_deg: float,
    thickness: float,
    contrast: float,
    background: float = 150.0,
    noise: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A float32 frame with one elliptical loop: a band of ``thickness`` px just inside the
    ellipse of ``semi_axes`` (its outer edge), darker by ``contrast`` (negative: brighter),
    anti-aliased and blurred like an instrument's point spread, with Gaussian noise."""
    height, width = shape
    rows, cols = np.mgrid[0 : height * SUPERSAMPLE, 0 : width * SUPERSAMPLE]
    x = (cols + 0.5) / SUPERSAMPLE - 0.5 - centre[0]
    y = (rows + 0.5) / SUPERSAMPLE - 0.5 - centre[1]
    theta = np.radians(angle_deg)
    u = x * np.cos(theta) + y * np.sin(theta)
    v = -x * np.sin(theta) + y * np.cos(theta)
    a, b = semi_axes
    outer = (u / a) ** 2 + (v / b) ** 2 <= 1
    inner_a, inner_b = a - thickness, b - thickness
    if inner_a > 0 and inner_b > 0:
        band = outer & ~((u / inner_a) ** 2 + (v / inner_b) ** 2 <= 1)
    else:
        band = outer
    coverage = band.reshape(height, SUPERSAMPLE, width, SUPERSAMPLE).mean(axis=(1, 3))
    frame = background - contrast * coverage.astype(np.float32)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.7)
    if noise:
        frame = frame + np.random.default_rng(seed).normal(0, noise, frame.shape).astype(np.float32)
    return frame.astype(np.float32)
