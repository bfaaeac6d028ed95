"""Where a loop's outline lies along rays from its centre: a blob's edge, a ring's dark line.

Both kernels sample the smoothed crop along rays from an outline's centre, each from one to
another multiple of the outline's radius along it, average each profile with the rays either
side and smooth it along the ray. ``ray_edges`` finds, on each, where it grows lighter fastest,
to a fraction of a sample, and how much it rises about there: a blob's edge
(``edge.pipeline.blob_edge``). ``ray_lines`` finds, on each, its darkest point and level: a
hollow loop's dark line (``edge.pipeline.ring_line``). They replace the OpenCV and NumPy calls
(remap, roll, GaussianBlur, gradient) that ``tests/kernels/test_rays.py`` holds them to.

As in ``landscape``, ``sign`` -1 turns a bright loop dark, so "lighter" is after that turn.
"""

import math

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
def _smoothed_profiles(smooth, sign, centre_x, centre_y, radii, reach_from, reach_to, samples, weights):
    """The profiles along the rays, ``(rays, samples)`` float64, oriented by ``sign``.

    Ray ``k`` of ``rays = len(radii)`` leaves the centre at the bearing ``2 pi k / rays`` and is
    sampled at ``samples`` even steps from ``reach_from`` to ``reach_to`` times ``radii[k]``
    (the outline's radius along it). Each profile is averaged with the rays either side (the
    turn wraps round) and convolved along the ray with ``weights`` (an odd number of them, the
    profile's ends reflected as OpenCV's default border).
    """
    rays = len(radii)
    profiles = np.empty((rays, samples))
    for ray in range(rays):
        bearing = 2 * math.pi * ray / rays
        step_x, step_y = radii[ray] * math.cos(bearing), radii[ray] * math.sin(bearing)
        for sample in range(samples):
            reach = reach_from + (reach_to - reach_from) * sample / (samples - 1)
            profiles[ray, sample] = sign * _bilinear(smooth, centre_x + reach * step_x, centre_y + reach * step_y)
    half = len(weights) // 2
    smoothed = np.empty((rays, samples))
    padded = np.empty(samples + 2 * half)  # the averaged profile, reflected about its end samples
    for ray in range(rays):
        before, after = (ray - 1) % rays, (ray + 1) % rays
        for index in range(-half, samples + half):
            sample = index
            while sample < 0 or sample >= samples:
                sample = -sample if sample < 0 else 2 * (samples - 1) - sample
            padded[index + half] = (profiles[before, sample] + profiles[ray, sample] + profiles[after, sample]) / 3
        for sample in range(samples):
            total = 0.0
            for tap in range(len(weights)):
                total += weights[tap] * padded[sample + tap]
            smoothed[ray, sample] = total
    return smoothed


@njit(nogil=True, cache=CACHE, fastmath=True)
def _vertex(values, index):
    """``index`` (kept a sample from either end) moved to the vertex of the parabola through
    ``values`` there and at its neighbours, by at most half a sample."""
    peak = min(max(index, 1), len(values) - 2)
    curvature = values[peak - 1] - 2 * values[peak] + values[peak + 1]
    shift = 0.0 if abs(curvature) <= 1e-9 else 0.5 * (values[peak - 1] - values[peak + 1]) / curvature
    return peak + min(max(shift, -0.5), 0.5)


@njit(nogil=True, cache=CACHE, fastmath=True)
def _along_ray(centre_x, centre_y, radius, ray, rays, reach_from, reach_to, samples, position):
    """The point ``position`` samples along ray ``ray`` of ``rays`` (as ``_smoothed_profiles``)."""
    reach = reach_from + (reach_to - reach_from) * position / (samples - 1)
    bearing = 2 * math.pi * ray / rays
    return centre_x + radius * reach * math.cos(bearing), centre_y + radius * reach * math.sin(bearing)


@njit(nogil=True, cache=CACHE, fastmath=True)
def _ray_edges(smooth, sign, centre_x, centre_y, radii, reach_from, reach_to, samples, weights, span):
    """The edge point of each ray and its step: float64 arrays ``x``, ``y`` and ``step``, one
    entry a ray, on the profiles of ``_smoothed_profiles``. The edge is the profile's largest
    slope (central differences, one-sided at its ends), moved to the vertex of the parabola
    through it and its neighbours (``_vertex``); the step is the profile's rise from ``span``
    samples before that slope to ``span`` after.
    """
    rays = len(radii)
    profiles = _smoothed_profiles(smooth, sign, centre_x, centre_y, radii, reach_from, reach_to, samples, weights)
    edge_x, edge_y, step = np.empty(rays), np.empty(rays), np.empty(rays)
    slopes = np.empty(samples)
    for ray in range(rays):
        smoothed = profiles[ray]
        slopes[0], slopes[samples - 1] = smoothed[1] - smoothed[0], smoothed[samples - 1] - smoothed[samples - 2]
        for sample in range(1, samples - 1):
            slopes[sample] = (smoothed[sample + 1] - smoothed[sample - 1]) / 2
        steepest = 0
        for sample in range(1, samples):
            if slopes[sample] > slopes[steepest]:
                steepest = sample
        step[ray] = smoothed[min(steepest + span, samples - 1)] - smoothed[max(steepest - span, 0)]
        position = _vertex(slopes, steepest)
        edge_x[ray], edge_y[ray] = _along_ray(
            centre_x, centre_y, radii[ray], ray, rays, reach_from, reach_to, samples, position
        )
    return edge_x, edge_y, step


@njit(nogil=True, cache=CACHE, fastmath=True)
def _ray_lines(smooth, sign, centre_x, centre_y, radii, reach_from, reach_to, samples, weights):
    """The darkest point of each ray and its level: float64 arrays ``x``, ``y`` and ``level``, one
    entry a ray, on the profiles of ``_smoothed_profiles``. The darkest point is the profile's
    least value moved to the vertex of the parabola through it and its neighbours
    (``_vertex``); where it is either end of the ray, the dark line lies beyond the ray's reach
    and the level is NaN.
    """
    rays = len(radii)
    profiles = _smoothed_profiles(smooth, sign, centre_x, centre_y, radii, reach_from, reach_to, samples, weights)
    line_x, line_y, level = np.empty(rays), np.empty(rays), np.empty(rays)
    for ray in range(rays):
        smoothed = profiles[ray]
        darkest = 0
        for sample in range(1, samples):
            if smoothed[sample] < smoothed[darkest]:
                darkest = sample
        level[ray] = smoothed[darkest] if 0 < darkest < samples - 1 else np.nan
        position = _vertex(smoothed, darkest)
        line_x[ray], line_y[ray] = _along_ray(
            centre_x, centre_y, radii[ray], ray, rays, reach_from, reach_to, samples, position
        )
    return line_x, line_y, level


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
    """See ``_ray_edges`` and ``_smoothed_profiles``: ``smooth`` is the smoothed crop, 2-D
    float32, at least 2x2; ``centre`` ``(x, y)`` in it; ``radii`` 1-D float64, positive, one a
    ray, at least 3 rays; ``reach`` the first and last sample's multiple of each radius;
    ``samples`` at least 3 a ray; ``smoothing`` the sigma of the Gaussian along each ray, in
    samples (OpenCV's kernel for it); ``span`` at least one sample."""
    checked_arguments = _checked_rays(smooth, sign, centre, radii, reach, samples, smoothing, "ray_edges")
    if span < 1:
        raise ValueError(f"ray_edges: the step's span must be at least one sample, got {span}")
    return _ray_edges(*checked_arguments, int(span))


def ray_lines(
    smooth: np.ndarray,
    sign: float,
    centre: tuple[float, float],
    radii: np.ndarray,
    reach: tuple[float, float],
    samples: int,
    smoothing: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """See ``_ray_lines`` and ``_smoothed_profiles``; the arguments as ``ray_edges``'s."""
    return _ray_lines(*_checked_rays(smooth, sign, centre, radii, reach, samples, smoothing, "ray_lines"))


def _checked_rays(
    smooth: np.ndarray,
    sign: float,
    centre: tuple[float, float],
    radii: np.ndarray,
    reach: tuple[float, float],
    samples: int,
    smoothing: float,
    kernel: str,
) -> tuple:
    """The arguments of ``_smoothed_profiles`` for ``kernel``, checked: the crop, ``sign``, the
    centre, the radii, the reach, ``samples`` and the Gaussian weights of ``smoothing`` (in
    samples) as OpenCV's ``getGaussianKernel`` makes them for a float image."""
    smooth = checked(smooth, "smooth", (np.float32,), 2, kernel)
    radii = checked(radii, "radii", (np.float64,), 1, kernel)
    if min(smooth.shape) < 2:
        raise ValueError(f"{kernel}: the crop must be at least 2x2, got {smooth.shape}")
    centre_x, centre_y, reach_from, reach_to = float(centre[0]), float(centre[1]), float(reach[0]), float(reach[1])
    finite = all(map(math.isfinite, (centre_x, centre_y, reach_from, reach_to))) and np.isfinite(radii).all()
    if not (finite and len(radii) >= 3 and radii.min() > 0 and samples >= 3 and 0 < smoothing <= samples):
        raise ValueError(
            f"{kernel}: needs a finite centre and reach, 3 rays of finite positive radius, 3 samples and a "
            f"smoothing over 0 and at most the samples; got centre {centre}, reach {reach}, {len(radii)} rays "
            f"(the least {radii.min() if len(radii) else None}), {samples} samples, smoothing {smoothing}"
        )
    half = round(smoothing * 8 + 1) // 2  # OpenCV's kernel size for a float image, round(8 sigma + 1) | 1
    offsets = np.arange(-half, half + 1)
    weights = np.exp(-(offsets**2) / (2 * smoothing**2))
    weights /= weights.sum()
    return smooth, float(sign), centre_x, centre_y, radii, reach_from, reach_to, int(samples), weights
