"""A large blob whose flood stopped inside its edge: the ellipse of the edge itself, ray by ray.

A filled loop's flood meets at half of the blob's darkest level. Where a darker blotch inside
the blob set that level, as in noisy bright-field frames and in the synthetic truth's mottled
blobs, the flood stops on the blotch and the lighter rim around it is lost: the outline comes
out 10-50 % small at an SNR of 2. The edge is still plain to the eye: the step from the rim to
the background is the sharpest change of level about the blob, sharper than any blotch.

So each blob's edge is also read along rays from its outline's centre (``edge.pipeline.rays``).
Along each ray the profile (averaged with the rays either side, smoothed by about a frame pixel)
is read from ``RAY_REACH[0]`` to ``RAY_REACH[1]`` times the outline's radius, and the edge is
where it grows lighter fastest, to a fraction of a sample. A ray counts where that step is at
least ``EDGE_STEP`` of the loop's contrast; an ellipse is fitted to the counted edge points,
dropping those far off it. The fitted ellipse replaces the outline where it is larger, its major
axis and its area both (a flood stops short of the edge on a blotch, but where the flood reached
the edge the rays can only find a blotch's edge or a neighbour's inside it), from at least
``edge.pipeline.rays.LEAST_RAYS`` of the rays (fewer, and the blob's edge is not what the rays
found: a neighbour or the ground's slope on many of them). Outlines are read along rays only from
``edge.pipeline.rays.LEAST_MAJOR_PX`` frame pixels long (a smaller blob's rays are a few pixels
long, and its flood already reaches its edge) and ``edge.pipeline.rays.LEAST_MINOR_PX`` wide (a
filled loop's least resolved width). The rays reach no further than ``RAY_REACH[1]``, so a
neighbour beyond it is never taken for the edge.
"""

import numpy as np

from edge.kernels.landscape import Moments
from edge.kernels.rays import ray_edges
from edge.pipeline.rays import counted_ellipse, rays_about, readable

RAY_REACH = (0.6, 1.5)  # of the outline's radius along each ray: where the edge is looked for
STEP_SPAN_PX = 2.0  # frame px: a ray's step is the rise of its profile this far either side of its edge
EDGE_STEP = 0.25  # of the loop's contrast: the least step that counts a ray's edge


def edge_ellipse(smooth: np.ndarray, sign: float, outline: Moments, contrast: float, zoom: float) -> Moments | None:
    """The region moments of the ellipse fitted to a blob's edge read along rays from its
    ``outline``, or None where the outline stands.

    Parameters
    ----------
    smooth : ndarray
        The smoothed crop, float32.
    sign : float
        -1 where the loop is brighter than its surroundings, else 1.
    outline : Moments
        The blob's outline as its flood found it, crop pixels.
    contrast : float
        The loop's contrast (background less its darkest level), oriented as ``sign`` makes it.
    zoom : float
        Crop pixels per frame pixel.

    Returns
    -------
    Moments or None
        The moments of a uniform region filling the edge's ellipse, in crop pixels.
    """
    if not readable(outline, contrast, zoom):
        return None
    rays = rays_about(outline, RAY_REACH, zoom)
    edge_x, edge_y, step = ray_edges(
        smooth, sign, rays.centre, rays.radii, rays.reach, rays.samples, rays.smoothing,
        max(1, round(STEP_SPAN_PX * zoom / rays.sample_px)),
    )  # fmt: skip
    fitted = counted_ellipse(edge_x, edge_y, step >= EDGE_STEP * contrast)
    larger = fitted is not None and fitted.axes()[0] > outline.axes()[0] and fitted.area > outline.area
    return fitted if larger else None
