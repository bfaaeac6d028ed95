import cv2
import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from edge.kernels.rays import ray_edges, ray_lines
from edge.pipeline.synthetic import render_loop


def _profiles(smooth, sign, centre, radii, reach, samples, smoothing):
    """The rays' profiles with SciPy and OpenCV: map_coordinates (bilinear, the border
    replicated), the rays either side averaged, GaussianBlur along the rays."""
    rays = len(radii)
    bearings = 2 * np.pi * np.arange(rays) / rays
    along = np.linspace(*reach, samples)
    lengths = radii[:, None] * along[None, :]
    xs = np.clip(centre[0] + lengths * np.cos(bearings)[:, None], 0, smooth.shape[1] - 1)
    ys = np.clip(centre[1] + lengths * np.sin(bearings)[:, None], 0, smooth.shape[0] - 1)
    profiles = sign * map_coordinates(smooth.astype(np.float64), [ys, xs], order=1)
    profiles = (np.roll(profiles, 1, axis=0) + profiles + np.roll(profiles, -1, axis=0)) / 3
    return cv2.GaussianBlur(profiles, (0, 0), sigmaX=smoothing, sigmaY=0.01)


def _vertex(values, index):
    """``index`` (clipped a sample from the ends) moved to the parabola's vertex through it."""
    rows = np.arange(len(values))
    peak = np.clip(index, 1, values.shape[1] - 2)
    before, at, after = values[rows, peak - 1], values[rows, peak], values[rows, peak + 1]
    curvature = before - 2 * at + after
    return peak + np.clip(0.5 * (before - after) / np.where(np.abs(curvature) > 1e-9, curvature, np.inf), -0.5, 0.5)


def _points(centre, radii, reach, samples, position):
    bearings = 2 * np.pi * np.arange(len(radii)) / len(radii)
    reached = radii * (reach[0] + (reach[1] - reach[0]) * position / (samples - 1))
    return centre[0] + reached * np.cos(bearings), centre[1] + reached * np.sin(bearings)


def _reference_edges(smooth, sign, centre, radii, reach, samples, smoothing, span):
    """``ray_edges`` with NumPy: np.gradient, argmax, the rise about it and the parabola's vertex."""
    profiles = _profiles(smooth, sign, centre, radii, reach, samples, smoothing)
    slopes = np.gradient(profiles, axis=1)
    steepest = np.argmax(slopes, axis=1)
    rows = np.arange(len(radii))
    step = profiles[rows, np.minimum(steepest + span, samples - 1)] - profiles[rows, np.maximum(steepest - span, 0)]
    return (*_points(centre, radii, reach, samples, _vertex(slopes, steepest)), step)


def _reference_lines(smooth, sign, centre, radii, reach, samples, smoothing):
    """``ray_lines`` with NumPy: argmin, its level (NaN at an end) and the parabola's vertex."""
    profiles = _profiles(smooth, sign, centre, radii, reach, samples, smoothing)
    darkest = np.argmin(profiles, axis=1)
    level = profiles[np.arange(len(radii)), darkest]
    level[(darkest == 0) | (darkest == samples - 1)] = np.nan
    return (*_points(centre, radii, reach, samples, _vertex(profiles, darkest)), level)


def _disc(radius, contrast=60.0, noise=4.0, seed=1, centre=(40.3, 39.6)):
    frame = render_loop((80, 80), centre, (radius, radius), 0, None, contrast, blur=1.5, noise=noise, seed=seed)
    return cv2.GaussianBlur(frame.astype(np.float32), (0, 0), 0.7)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_ray_edges_and_lines_equal_the_opencv_reference(seed, sign):
    rng = np.random.default_rng(seed)
    smooth = _disc(rng.uniform(12, 25), noise=rng.uniform(1, 10), seed=seed)
    radii = rng.uniform(10, 20, 36)
    arguments = (sign, (40.3, 39.6), radii, (0.6, 1.5), 40, rng.uniform(0.5, 2.0), 3)
    for got, expected in zip(ray_edges(smooth, *arguments), _reference_edges(smooth, *arguments), strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-6)
    arguments = arguments[:-1]
    for got, expected in zip(ray_lines(smooth, *arguments), _reference_lines(smooth, *arguments), strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("start", [0.8, 0.9, 1.1])
def test_ray_edges_lie_on_a_blurred_discs_edge_with_its_step(start):
    radius = 20.0
    x, y, step = ray_edges(_disc(radius), 1.0, (40.3, 39.6), np.full(72, start * radius), (0.6, 1.5), 60, 2.0, 12)
    distances = np.hypot(x - 40.3, y - 39.6)
    assert np.median(np.abs(distances - radius)) <= 0.3
    assert np.median(step) >= 0.7 * 60.0


def test_a_bright_discs_edge_is_found_with_the_sign_that_turns_it_dark():
    bright = _disc(20.0, contrast=-60.0)
    x, y, step = ray_edges(bright, -1.0, (40.3, 39.6), np.full(72, 16.0), (0.6, 1.5), 60, 2.0, 12)
    assert np.median(np.abs(np.hypot(x - 40.3, y - 39.6) - 20.0)) <= 0.3
    unturned = ray_edges(bright, 1.0, (40.3, 39.6), np.full(72, 16.0), (0.6, 1.5), 60, 2.0, 12)[2]
    assert np.median(step) >= 0.7 * 60.0 > np.median(unturned)


@pytest.mark.parametrize(("sign", "contrast"), [(1.0, 60.0), (-1.0, -60.0)])
def test_a_ray_reaching_past_the_crop_reads_its_border_pixel(sign, contrast):
    """Rays reaching 80 px from the centre of an 80 px crop: beyond it the border pixel's level
    carries on (a border of zeros would be a step lighter, or darker, than the disc's edge)."""
    smooth = _disc(20.0, contrast=contrast)
    arguments = (sign, (40.3, 39.6), np.full(8, 16.0), (0.6, 5.0), 120, 1.0, 2)
    x, y, _ = ray_edges(smooth, *arguments)
    assert np.median(np.abs(np.hypot(x - 40.3, y - 39.6) - 20.0)) <= 1.0
    for got, expected in zip((x, y), _reference_edges(smooth, *arguments)[:2], strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-6)


def _ring(radius, noise=4.0):
    frame = render_loop((80, 80), (40.3, 39.6), (radius, radius), 0, 4.0, 60.0, blur=1.5, noise=noise, seed=2)
    return cv2.GaussianBlur(frame.astype(np.float32), (0, 0), 0.7)


@pytest.mark.parametrize("start", [0.85, 1.0, 1.15])
def test_ray_lines_lie_on_a_rings_centre_line_at_its_darkest_level(start):
    x, y, level = ray_lines(_ring(20.0), 1.0, (40.3, 39.6), np.full(72, start * 20.0), (0.7, 1.4), 60, 2.0)
    assert np.median(np.abs(np.hypot(x - 40.3, y - 39.6) - 20.0)) <= 0.3
    assert np.nanmedian(level) <= 150.0 - 0.6 * 60.0


def test_a_ray_whose_darkest_point_is_an_end_of_its_reach_has_no_level():
    """Rays from well inside a ring that stop short of its line grow darker to their last sample."""
    _, _, level = ray_lines(_ring(20.0, noise=0.0), 1.0, (40.3, 39.6), np.full(72, 8.0), (0.7, 1.4), 30, 1.0)
    assert np.isnan(level).all()
