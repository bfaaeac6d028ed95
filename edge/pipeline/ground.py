"""The ground just outside a loop: the level its hollow/filled test reads a light centre against
where the loop sits in darker ground than its crop's border.

li2018's loops often lie in ground darker near them than half a box away (dense loops, bend
contours). Against the crop's border a ring there has a centre no lighter than half its contrast,
so it is measured filled, to the outer edge of its line or past it into that ground; against the
ground just outside its filled outline its centre is plainly light. The annulus is read about the
filled outline, not about the basin the first flood finds, so that inside a blob (about a light
blotch of it) it reads the ground beyond the blob, not the blob.
"""

import numpy as np

from edge.kernels.landscape import Moments, annulus_median

GROUND_SPAN = (1.1, 1.4)  # of the filled outline's moment ellipse: the annulus the ground is read in
GROUND_LEAST_PX = 20  # crop pixels: an annulus with fewer inside the crop reads no ground


def ground_outside(smooth: np.ndarray, sign: float, outline: Moments) -> float | None:
    """The median level, oriented by ``sign`` (the loop's contrast dark), of the smoothed crop
    ``smooth`` between ``GROUND_SPAN`` times the moment ellipse of ``outline`` (a filled loop's
    region in the crop); None where the annulus keeps fewer than ``GROUND_LEAST_PX`` pixels of
    the crop, or the outline is a speck or a line (no minor axis).

    Examples
    --------
    A blob 20 px across (60) in ground of 120 out to 15 px from its centre, and of 200 beyond:

    >>> distance = np.hypot(*(np.mgrid[:61, :61] - 30))
    >>> crop = np.select([distance < 10, distance < 15], [60.0, 120.0], 200.0).astype(np.float32)
    >>> blob = Moments.filling_ellipse((30.0, 30.0), 20.0, 20.0, 0.0)
    >>> ground_outside(crop, 1.0, blob)  # 11-14 px from its centre: the ground next to it
    120.0
    """
    if outline.area < 3:
        return None
    major, minor, turn = outline.axes()
    if minor <= 0:
        return None
    centre = (outline.m10 / outline.area, outline.m01 / outline.area)
    level, count = annulus_median(smooth, sign, centre, (major / 2, minor / 2), turn, GROUND_SPAN)
    return level if count >= GROUND_LEAST_PX else None
