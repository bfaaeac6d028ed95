"""A hollow loop's outline on its dark line's centre, read along rays from its basin.

A hollow loop is measured on the basin its first flood finds: the light centre, out to where the
waters meet on the darkest line. In a noisy frame the meeting line wanders about the dark line's
centre with the noise, and the basin's outline with it: the loops of 20-39 px came out a few per
cent large at SNR 2-3 (+1.7 % in the median, 78 % in the bar at SNR 2). Read along rays from the
basin's centre (``edge.pipeline.rays``), each profile (averaged with the rays either side,
smoothed by about a frame pixel) is darkest on the line's centre, whatever the noise does to
single pixels.

So for a basin of ``edge.pipeline.rays.LEAST_MAJOR_PX`` frame pixels and more, the line is read
along rays from ``RAY_REACH[0]`` to ``RAY_REACH[1]`` times the basin's radius: on each ray its
darkest point, to a fraction of a sample, which counts where it lies inside the ray's reach and
is at least ``LINE_DEPTH`` of the loop's contrast darker than the background. The ellipse fitted
to the counted points, dropping those far off it, replaces the basin's outline where
``edge.pipeline.rays.LEAST_RAYS`` of the rays count and keep their point. Smaller basins keep
their outline: their rays are a few pixels long, and read along them, loops of 8-19 px came out
2 % small at SNR 8.
"""

import numpy as np

from edge.kernels.landscape import Moments
from edge.kernels.rays import ray_lines
from edge.pipeline.rays import counted_ellipse, rays_about, readable

RAY_REACH = (0.7, 1.4)  # of the basin's radius along each ray: where the line is looked for
LINE_DEPTH = 0.5  # of the loop's contrast: the least depth below the background that counts a ray's line


def line_ellipse_along_rays(
    smooth: np.ndarray, sign: float, basin: Moments, background: float, contrast: float, zoom: float
) -> Moments | None:
    """The region moments of the ellipse fitted to a hollow loop's dark line read along rays from
    its ``basin``, or None where the basin stands.

    Parameters
    ----------
    smooth : ndarray
        The smoothed crop, float32.
    sign : float
        -1 where the loop is brighter than its surroundings, else 1.
    basin : Moments
        The loop's light centre as its first flood found it, crop pixels.
    background : float
        The crop's background level, oriented as ``sign`` makes it.
    contrast : float
        The loop's contrast (background less its darkest level).
    zoom : float
        Crop pixels per frame pixel.

    Returns
    -------
    Moments or None
        The moments of a uniform region filling the line's ellipse, in crop pixels.
    """
    if not readable(basin, contrast, zoom):
        return None
    rays = rays_about(basin, RAY_REACH, zoom)
    line_x, line_y, level = ray_lines(smooth, sign, rays.centre, rays.radii, rays.reach, rays.samples, rays.smoothing)
    with np.errstate(invalid="ignore"):  # NaN: the ray's darkest point at an end of its reach
        return counted_ellipse(line_x, line_y, background - level >= LINE_DEPTH * contrast)
