"""What the measuring floods of one box work on, and what their results say.

A loop is measured on its outline in one to three floods. ``outline_landscape`` reads the crop's
levels and gives the first flood: the inverted intensity, whose ridge is the outline's darkest
line (none for a box whose centre is plainly dark). ``basin_light_level`` reads the intensity
inside the basin that flood finds: a hollow loop's basin is its light centre; a filled loop
(a blob) leaves only a speck of darker pixels. ``dark_edge_share`` asks whether that basin is
closed by a dark line, as a loop's light centre is, rather than by noise beside a blob the box
is not centred on. For a filled loop ``filled_landscape`` gives the second flood, whose ridge
is the edge at half contrast, seeded by ``dark_seeds`` at the blob's level
(``darkest_local_mean`` over squares as wide as the noise needs); ``edge_level`` reads the level
of the edge the image draws about that outline, where a third flood meets when it differs.
``annulus_median`` reads the ground just outside a filled outline, against which a centre may
be light where the crop's border is lighter still. ``brighter_inside`` decides a box's
polarity; ``region_moments`` gives the moments of one
label of the flooded image. They replace a dozen NumPy and OpenCV calls per box, whose call
overhead was most of the measuring stage's time.

Every kernel takes a smoothed float32 crop and ``sign``: -1 turns a bright loop dark, so
below, "dark" and "light" are after that turn.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from edge.kernels import CACHE, checked

# A loop is hollow when its centre is lighter than half its contrast: at the half-contrast
# level it is then a ring, not a disc.
HALF_CONTRAST = 0.5
# A loop whose centre is at least this share of its darkest level's contrast is filled for sure.
CLEARLY_FILLED = 0.75
# The markers' labels: the crop's border (the background) and the loop's inside.
OUTER, INNER = 1, 2


class Box(NamedTuple):
    """A box in crop pixels, ``[x0:x1, y0:y1]`` (exclusive end)."""

    x0: int
    y0: int
    x1: int
    y1: int


class Moments(NamedTuple):
    """The area and moments of one label of a flooded crop (x along columns, y along rows)."""

    area: float
    m10: float
    m01: float
    mu20: float
    mu02: float
    mu11: float

    def axes(self) -> tuple[float, float, float]:
        """The region's moment ellipse: its full major and minor axes (4 standard deviations
        along each) and the major axis's angle in radians, from +x towards +y; zeros for an
        empty region."""
        if self.area <= 0:
            return 0.0, 0.0, 0.0
        mu20, mu02, mu11 = self.mu20 / self.area, self.mu02 / self.area, self.mu11 / self.area
        spread = math.hypot((mu20 - mu02) / 2, mu11)
        major_var = (mu20 + mu02) / 2 + spread
        minor_var = max((mu20 + mu02) / 2 - spread, 0.0)
        return 4 * math.sqrt(major_var), 4 * math.sqrt(minor_var), 0.5 * math.atan2(2 * mu11, mu20 - mu02)

    @classmethod
    def filling_ellipse(cls, centre: tuple[float, float], major: float, minor: float, theta: float) -> "Moments":
        """The moments of a uniform region filling the ellipse of axes ``major`` and ``minor``
        (full lengths), turned by ``theta`` (radians, from +x towards +y), about ``centre``: its
        moment ellipse (``axes``) is that ellipse."""
        area = math.pi * major * minor / 4
        along, across = (major / 4) ** 2, (minor / 4) ** 2  # the second moments per pixel along each axis
        cos, sin = math.cos(theta), math.sin(theta)
        return cls(
            area,
            area * centre[0],
            area * centre[1],
            area * (along * cos * cos + across * sin * sin),
            area * (along * sin * sin + across * cos * cos),
            area * (along - across) * sin * cos,
        )


def ellipse_half_extent(semi_major: float, semi_minor: float, theta: float) -> tuple[float, float]:
    """How far the ellipse of those semi-axes, its major axis turned by ``theta`` (radians, from
    +x towards +y), reaches from its centre along x and along y."""
    return (
        math.hypot(semi_major * math.cos(theta), semi_minor * math.sin(theta)),
        math.hypot(semi_major * math.sin(theta), semi_minor * math.cos(theta)),
    )


class FirstFlood(NamedTuple):
    """What ``outline_landscape`` gives the first flood, and what it found on the way."""

    landscape: np.ndarray  # uint8: the flood's levels
    markers: np.ndarray  # int32: OUTER on the crop's border, INNER inside the loop, 0 elsewhere
    background: float  # the median of the crop's border, oriented
    core: float  # the loop's darkest level, oriented
    noise: float  # the robust standard deviation of the crop's border
    maybe_hollow: bool  # False: the loop is filled for sure, and the landscape and markers are empty

    @property
    def contrast(self) -> float:
        """The loop's darkest level below the background; at least 1e-6, so it divides."""
        return max(self.background - self.core, 1e-6)


@njit(nogil=True, cache=CACHE, fastmath=True)
def _outline_landscape(smooth, centre_x, centre_y, inner_radius, box_x0, box_y0, box_x1, box_y1, core_half_width, sign):
    """The uint8 landscape and int32 markers of the first flood, the background level, the
    loop's darkest level, the noise around it, and whether the loop may be hollow.

    The background is the median of the crop's border, the noise its robust spread; the darkest
    level is the darkest mean over squares of side ``2 core_half_width + 1`` inside the box ``[box_x0:box_x1,
    box_y0:box_y1]`` (crop pixel coordinates, as the centre). A loop whose centre (the mean
    over the disc of half ``inner_radius``) is at least three quarters as dark is filled for
    sure: it needs no first flood, and its landscape and markers are empty (0x0). Any other
    loop may be hollow: its landscape is the intensity turned upside down and stretched to
    0-255 from the darkest pixel, so two waters meet on the outline's darkest line, and its
    inner marker is the part of the disc of ``inner_radius`` reached from the centre pixel
    through pixels lighter than half the contrast, so it never reaches onto the outline.
    ``basin_light_level`` then tells from the flood whether it is.
    """
    height, width = smooth.shape
    border_level, noise = _border_statistics(smooth)
    background = sign * border_level
    darkest = np.inf
    for row in range(max(box_y0, 0), min(box_y1, height)):
        for col in range(max(box_x0, 0), min(box_x1, width)):
            darkest = min(darkest, sign * smooth[row, col])
    core = _darkest_local_mean(smooth, sign, box_x0, box_y0, box_x1, box_y1, core_half_width)
    half_level = background - HALF_CONTRAST * (background - core)
    centre_level = _disc_mean(smooth, centre_x, centre_y, max(0.5 * inner_radius, 1.0), sign)
    if centre_level < background - CLEARLY_FILLED * (background - core):
        return np.zeros((0, 0), np.uint8), np.zeros((0, 0), np.int32), background, core, noise, False
    markers = _light_markers(smooth, centre_x, centre_y, inner_radius, sign, half_level)
    return _landscape(smooth, sign, darkest, background > darkest), markers, background, core, noise, True


@njit(nogil=True, cache=CACHE)
def _border_statistics(smooth: np.ndarray) -> tuple[float, float]:
    """The median of the crop's border, each pixel once (the background around the loop), and
    its robust standard deviation, 1.4826 times the median absolute deviation (the noise there)."""
    border = np.concatenate((smooth[0, :], smooth[-1, :], smooth[1:-1, 0], smooth[1:-1, -1]))
    level = np.median(border)
    return level, 1.4826 * np.median(np.abs(border - level))


@njit(nogil=True, cache=CACHE)
def _darkest_local_mean(
    smooth: np.ndarray, sign: float, box_x0: int, box_y0: int, box_x1: int, box_y1: int, half_width: int
) -> float:
    """The darkest mean of ``sign * smooth`` over the squares of side ``2 half_width + 1``
    centred in the box: the loop's darkest level, without the darkest pixel's noise."""
    height, width = smooth.shape
    summed = np.zeros((height + 1, width + 1), np.float64)
    for row in range(height):
        running = 0.0
        for col in range(width):
            running += sign * smooth[row, col]
            summed[row + 1, col + 1] = summed[row, col + 1] + running
    darkest = np.inf
    for row in range(max(box_y0, 0), min(box_y1, height)):
        top, bottom = max(row - half_width, 0), min(row + half_width + 1, height)
        for col in range(max(box_x0, 0), min(box_x1, width)):
            left, right = max(col - half_width, 0), min(col + half_width + 1, width)
            total = summed[bottom, right] - summed[top, right] - summed[bottom, left] + summed[top, left]
            darkest = min(darkest, total / ((bottom - top) * (right - left)))
    return darkest


@njit(nogil=True, cache=CACHE)
def _basin_light_level(labels: np.ndarray, smooth: np.ndarray, sign: float, label: int) -> float:
    """The upper quartile of ``sign * smooth`` over the pixels of ``labels`` equal to
    ``label``: the level of a basin's lighter part (its centre, past the outline's flank)."""
    values = np.empty(labels.size, np.float32)
    count = 0
    height, width = labels.shape
    for row in range(height):
        for col in range(width):
            if labels[row, col] == label:
                values[count] = sign * smooth[row, col]
                count += 1
    return np.percentile(values[:count], 75.0) if count else np.inf


@njit(nogil=True, cache=CACHE)
def _dark_edge_share(
    labels: np.ndarray,
    smooth: np.ndarray,
    sign: float,
    label: int,
    level: float,
    open_sides: tuple[bool, bool, bool, bool],
) -> float:
    """The share of the edge pixels of the region of ``labels`` equal to ``label`` (those that lie
    on the crop's border or have a pixel of another label among their 8 neighbours) where
    ``sign * smooth`` is at or below ``level``. Pixels on the crop's sides that ``open_sides``
    (left, top, right, bottom) names are not counted: there the frame ends, and what closes the
    region lies beyond it. 0 where no edge pixel counts (a region without pixels, or with its
    edge only on open sides)."""
    height, width = labels.shape
    open_left, open_top, open_right, open_bottom = open_sides
    edge = dark = 0
    for row in range(height):
        for col in range(width):
            if labels[row, col] != label:
                continue
            if (open_left and col == 0) or (open_right and col == width - 1):
                continue
            if (open_top and row == 0) or (open_bottom and row == height - 1):
                continue
            if row == 0 or col == 0 or row == height - 1 or col == width - 1:
                on_edge = True
            else:
                above, below = labels[row - 1], labels[row + 1]
                on_edge = (
                    above[col - 1] != label or above[col] != label or above[col + 1] != label
                    or labels[row, col - 1] != label or labels[row, col + 1] != label
                    or below[col - 1] != label or below[col] != label or below[col + 1] != label
                )  # fmt: skip
            if on_edge:
                edge += 1
                if sign * smooth[row, col] <= level:
                    dark += 1
    return dark / edge if edge else 0.0


@njit(nogil=True, cache=CACHE)
def _edge_level(labels: np.ndarray, smooth: np.ndarray, sign: float, label: int, reach: int) -> float:
    """The level of the edge of the region of ``labels`` equal to ``label`` as the image draws
    it: the mean of ``sign * smooth`` over the band of pixels within ``reach`` (+ 0.5) px of the
    other side of that edge (inside the region or out), each weighted by the square of its
    gradient magnitude (3x3 Sobel, borders reflected as OpenCV's). Across a blurred step that
    the band spans evenly (the region's edge near the step's middle), the mean is the step's
    midpoint, whatever lies beyond the band; where the band holds more of one side of the step,
    the level leans to that side. NaN where the band is flat or empty."""
    height, width = smooth.shape
    inside = np.empty((height, width), np.bool_)
    first_row, last_row, first_col, last_col = height, -1, width, -1  # the region's extent
    for row in range(height):
        for col in range(width):
            inside[row, col] = labels[row, col] == label
            if inside[row, col]:
                first_row, last_row = min(first_row, row), max(last_row, row)
                first_col, last_col = min(first_col, col), max(last_col, col)
    spans = np.empty(2 * reach + 1, np.int64)  # the disc of reach + 0.5 px: its half-width, row by row
    for step_row in range(-reach, reach + 1):
        spans[step_row + reach] = int(np.floor(np.sqrt((reach + 0.5) ** 2 - step_row * step_row)))
    band = np.zeros((height, width), np.bool_)
    for row in range(max(first_row - 1, 0), min(last_row + 2, height)):  # edge pixels lie within a pixel of the extent
        for col in range(max(first_col - 1, 0), min(last_col + 2, width)):
            side = inside[row, col]
            on_edge = (
                (row > 0 and inside[row - 1, col] != side) or (row + 1 < height and inside[row + 1, col] != side)
                or (col > 0 and inside[row, col - 1] != side) or (col + 1 < width and inside[row, col + 1] != side)
            )  # fmt: skip
            if not on_edge:
                continue
            # the other side's pixels within reach of this edge pixel
            for near_row in range(max(row - reach, 0), min(row + reach + 1, height)):
                half_width = spans[near_row - row + reach]
                for near_col in range(max(col - half_width, 0), min(col + half_width + 1, width)):
                    if inside[near_row, near_col] != side:
                        band[near_row, near_col] = True
    total = weight = 0.0
    # the band lies within reach of an edge pixel
    for row in range(max(first_row - reach - 1, 0), min(last_row + reach + 2, height)):
        above, below = _reflected(row - 1, height), _reflected(row + 1, height)
        for col in range(max(first_col - reach - 1, 0), min(last_col + reach + 2, width)):
            if not band[row, col]:
                continue
            left, right = _reflected(col - 1, width), _reflected(col + 1, width)
            across = (
                smooth[above, right] + 2 * smooth[row, right] + smooth[below, right]
                - smooth[above, left] - 2 * smooth[row, left] - smooth[below, left]
            )  # fmt: skip
            down = (
                smooth[below, left] + 2 * smooth[below, col] + smooth[below, right]
                - smooth[above, left] - 2 * smooth[above, col] - smooth[above, right]
            )  # fmt: skip
            squared = across * across + down * down
            total += squared * sign * smooth[row, col]
            weight += squared
    return total / weight if weight > 0 else np.nan


@njit(nogil=True, cache=CACHE)
def _annulus_median(
    smooth: np.ndarray,
    sign: float,
    centre_x: float,
    centre_y: float,
    semi_major: float,
    semi_minor: float,
    turn: float,
    inner: float,
    outer: float,
    reach_x: float,
    reach_y: float,
) -> tuple[float, int]:
    """The median of ``sign * smooth`` over the pixels between ``inner`` and ``outer`` times the
    ellipse of semi-axes ``semi_major`` and ``semi_minor`` about ``(centre_x, centre_y)``, its
    first axis turned ``turn`` radians from +x towards +y, and how many pixels that is (NaN and
    0 for none); the outer ellipse reaches ``reach_x`` and ``reach_y`` from its centre along x
    and y, so the annulus lies within those of it."""
    height, width = smooth.shape
    cos, sin = math.cos(turn), math.sin(turn)
    first_col = max(int(np.floor(max(centre_x - reach_x, -1.0))), 0)
    last_col = min(int(np.ceil(min(centre_x + reach_x, float(width)))), width - 1)
    first_row = max(int(np.floor(max(centre_y - reach_y, -1.0))), 0)
    last_row = min(int(np.ceil(min(centre_y + reach_y, float(height)))), height - 1)
    values = np.empty(max(last_row - first_row + 1, 0) * max(last_col - first_col + 1, 0), np.float32)
    count = 0
    for row in range(first_row, last_row + 1):
        dy = row - centre_y
        for col in range(first_col, last_col + 1):
            dx = col - centre_x
            along, across = (dx * cos + dy * sin) / semi_major, (dy * cos - dx * sin) / semi_minor
            radius = math.sqrt(along * along + across * across)
            if inner <= radius <= outer:
                values[count] = sign * smooth[row, col]
                count += 1
    if count == 0:
        return np.nan, 0
    return float(np.median(values[:count])), count


@njit(nogil=True, cache=CACHE)
def _reflected(index: int, size: int) -> int:
    """``index`` reflected into ``[0, size)`` about the edge pixels, as OpenCV's default border."""
    if index < 0:
        return min(-index, size - 1)
    if index >= size:
        return max(2 * size - 2 - index, 0)
    return index


@njit(nogil=True, cache=CACHE, fastmath=True)
def _filled_landscape(
    smooth: np.ndarray, seeds: np.ndarray, sign: float, background: float, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """The uint8 landscape and int32 markers of a filled loop's flood.

    The landscape is the closeness to ``level`` (a level between the ``background`` and the
    loop's), so two waters meet on the loop's edge at that level.
    The markers are the ``INNER`` pixels of ``seeds`` (the loop's dark core, ``_dark_seeds``)
    and the crop's border, labelled ``OUTER``.
    """
    height, width = seeds.shape
    markers = np.zeros((height, width), np.int32)
    for row in range(height):
        for col in range(width):
            if seeds[row, col] == INNER:
                markers[row, col] = INNER
    markers[0, :] = OUTER
    markers[-1, :] = OUTER
    markers[:, 0] = OUTER
    markers[:, -1] = OUTER
    return _landscape(smooth, sign, level, background > level), markers


@njit(nogil=True, cache=CACHE, fastmath=True)
def _landscape(smooth: np.ndarray, sign: float, level: float, contrasted: bool) -> np.ndarray:
    """255 where ``sign * smooth`` equals ``level``, falling linearly to 0 at the crop's
    farthest value; all 0 when the loop has no contrast."""
    height, width = smooth.shape
    landscape = np.zeros((height, width), np.uint8)
    if not contrasted:
        return landscape
    deviation = np.empty((height, width), np.float32)
    peak = np.float32(0.0)
    for row in range(height):
        for col in range(width):
            value = np.float32(abs(sign * smooth[row, col] - level))
            deviation[row, col] = value
            peak = max(peak, value)
    if peak > 0:
        scale = np.float32(255.0) / peak
        for row in range(height):
            for col in range(width):
                landscape[row, col] = np.uint8(np.floor((peak - deviation[row, col]) * scale + np.float32(0.5)))
    return landscape


@njit(nogil=True, cache=CACHE)
def _disc_mean(smooth: np.ndarray, centre_x: float, centre_y: float, radius: float, sign: float) -> float:
    """The mean of ``sign * smooth`` over the pixels within ``radius`` of the centre (the
    nearest pixel when none is)."""
    height, width = smooth.shape
    total, count = 0.0, 0
    for row in range(max(int(centre_y - radius), 0), min(int(centre_y + radius) + 2, height)):
        for col in range(max(int(centre_x - radius), 0), min(int(centre_x + radius) + 2, width)):
            if (col - centre_x) ** 2 + (row - centre_y) ** 2 <= radius * radius:
                total += sign * smooth[row, col]
                count += 1
    if count == 0:
        row = min(max(int(round(centre_y)), 0), height - 1)
        col = min(max(int(round(centre_x)), 0), width - 1)
        return sign * smooth[row, col]
    return total / count


@njit(nogil=True, cache=CACHE)
def _light_markers(
    smooth: np.ndarray, centre_x: float, centre_y: float, radius: float, sign: float, level: float
) -> np.ndarray:
    """``OUTER`` along the crop's border; ``INNER`` on the centre pixel and the pixels of the
    disc of ``radius`` reached from it through pixels lighter than ``level``, 4-connected."""
    height, width = smooth.shape
    markers = np.zeros((height, width), np.int32)
    markers[0, :] = OUTER
    markers[-1, :] = OUTER
    markers[:, 0] = OUTER
    markers[:, -1] = OUTER
    start_row = min(max(int(round(centre_y)), 1), height - 2)
    start_col = min(max(int(round(centre_x)), 1), width - 2)
    markers[start_row, start_col] = INNER
    queue = np.empty((height * width, 2), np.int32)
    queue[0, 0], queue[0, 1] = start_row, start_col
    taken, size = 0, 1
    while taken < size:
        row, col = queue[taken, 0], queue[taken, 1]
        taken += 1
        for step in range(4):
            next_row = row + (step == 0) - (step == 1)
            next_col = col + (step == 2) - (step == 3)
            if markers[next_row, next_col] != 0:
                continue
            if (next_col - centre_x) ** 2 + (next_row - centre_y) ** 2 > radius * radius:
                continue
            if sign * smooth[next_row, next_col] <= level:
                continue
            markers[next_row, next_col] = INNER
            queue[size, 0], queue[size, 1] = next_row, next_col
            size += 1
    return markers


@njit(nogil=True, cache=CACHE)
def _dark_seeds(
    smooth: np.ndarray, centre_x: float, centre_y: float, radius: float, sign: float, level: float
) -> np.ndarray:
    """``INNER`` on every pixel of the disc of ``radius`` about the centre darker than ``level``,
    connected or not (a filled loop's core, however its noise or mottling breaks it up); on the
    disc's darkest pixel where none is; 0 elsewhere."""
    height, width = smooth.shape
    seeds = np.zeros((height, width), np.int32)
    darkest = np.inf
    darkest_row = min(max(int(round(centre_y)), 0), height - 1)
    darkest_col = min(max(int(round(centre_x)), 0), width - 1)
    found = False
    for row in range(max(int(centre_y - radius), 0), min(int(centre_y + radius) + 2, height)):
        for col in range(max(int(centre_x - radius), 0), min(int(centre_x + radius) + 2, width)):
            if (col - centre_x) ** 2 + (row - centre_y) ** 2 > radius * radius:
                continue
            value = sign * smooth[row, col]
            if value < level:
                seeds[row, col] = INNER
                found = True
            if value < darkest:
                darkest, darkest_row, darkest_col = value, row, col
    if not found:
        seeds[darkest_row, darkest_col] = INNER
    return seeds


@njit(nogil=True, cache=CACHE)
def _brighter_inside(smooth: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> bool:
    """Whether the mean of ``smooth[y0:y1, x0:x1]`` exceeds the median of the crop's border."""
    return smooth[y0:y1, x0:x1].mean() > _border_statistics(smooth)[0]


@njit(nogil=True, cache=CACHE)
def _region_moments(labels: np.ndarray, label: int) -> tuple[float, float, float, float, float, float]:
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


# The checked wrappers: the measuring stage calls these, the kernels above only compute.
_SMOOTH = (np.float32,)
_LABELS = (np.int32,)


def outline_landscape(
    smooth: np.ndarray, centre: tuple[float, float], inner_radius: float, box: Box, core_half_width: int, sign: float
) -> FirstFlood:
    """See ``_outline_landscape``; ``smooth`` is the smoothed crop, 2-D float32, at least 3x3,
    ``centre`` the loop's ``(x, y)`` in it."""
    smooth = _checked_crop(smooth, "outline_landscape")
    x0, y0, x1, y1 = (int(v) for v in box)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"outline_landscape: empty box {x0, y0, x1, y1}")
    landscape, markers, background, core, noise, maybe_hollow = _outline_landscape(
        smooth,
        float(centre[0]),
        float(centre[1]),
        float(inner_radius),
        x0,
        y0,
        x1,
        y1,
        int(core_half_width),
        float(sign),
    )
    return FirstFlood(landscape, markers, float(background), float(core), float(noise), bool(maybe_hollow))


def basin_light_level(labels: np.ndarray, smooth: np.ndarray, sign: float, label: int) -> float:
    """See ``_basin_light_level``; ``labels`` int32 of ``smooth``'s shape."""
    smooth = _checked_crop(smooth, "basin_light_level")
    labels = _checked_labels(labels, smooth.shape, "basin_light_level")
    return float(_basin_light_level(labels, smooth, float(sign), int(label)))


def dark_edge_share(
    labels: np.ndarray,
    smooth: np.ndarray,
    sign: float,
    label: int,
    level: float,
    open_sides: tuple[bool, bool, bool, bool] = (False, False, False, False),
) -> float:
    """See ``_dark_edge_share``; ``labels`` int32 of ``smooth``'s shape, ``open_sides`` four bools."""
    smooth = _checked_crop(smooth, "dark_edge_share")
    labels = _checked_labels(labels, smooth.shape, "dark_edge_share")
    if len(open_sides) != 4:
        raise ValueError(f"dark_edge_share: open_sides names the left, top, right and bottom sides, got {open_sides}")
    sides = tuple(bool(side) for side in open_sides)
    return float(_dark_edge_share(labels, smooth, float(sign), int(label), float(level), sides))


def annulus_median(
    smooth: np.ndarray,
    sign: float,
    centre: tuple[float, float],
    semi_axes: tuple[float, float],
    turn: float,
    span: tuple[float, float],
) -> tuple[float, int]:
    """See ``_annulus_median``; ``centre`` and ``turn`` finite, ``semi_axes`` (either first)
    finite and over 0, ``span`` the inner and outer multiple of the ellipse, finite and
    ``0 <= span[0] <= span[1]``."""
    smooth = _checked_crop(smooth, "annulus_median")
    if not all(math.isfinite(value) for value in (*centre, turn)):
        raise ValueError(f"annulus_median: needs a finite centre and turn, got {centre} and {turn}")
    if not all(0 < axis < math.inf for axis in semi_axes):
        raise ValueError(f"annulus_median: the ellipse's semi-axes must be finite and over 0, got {semi_axes}")
    if not 0 <= span[0] <= span[1] < math.inf:
        raise ValueError(f"annulus_median: span must be 0 <= inner <= outer, finite, got {span}")
    reach_x, reach_y = ellipse_half_extent(span[1] * semi_axes[0], span[1] * semi_axes[1], turn)
    level, count = _annulus_median(
        smooth, float(sign), float(centre[0]), float(centre[1]), float(semi_axes[0]), float(semi_axes[1]),
        float(turn), float(span[0]), float(span[1]), reach_x, reach_y,
    )  # fmt: skip
    return float(level), int(count)


def edge_level(labels: np.ndarray, smooth: np.ndarray, sign: float, label: int, reach: int) -> float:
    """See ``_edge_level``; ``labels`` int32 of ``smooth``'s shape, ``reach`` at least 1 px."""
    smooth = _checked_crop(smooth, "edge_level")
    labels = _checked_labels(labels, smooth.shape, "edge_level")
    if not reach >= 1:
        raise ValueError(f"edge_level: reach must be at least 1 px, got {reach}")
    return float(_edge_level(labels, smooth, float(sign), int(label), int(reach)))


def filled_landscape(
    smooth: np.ndarray, seeds: np.ndarray, sign: float, background: float, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """See ``_filled_landscape``; ``seeds`` int32 of ``smooth``'s shape."""
    smooth = _checked_crop(smooth, "filled_landscape")
    seeds = _checked_labels(seeds, smooth.shape, "filled_landscape")
    return _filled_landscape(smooth, seeds, float(sign), float(background), float(level))


def dark_seeds(smooth: np.ndarray, centre: tuple[float, float], radius: float, sign: float, level: float) -> np.ndarray:
    """See ``_dark_seeds``; ``centre`` is ``(x, y)`` in the crop, ``radius`` at least 0.5 px."""
    smooth = _checked_crop(smooth, "dark_seeds")
    if not radius >= 0.5:
        raise ValueError(f"dark_seeds: the seeding disc's radius must be at least 0.5 px, got {radius}")
    return _dark_seeds(smooth, float(centre[0]), float(centre[1]), float(radius), float(sign), float(level))


def darkest_local_mean(smooth: np.ndarray, box: Box, half_width: int, sign: float) -> float:
    """See ``_darkest_local_mean``; the box must not be empty, ``half_width`` at least 0."""
    smooth = _checked_crop(smooth, "darkest_local_mean")
    x0, y0, x1, y1 = (int(v) for v in box)
    if not (x0 < x1 and y0 < y1) or half_width < 0:
        raise ValueError(f"darkest_local_mean: empty box {x0, y0, x1, y1} or negative half width {half_width}")
    return float(_darkest_local_mean(smooth, float(sign), x0, y0, x1, y1, int(half_width)))


def brighter_inside(smooth: np.ndarray, box: Box) -> bool:
    """See ``_brighter_inside``; the box, clipped to the crop, must keep at least one pixel."""
    smooth = _checked_crop(smooth, "brighter_inside")
    height, width = smooth.shape
    x0, x1, y0, y1 = max(box[0], 0), min(box[2], width), max(box[1], 0), min(box[3], height)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"brighter_inside: box {x0, y0, x1, y1} keeps no pixel of the crop {smooth.shape}")
    return bool(_brighter_inside(smooth, int(x0), int(y0), int(x1), int(y1)))


def region_moments(labels: np.ndarray, label: int) -> Moments:
    """See ``_region_moments``; ``labels`` 2-D int32."""
    labels = checked(labels, "labels", _LABELS, 2, "region_moments")
    return Moments(*_region_moments(labels, int(label)))


def _checked_crop(smooth: np.ndarray, kernel: str) -> np.ndarray:
    smooth = checked(smooth, "smooth", _SMOOTH, 2, kernel)
    if min(smooth.shape) < 3:
        raise ValueError(f"{kernel}: the crop must be at least 3x3, got {smooth.shape}")
    return smooth


def _checked_labels(labels: np.ndarray, shape: tuple[int, int], kernel: str) -> np.ndarray:
    labels = checked(labels, "labels", _LABELS, 2, kernel)
    if labels.shape != shape:
        raise ValueError(f"{kernel}: labels of shape {labels.shape} for a crop of {shape}")
    return labels
