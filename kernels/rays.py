"""Where a blob's edge lies along rays from its centre: the profiles' steepest rise.

``ray_edges`` samples the smoothed crop along rays from an ellipse's centre, each from one to
another multiple of the ellipse's radius along it; averages each profile with the rays either
side and smooths it along the ray; and finds, on each, where it grows lighter fastest, to a
fraction of a sample, and how much it rises about there. ``edge.pipeline.blob_edge`` fits the
blob's ellipse to those points. In NumPy and OpenCV these were a dozen calls per blob, whose
overhead was a third of the measuring stage's time.

As in ``landscape``, ``sign`` -1 turns a bright loop dark, so "lighter" is after that turn.
"""

import math

import cv2
import numpy as np
from numba import njit

from edge.kernels import CACHE, checked


@njit(nogil=True, cache=CACHE, fastmath=True)
def _bilinear(smooth: np.ndarray, x: float, y: float) -> float:
    """``smooth`` at ``(x, y)``, interpolated linearly between its four nearest pixels; beyond the
    crop, its nearest border pixel's (as OpenCV's replicated border)."""
    height, width = smooth.shape
    x = min(max(x, 0.0), width - 1.0)
    y = min(max(y, 0.0), height - 1.0)
    left, top = min(int(x), width - 2), min(int(y), height - 2)
    across, down = x - left, y - top
    upper = smooth[top, left] * (1 - across) + smooth[top, left + 1] * across
    lower = smooth[top + 1, left] * (1 - across) + smooth[top + 1, left + 1] * across
    return upper * (1 - down) + lower * down


@njit(nogil=True, cache=CACHE, fastmath=True)
def _ray_edges(smooth, sign, centre_x, centre_y, radii, reach_from, reach_to, samples, weights, span):
    """The edge point of each ray and its step: float64 arrays ``x``, ``y`` and ``step``, one
    entry a ray.

    Ray ``k`` of ``rays = len(radii)`` leaves the centre at the bearing ``2 pi k / rays`` and is
    sampled at ``samples`` even steps from ``reach_from`` to ``reach_to`` times ``radii[k]``
    (the blob's outline's radius along it). Each profile is averaged with
    the rays either side (the turn wraps round) and convolved along the ray with ``weights``
    (an odd number of them, the profile's ends reflected as OpenCV's default border). The
    edge is the profile's largest slope (central differences, one-sided at its ends), moved by
    the vertex of the parabola through it and its neighbours (at most half a sample); the step
    is the profile's rise from ``span`` samples before that slope to ``span`` after.
    """
    rays = len(radii)
    profiles = np.empty((rays, samples))
    for ray in range(rays):
        bearing = 2 * math.pi * ray / rays
        for sample in range(samples):
            reach = reach_from + (reach_to - reach_from) * sample / (samples - 1)
            x = centre_x + radii[ray] * reach * math.cos(bearing)
            y = centre_y + radii[ray] * reach * math.sin(bearing)
            profiles[ray, sample] = sign * _bilinear(smooth, x, y)
    half = len(weights) // 2
    edge_x, edge_y, step = np.empty(rays), np.empty(rays), np.empty(rays)
    averaged, smoothed, slopes = np.empty(samples), np.empty(samples), np.empty(samples)
    for ray in range(rays):
        before, after = (ray - 1) % rays, (ray + 1) % rays
        for sample in range(samples):
            averaged[sample] = (profiles[before, sample] + profiles[ray, sample] + profiles[after, sample]) / 3
        for sample in range(samples):
            total = 0.0
            for offset in range(-half, half + 1):
                index = sample + offset
                while index < 0 or index >= samples:  # reflected about the end samples
                    index = -index if index < 0 else 2 * (samples - 1) - index
                total += weights[offset + half] * averaged[index]
            smoothed[sample] = total
        slopes[0], slopes[samples - 1] = smoothed[1] - smoothed[0], smoothed[samples - 1] - smoothed[samples - 2]
        for sample in range(1, samples - 1):
            slopes[sample] = (smoothed[sample + 1] - smoothed[sample - 1]) / 2
        steepest = 0
        for sample in range(1, samples):
            if slopes[sample] > slopes[steepest]:
                steepest = sample
        step[ray] = smoothed[min(steepest + span, samples - 1)] - smoothed[max(steepest - span, 0)]
        peak = min(max(steepest, 1), samples - 2)
        curvature = slopes[peak - 1] - 2 * slopes[peak] + slopes[peak + 1]
        shift = 0.0 if abs(curvature) <= 1e-9 else 0.5 * (slopes[peak - 1] - slopes[peak + 1]) / curvature
        shift = min(max(shift, -0.5), 0.5)
        reach = reach_from + (reach_to - reach_from) * (peak + shift) / (samples - 1)
        bearing = 2 * math.pi * ray / rays
        edge_x[ray] = centre_x + radii[ray] * reach * math.cos(bearing)
        edge_y[ray] = centre_y + radii[ray] * reach * math.sin(bearing)
    return edge_x, edge_y, step


def ray_edges(
    smooth: np.ndarray,
    sign: float,
    centre: tuple[float, float],
    radii: np.ndarray,
    reach: tuple[float, float],
    samples: int,
    smoothing: float,
    span: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """See ``_ray_edges``: ``smooth`` is the smoothed crop, 2-D float32, at least 2x2;
    ``centre`` ``(x, y)`` in it; ``radii`` 1-D float64, positive, one a ray, at least 3 rays;
    ``reach`` the first and last sample's multiple of each radius; ``samples`` at least 3 a ray;
    ``smoothing`` the sigma of the Gaussian along each ray, in samples (OpenCV's kernel for it);
    ``span`` at least one sample."""
    smooth = checked(smooth, "smooth", (np.float32,), 2, "ray_edges")
    radii = checked(radii, "radii", (np.float64,), 1, "ray_edges")
    if min(smooth.shape) < 2:
        raise ValueError(f"ray_edges: the crop must be at least 2x2, got {smooth.shape}")
    if not (len(radii) >= 3 and radii.min() > 0 and samples >= 3 and span >= 1 and smoothing > 0):
        raise ValueError(
            f"ray_edges: needs 3 rays of positive radius, 3 samples, a span of 1 and a positive smoothing; got "
            f"{len(radii)} rays, the least {radii.min() if len(radii) else None}, {samples}, {span}, {smoothing}"
        )
    size = round(smoothing * 8 + 1) | 1  # OpenCV's kernel size for a float image
    weights = cv2.getGaussianKernel(size, smoothing, cv2.CV_64F).ravel()
    return _ray_edges(
        smooth,
        float(sign),
        float(centre[0]),
        float(centre[1]),
        radii,
        float(reach[0]),
        float(reach[1]),
        int(samples),
        weights,
        int(span),
    )
