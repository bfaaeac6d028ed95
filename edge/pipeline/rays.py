"""Reading a loop's outline along rays: the rays about an outline, and the ellipse fitted to the
points found along them.

A flood's outline is where two waters met, and noise or a blotch can move where they meet. Read
along rays from the outline's centre instead (``edge.kernels.rays``), a blob's edge is where each
profile grows lighter fastest (``edge.pipeline.blob_edge``) and a ring's line is where it is
darkest (``edge.pipeline.ring_line``). The rays are ``RAYS`` a turn, sampled every ``SAMPLE_PX``
frame pixels along the outline's major axis and smoothed by ``PROFILE_SMOOTHING_PX`` along
each; ``robust_ellipse`` fits the ellipse to the points, dropping those far off it, and asks
that ``LEAST_RAYS`` of the rays keep a point.
"""

import math
from typing import NamedTuple

import numpy as np

from edge.kernels.landscape import Moments
from edge.pipeline.ellipse_fit import ellipse_coordinates_of, fitted_ellipse

RAYS = 72
SAMPLE_PX = 0.5  # frame px: the profiles' sample spacing along the outline's major axis
PROFILE_SMOOTHING_PX = 1.0  # frame px: the profiles' smoothing along each ray
LEAST_RAYS = 0.8  # of the rays: the least share that must find a point, and keep it in the fit
OFF_ELLIPSE = 2.5  # robust sds of the points' distances from the fitted ellipse: farther points are dropped
OFF_ELLIPSE_LEAST = 0.03  # of the ellipse's radius: points this near are always kept
FIT_ROUNDS = 3  # fits, each dropping the points far off the one before, before the last
LEAST_MAJOR_PX = 30.0  # frame px: smaller outlines are not read along rays (their rays are a few pixels long)
LEAST_MINOR_PX = 6.0  # frame px: nor narrower ones (a filled loop's least resolved minor axis, measure_truth)
_BEARINGS = 2 * np.pi * np.arange(RAYS) / RAYS  # each ray's bearing, as edge.kernels.rays turns them


class Rays(NamedTuple):
    """``RAYS`` rays about an outline, as ``edge.kernels.rays`` reads them (crop pixels)."""

    centre: tuple[float, float]
    radii: np.ndarray  # the outline's radius along each ray, float64
    reach: tuple[float, float]  # the first and last sample's multiple of each radius
    samples: int  # a ray
    sample_px: float  # crop px between samples, on average over the rays
    smoothing: float  # the profiles' smoothing along each ray, in samples: PROFILE_SMOOTHING_PX on average


def readable(outline: Moments, contrast: float, zoom: float) -> bool:
    """Whether ``outline`` (in a crop of ``zoom`` crop pixels a frame pixel) is read along rays:
    axes of ``LEAST_MAJOR_PX`` and ``LEAST_MINOR_PX`` frame pixels or more, and a loop of some
    ``contrast``."""
    major, minor, _ = outline.axes()
    return major >= LEAST_MAJOR_PX * zoom and minor >= LEAST_MINOR_PX * zoom and contrast > 0


def rays_about(outline: Moments, reach: tuple[float, float], zoom: float) -> Rays:
    """The rays about the moment ellipse of ``outline`` (a region of at least one pixel and a
    minor axis over 0), reaching ``reach`` times its radius, in a crop of ``zoom`` crop pixels a
    frame pixel."""
    major, minor, turn = outline.axes()
    semi_major, semi_minor = major / 2, minor / 2
    samples = math.ceil((reach[1] - reach[0]) * semi_major / (SAMPLE_PX * zoom)) + 1
    off_axis = _BEARINGS - turn
    radii = semi_major * semi_minor / np.hypot(semi_minor * np.cos(off_axis), semi_major * np.sin(off_axis))
    sample_px = radii.mean() * (reach[1] - reach[0]) / (samples - 1)
    centre = (outline.m10 / outline.area, outline.m01 / outline.area)
    return Rays(centre, radii, reach, samples, sample_px, max(0.5, PROFILE_SMOOTHING_PX * zoom / sample_px))


def counted_ellipse(x: np.ndarray, y: np.ndarray, counted: np.ndarray) -> Moments | None:
    """``robust_ellipse`` of the points ``x, y`` of the rays that ``counted``; None where fewer than
    ``LEAST_RAYS`` of the rays count."""
    if counted.sum() < LEAST_RAYS * RAYS:
        return None
    return robust_ellipse(np.column_stack([x[counted], y[counted]]).astype(np.float32))


def robust_ellipse(points: np.ndarray) -> Moments | None:
    """The region moments of the ellipse fitted to ``points`` (``(N, 2)`` float32 ``x, y``),
    fitted again up to ``FIT_ROUNDS`` times, each time without the points whose relative distance
    from the fit before is over ``OFF_ELLIPSE`` robust sds (1.4826 median absolute distances) and
    over ``OFF_ELLIPSE_LEAST`` (no more once the points kept stay the same); None where fewer than
    ``LEAST_RAYS`` of the rays' points are given or left."""
    kept = np.ones(len(points), bool)
    for fit in range(FIT_ROUNDS + 1):
        if kept.sum() < LEAST_RAYS * RAYS:
            return None
        ellipse = fitted_ellipse(points[kept])
        if ellipse is None:
            return None
        if fit == FIT_ROUNDS:
            break
        off = np.abs(np.hypot(*ellipse_coordinates_of(points, ellipse)) - 1)
        kept_before, kept = kept, off < max(OFF_ELLIPSE * 1.4826 * np.median(off[kept]), OFF_ELLIPSE_LEAST)
        if np.array_equal(kept, kept_before):  # the same points: the next fit is this one
            break
    return Moments.filling_ellipse(*ellipse)
