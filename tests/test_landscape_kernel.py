import cv2
import numpy as np
import pytest

from edge.kernels.landscape import brighter_inside, flood_landscape, region_moments


def _reference_landscape(smooth, centre, inner_radius, sign):
    """The flood's inputs written with NumPy and OpenCV, as the measuring stage had them."""
    smooth = sign * smooth
    grad_x = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    grad_y = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    rows, cols = np.indices(smooth.shape, dtype=np.float32)
    dx, dy = cols - np.float32(centre[0]), rows - np.float32(centre[1])
    radius = np.sqrt(dx * dx + dy * dy)
    radius[radius == 0] = np.inf
    slope = np.maximum((grad_x * dx + grad_y * dy) / radius, 0)
    landscape = np.zeros(smooth.shape, np.uint8)
    if slope.max() > 0:
        landscape = np.round(slope * (255 / float(slope.max()))).astype(np.uint8)
    markers = np.zeros(smooth.shape, np.int32)
    markers[0, :] = markers[-1, :] = markers[:, 0] = markers[:, -1] = 1
    markers[(rows - centre[1]) ** 2 + (cols - centre[0]) ** 2 <= inner_radius**2] = 2
    return landscape, markers


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_landscape_and_markers_equal_the_numpy_reference(seed, sign):
    rng = np.random.default_rng(seed)
    height, width = rng.integers(5, 90, 2)
    smooth = cv2.GaussianBlur(rng.normal(100, 20, (height, width)).astype(np.float32), (0, 0), 1.5)
    centre = (rng.uniform(0, width - 1), rng.uniform(0, height - 1))
    radius = rng.uniform(0.5, 6)
    grad_x = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    grad_y = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    landscape, markers = flood_landscape(grad_x, grad_y, *centre, radius, 1, 2, sign)
    expected_landscape, expected_markers = _reference_landscape(smooth, centre, radius, sign)
    np.testing.assert_array_equal(markers, expected_markers)
    # float32 rounding may move a value across a quantisation step, never further
    assert np.abs(landscape.astype(int) - expected_landscape).max() <= 1
    assert (landscape != expected_landscape).mean() < 0.01


def test_flat_crop_gives_a_flat_landscape():
    flat = np.zeros((9, 9), np.float32)
    landscape, _ = flood_landscape(flat, flat, 4.0, 4.0, 1.0, 1, 2, 1.0)
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
    border = np.concatenate([smooth[0, :], smooth[-1, :], smooth[:, 0], smooth[:, -1]])
    expected = smooth[10:20, 12:25].mean() > np.median(border)
    assert brighter_inside(smooth, 12, 10, 25, 20) == expected
