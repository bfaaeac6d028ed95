import itertools
import math

import cv2
import numpy as np
import pytest
from scipy.ndimage import uniform_filter
from skimage.segmentation import flood

from edge.kernels.landscape import (
    Box,
    Moments,
    annulus_median,
    basin_light_level,
    brighter_inside,
    dark_edge_share,
    dark_seeds,
    darkest_local_mean,
    edge_level,
    filled_landscape,
    outline_landscape,
    region_moments,
)


def _stretched(oriented, level):
    deviation = np.abs(oriented - level)
    if deviation.max() == 0:
        return np.zeros(oriented.shape, np.uint8)
    return np.floor((deviation.max() - deviation) * (255 / deviation.max()) + 0.5).astype(np.uint8)


def _disc_region(oriented, centre, radius, level, lighter):
    """The centre pixel and the disc's pixels reached from it on the chosen side of ``level``."""
    rows, cols = np.indices(oriented.shape)
    start = (min(max(round(centre[1]), 1), oriented.shape[0] - 2), min(max(round(centre[0]), 1), oriented.shape[1] - 2))
    allowed = ((cols - centre[0]) ** 2 + (rows - centre[1]) ** 2 <= radius**2) & ((oriented > level) == lighter)
    allowed[start] = True
    allowed[0, :] = allowed[-1, :] = allowed[:, 0] = allowed[:, -1] = False
    return flood(allowed, start, connectivity=1)


def _with_border(region):
    markers = np.zeros(region.shape, np.int32)
    markers[region] = 2
    markers[0, :] = markers[-1, :] = markers[:, 0] = markers[:, -1] = 1
    return markers


def _reference_landscape(smooth, centre, inner_radius, box, half_width, sign):
    """The first flood's inputs written with NumPy, SciPy and scikit-image, from the kernel's docstring."""
    oriented = sign * smooth.astype(np.float64)
    x0, y0, x1, y1 = box
    border = np.concatenate([oriented[0], oriented[-1], oriented[1:-1, 0], oriented[1:-1, -1]])
    background = np.median(border)
    noise = 1.4826 * np.median(np.abs(border - background))
    # the mean over each square, shrunk where it meets the crop's edge
    sums = uniform_filter(oriented, 2 * half_width + 1, mode="constant")
    counts = uniform_filter(np.ones_like(oriented), 2 * half_width + 1, mode="constant")
    core = (sums / counts)[y0:y1, x0:x1].min()
    rows, cols = np.indices(smooth.shape)
    near_centre = (cols - centre[0]) ** 2 + (rows - centre[1]) ** 2 <= max(inner_radius / 2, 1) ** 2
    half_level = background - (background - core) / 2
    if oriented[near_centre].mean() < background - 0.75 * (background - core):
        return np.zeros((0, 0), np.uint8), np.zeros((0, 0), np.int32), background, core, noise, False
    markers = _with_border(_disc_region(oriented, centre, inner_radius, half_level, lighter=True))
    return _stretched(oriented, oriented[y0:y1, x0:x1].min()), markers, background, core, noise, True


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_first_flood_inputs_equal_the_numpy_reference(seed, sign):
    rng = np.random.default_rng(seed)
    height, width = rng.integers(12, 90, 2)
    frame = rng.normal(100, 20, (height, width)).astype(np.float32)
    rows, cols = np.indices((height, width))
    centre = (rng.uniform(3, width - 4), rng.uniform(3, height - 4))
    radius = rng.uniform(2, min(height, width) / 3)
    distance = np.hypot(cols - centre[0], rows - centre[1])
    loop = np.abs(distance - radius) < 1.5 if seed % 2 else distance < radius  # a ring or a disc
    frame[loop] -= sign * rng.uniform(0, 80)
    smooth = cv2.GaussianBlur(frame, (0, 0), 1.5)
    box = (
        max(int(centre[0] - radius - 2), 0),
        max(int(centre[1] - radius - 2), 0),
        min(int(centre[0] + radius + 3), width),
        min(int(centre[1] + radius + 3), height),
    )
    inner_radius, half_width = rng.uniform(1, radius), int(rng.integers(1, 5))
    landscape, markers, background, core, noise, maybe_hollow = outline_landscape(
        smooth, centre, inner_radius, Box(*box), half_width, sign
    )
    expected = _reference_landscape(smooth, centre, inner_radius, box, half_width, sign)
    assert maybe_hollow == expected[5]
    assert background == pytest.approx(expected[2], rel=1e-5) and core == pytest.approx(expected[3], rel=1e-5)
    assert noise == pytest.approx(expected[4], rel=1e-4)
    np.testing.assert_array_equal(markers, expected[1])
    if not maybe_hollow:  # filled for sure: no first flood
        assert landscape.shape == (0, 0)
        return
    # float32 rounding may move a value across a quantisation step, never further
    assert np.abs(landscape.astype(int) - expected[0]).max() <= 1
    assert (landscape != expected[0]).mean() < 0.01


@pytest.mark.parametrize("seed", range(6))
def test_noisy_rings_may_be_hollow_and_noisy_discs_are_filled_for_sure(seed):
    smooth = cv2.GaussianBlur(np.random.default_rng(seed).normal(100, 20, (40, 40)).astype(np.float32), (0, 0), 1.5)
    rows, cols = np.indices(smooth.shape)
    distance = np.hypot(cols - 20, rows - 20)
    ring = seed % 2 == 1
    smooth[(np.abs(distance - 10) < 1.5) if ring else (distance < 10)] -= 80
    assert outline_landscape(smooth, (20.0, 20.0), 4.0, Box(8, 8, 33, 33), 2, 1.0).maybe_hollow == ring


def test_filled_landscape_is_seeded_by_the_basin_and_peaks_at_the_level_given():
    rng = np.random.default_rng(3)
    smooth = rng.normal(100, 5, (30, 30)).astype(np.float32)
    seeds = np.zeros((30, 30), np.int32)
    seeds[12:15, 12:16] = 2
    seeds[0, :] = seeds[-1, :] = seeds[:, 0] = seeds[:, -1] = 1
    landscape, markers = filled_landscape(smooth, seeds, 1.0, 100.0, 70.0)
    np.testing.assert_array_equal(markers, seeds)
    np.testing.assert_array_equal(landscape, _stretched(smooth.astype(np.float64), 70.0))


def test_basin_light_level_is_the_upper_quartile_inside_the_basin():
    rng = np.random.default_rng(4)
    smooth = rng.normal(100, 20, (25, 30)).astype(np.float32)
    labels = rng.integers(1, 3, (25, 30)).astype(np.int32)
    assert basin_light_level(labels, smooth, -1.0, 2) == pytest.approx(np.percentile(-smooth[labels == 2], 75))
    assert basin_light_level(np.ones((4, 4), np.int32), smooth[:4, :4], 1.0, 2) == np.inf


@pytest.mark.parametrize("seed", range(4))
def test_dark_edge_share_equals_the_opencv_reference(seed):
    """The share of a region's edge pixels (an 8-neighbour outside it, or the crop's border) at or
    below the level: against an erosion by OpenCV."""
    rng = np.random.default_rng(seed)
    smooth = rng.normal(100, 20, (23, 31)).astype(np.float32)
    rows, cols = np.indices(smooth.shape)
    disc = np.hypot(cols - 12 - seed, rows - 11) < 8  # mostly interior pixels, clear of the border
    scattered = np.where(rng.random(smooth.shape) < 0.7, 2, 1)
    labels = np.where(disc, 2, np.where(rng.random(smooth.shape) < 0.5, 1, 3)) if seed % 2 else scattered
    labels = labels.astype(np.int32)
    inside = (labels == 2).astype(np.uint8)
    eroded = cv2.erode(inside, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    edge = (inside == 1) & (eroded == 0)
    for sign, level in ((1.0, 95.0), (-1.0, -105.0)):
        expected = np.mean(sign * smooth[edge] <= level)
        assert dark_edge_share(labels, smooth, sign, 2, level) == pytest.approx(expected)
    assert dark_edge_share(labels, smooth, 1.0, 4, 95.0) == 0.0  # no such region


@pytest.mark.parametrize("open_sides", list(itertools.product((False, True), repeat=4)))
def test_dark_edge_share_leaves_out_the_crops_open_sides(open_sides):
    """The crop's sides named open (left, top, right, bottom: where the frame ends) do not count,
    corners with them; a region scattered over the whole crop has edge pixels on every side, so
    each side left in or out changes the share."""
    rng = np.random.default_rng(7)
    smooth = rng.normal(100, 20, (23, 31)).astype(np.float32)
    labels = np.where(rng.random(smooth.shape) < 0.7, 2, 1).astype(np.int32)
    inside = (labels == 2).astype(np.uint8)
    eroded = cv2.erode(inside, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    counted = (inside == 1) & (eroded == 0)
    for side, stretch in zip(open_sides, (counted[:, 0], counted[0], counted[:, -1], counted[-1]), strict=True):
        if side:
            stretch[:] = False
    expected = np.mean(smooth[counted] <= 95.0)
    assert dark_edge_share(labels, smooth, 1.0, 2, 95.0, open_sides) == pytest.approx(expected, rel=1e-9)
    if any(open_sides):
        assert expected != pytest.approx(dark_edge_share(labels, smooth, 1.0, 2, 95.0), rel=1e-9)


def _reference_edge_level(labels, smooth, sign, label, reach):
    """``edge_level`` written with OpenCV: a band from a dilation and an erosion by a disc, Sobel gradients."""
    inside = (labels == label).astype(np.uint8)
    disc = (np.hypot(*np.indices((2 * reach + 1, 2 * reach + 1)) - reach) <= reach + 0.5).astype(np.uint8)
    grown = cv2.dilate(inside, disc, borderType=cv2.BORDER_REPLICATE)
    band = grown != cv2.erode(inside, disc, borderType=cv2.BORDER_REPLICATE)
    gradient = np.hypot(cv2.Sobel(smooth, cv2.CV_64F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_64F, 0, 1, ksize=3))
    weights = gradient[band] ** 2
    return np.sum(weights * sign * smooth[band]) / np.sum(weights)


@pytest.mark.parametrize("seed", range(4))
def test_edge_level_equals_the_opencv_reference(seed):
    rng = np.random.default_rng(seed)
    rows, cols = np.indices((37, 41))
    disc = np.hypot(cols - 20.3, rows - 17.6) < 9 + seed
    smooth = (100 - 50 * disc + rng.normal(0, 6, rows.shape)).astype(np.float32)
    smooth = cv2.GaussianBlur(smooth, (0, 0), 1.2)
    labels = np.where(np.hypot(cols - 20, rows - 18) < 8 + seed, 2, 1).astype(np.int32)
    labels[:3, 30:] = 2  # a second part of the region, on the crop's border
    for sign, reach in ((1.0, 2), (-1.0, 3), (1.0, 1)):
        expected = _reference_edge_level(labels, smooth, sign, 2, reach)
        assert edge_level(labels, smooth, sign, 2, reach) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("region_radius", [11.0, 12.0, 13.0])
def test_edge_level_is_a_blurred_steps_midpoint_where_the_region_ends_within_a_pixel_of_it(region_radius):
    """A disc of level 40 on a background of 100, darker still (10) inside 5 px: where
    the band (4 px) spans the step, the edge level is the step's midpoint, 70, whether the region
    stops a pixel inside the edge, on it or a pixel outside it, and the darker middle does not move it."""
    rows, cols = np.indices((61, 61))
    distance = np.hypot(cols - 30.2, rows - 29.7)
    smooth = np.where(distance < 12, 40.0, 100.0) - 30.0 * (distance < 5)
    smooth = cv2.GaussianBlur(smooth.astype(np.float32), (0, 0), 1.5)
    labels = np.where(distance < region_radius, 2, 1).astype(np.int32)
    assert edge_level(labels, smooth, 1.0, 2, 4) == pytest.approx(70.0, abs=1.5)
    assert edge_level(labels, -smooth, -1.0, 2, 4) == pytest.approx(70.0, abs=1.5)  # a bright blob turned dark


def test_edge_level_leans_to_the_side_of_the_step_its_band_holds_more_of():
    """Where the region stops 2 px short of the edge and the band reaches 3 px, the band holds
    more of the step's dark half: the level lies between the midpoint and the blob's."""
    rows, cols = np.indices((61, 61))
    distance = np.hypot(cols - 30.2, rows - 29.7)
    smooth = cv2.GaussianBlur(np.where(distance < 12, 40.0, 100.0).astype(np.float32), (0, 0), 1.5)
    short, beyond = (np.where(distance < r, 2, 1).astype(np.int32) for r in (10.0, 14.0))
    assert 40.0 < edge_level(short, smooth, 1.0, 2, 3) < 70.0 < edge_level(beyond, smooth, 1.0, 2, 3) < 100.0


def test_edge_level_is_nan_where_the_band_is_flat_or_empty():
    labels = np.ones((20, 20), np.int32)
    labels[6:14, 6:14] = 2
    assert np.isnan(edge_level(labels, np.full((20, 20), 50.0, np.float32), 1.0, 2, 2))
    ramp = np.tile(np.arange(20, dtype=np.float32), (20, 1))
    assert np.isnan(edge_level(labels, ramp, 1.0, 3, 2))  # no region of that label: no edge


def test_a_ring_closes_its_basin_with_a_dark_line_and_a_blob_beside_the_centre_does_not():
    """The basin inside a ring is closed by the ring; a basin of background beside a blob is
    closed by the blob on one side only."""
    rows, cols = np.indices((41, 41))
    ring = (100 - 60 * np.exp(-((np.hypot(cols - 20, rows - 20) - 10) ** 2) / 4)).astype(np.float32)
    inside = np.where(np.hypot(cols - 20, rows - 20) < 10, 2, 1).astype(np.int32)
    assert dark_edge_share(inside, ring, 1.0, 2, 85.0) == 1.0
    blob = (100 - 60 * np.exp(-(np.hypot(cols - 28, rows - 20) ** 2) / 8)).astype(np.float32)
    assert dark_edge_share(inside, blob, 1.0, 2, 85.0) < 0.2


def test_ring_may_be_hollow_and_its_darkest_line_is_the_landscape_ridge():
    rows, cols = np.indices((41, 41))
    radius = np.hypot(cols - 20, rows - 20)
    smooth = (150 - 60 * np.exp(-((radius - 12) ** 2) / 4)).astype(np.float32)
    landscape, markers, *_, maybe_hollow = outline_landscape(smooth, (20.0, 20.0), 4.0, Box(5, 5, 36, 36), 1, 1.0)
    assert maybe_hollow
    assert landscape[20, 32] == 255 and landscape[20, 8] == 255
    assert markers[20, 20] == 2 and markers[0, 0] == 1


def test_blob_is_filled_for_sure_and_its_half_contrast_edge_is_the_filled_landscape_ridge():
    rows, cols = np.indices((41, 41))
    radius = np.hypot(cols - 20, rows - 20)
    smooth = (150 - 60 / (1 + np.exp(radius - 10))).astype(np.float32)  # half contrast at radius 10
    first = outline_landscape(smooth, (20.0, 20.0), 4.0, Box(5, 5, 36, 36), 1, 1.0)
    assert not first.maybe_hollow and first.landscape.shape == (0, 0)
    half_level = (first.background + first.core) / 2
    seeds = dark_seeds(smooth, (20.0, 20.0), 8.0, 1.0, half_level)
    landscape, markers = filled_landscape(smooth, seeds, 1.0, first.background, half_level)
    assert landscape[20, 20:].argmax() == 10
    assert markers[20, 20] == 2 and markers[0, 0] == 1


@pytest.mark.parametrize("seed", range(6))
def test_dark_seeds_are_every_pixel_of_the_disc_darker_than_the_level(seed):
    rng = np.random.default_rng(seed)
    smooth = rng.normal(100, 20, (30, 34)).astype(np.float32)
    centre, radius, sign = (rng.uniform(5, 29), rng.uniform(5, 25)), rng.uniform(1, 9), (1.0, -1.0)[seed % 2]
    rows, cols = np.indices(smooth.shape)
    in_disc = (cols - centre[0]) ** 2 + (rows - centre[1]) ** 2 <= radius**2
    expected = in_disc & (sign * smooth < sign * 100)
    seeds = dark_seeds(smooth, centre, radius, sign, sign * 100)
    np.testing.assert_array_equal(seeds == 2, expected)
    assert set(np.unique(seeds)) <= {0, 2}


def test_dark_seeds_fall_back_to_the_discs_darkest_pixel():
    smooth = np.full((20, 20), 100.0, np.float32)
    smooth[11, 9] = 90.0  # in the disc, yet lighter than the level asked for
    smooth[2, 2] = 10.0  # darker, outside the disc
    seeds = dark_seeds(smooth, (10.0, 10.0), 3.0, 1.0, 50.0)
    assert np.argwhere(seeds == 2).tolist() == [[11, 9]]


@pytest.mark.parametrize("half_width", [0, 1, 3, 6])
def test_darkest_local_mean_is_the_darkest_square_mean_centred_in_the_box(half_width):
    rng = np.random.default_rng(half_width)
    smooth = cv2.GaussianBlur(rng.normal(100, 20, (40, 44)).astype(np.float32), (0, 0), 1.0)
    sums = uniform_filter(smooth.astype(np.float64), 2 * half_width + 1, mode="constant")
    counts = uniform_filter(np.ones(smooth.shape), 2 * half_width + 1, mode="constant")
    expected = (sums / counts)[6:30, 8:35].min()
    assert darkest_local_mean(smooth, Box(8, 6, 35, 30), half_width, 1.0) == pytest.approx(expected, rel=1e-6)


def test_flat_crop_gives_a_flat_landscape():
    flat = np.zeros((9, 9), np.float32)
    landscape = outline_landscape(flat, (4.0, 4.0), 1.0, Box(2, 2, 7, 7), 1, 1.0).landscape
    assert not landscape.any()


@pytest.mark.parametrize("seed", range(5))
def test_region_moments_equal_opencv_moments(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, (rng.integers(3, 60), rng.integers(3, 60))).astype(np.int32)
    expected = cv2.moments((labels == 2).astype(np.uint8), binaryImage=True)
    keys = ("m00", "m10", "m01", "mu20", "mu02", "mu11")
    for value, key in zip(region_moments(labels, 2), keys, strict=True):
        assert value == pytest.approx(expected[key], rel=1e-9, abs=1e-6)


def test_region_moments_of_an_absent_label_are_zero():
    assert region_moments(np.ones((4, 4), np.int32), 2) == (0.0,) * 6


@pytest.mark.parametrize("seed", range(5))
def test_brighter_inside_compares_the_box_mean_with_the_border_median(seed):
    rng = np.random.default_rng(seed)
    smooth = rng.normal(0, 1, (30, 40)).astype(np.float32)
    smooth[10:20, 12:25] += rng.normal(0, 1)
    border = np.concatenate([smooth[0, :], smooth[-1, :], smooth[1:-1, 0], smooth[1:-1, -1]])  # each pixel once
    expected = smooth[10:20, 12:25].mean() > np.median(border)
    assert brighter_inside(smooth, Box(12, 10, 25, 20)) == expected


@pytest.mark.parametrize(("major", "minor", "theta"), [(40.0, 40.0, 0.0), (60.0, 24.0, 0.6), (50.0, 30.0, -1.2)])
def test_the_moments_filling_an_ellipse_are_a_drawn_ellipses_and_give_it_back(major, minor, theta):
    moments = Moments.filling_ellipse((50.0, 40.0), major, minor, theta)
    rows, cols = np.mgrid[0:80, 0:100]
    along = (cols - 50.0) * math.cos(theta) + (rows - 40.0) * math.sin(theta)
    across = -(cols - 50.0) * math.sin(theta) + (rows - 40.0) * math.cos(theta)
    drawn = ((along / (major / 2)) ** 2 + (across / (minor / 2)) ** 2 <= 1).astype(np.uint8)  # pixel centres inside
    expected = cv2.moments(drawn, binaryImage=True)
    for value, key in zip(moments, ("m00", "m10", "m01", "mu20", "mu02", "mu11"), strict=True):
        assert value == pytest.approx(expected[key], rel=0.01, abs=0.01 * expected["mu20"])
    fitted_major, fitted_minor, turn = moments.axes()
    assert (fitted_major, fitted_minor) == pytest.approx((major, minor))
    if major != minor:
        assert math.cos(2 * (turn - theta)) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(4))
def test_annulus_median_equals_the_numpy_reference_whichever_axis_comes_first(seed):
    rng = np.random.default_rng(seed)
    smooth = rng.normal(100, 20, (45, 52)).astype(np.float32)
    centre, semi_axes, turn = (
        (rng.uniform(10, 42), rng.uniform(10, 35)),
        (rng.uniform(6, 14), rng.uniform(3, 6)),
        rng.uniform(-3, 3),
    )
    if seed % 2:  # the shorter axis first: the same ellipse turned a quarter less
        semi_axes, turn = semi_axes[::-1], turn + math.pi / 2
    rows, cols = np.indices(smooth.shape)
    dx, dy = cols - centre[0], rows - centre[1]
    along = (dx * math.cos(turn) + dy * math.sin(turn)) / semi_axes[0]
    across = (dy * math.cos(turn) - dx * math.sin(turn)) / semi_axes[1]
    radius = np.hypot(along, across)
    for sign, span in ((1.0, (1.1, 1.4)), (-1.0, (0.0, 1.0)), (1.0, (1.5, 3.0))):
        annulus = (radius >= span[0]) & (radius <= span[1])
        level, count = annulus_median(smooth, sign, centre, semi_axes, turn, span)
        assert count == annulus.sum() > 0
        assert level == pytest.approx(float(np.median(sign * smooth[annulus])), rel=1e-6)


def test_annulus_median_of_an_annulus_outside_the_crop_is_nan_of_no_pixels():
    level, count = annulus_median(np.ones((9, 9), np.float32), 1.0, (-40.0, 4.0), (3.0, 2.0), 0.0, (1.1, 1.4))
    assert math.isnan(level) and count == 0
