"""A large blob's edge read along rays, where its flood stopped inside it on a darker blotch."""

import math

import cv2
import numpy as np
import pytest

from edge.eval.measure_truth import draw_case
from edge.kernels.landscape import Moments
from edge.pipeline.blob_edge import edge_ellipse
from edge.pipeline.measure import SMOOTHING_SIGMA_PX, measure_defects
from edge.pipeline.rays import LEAST_MAJOR_PX, LEAST_MINOR_PX, readable
from edge.pipeline.synthetic import render_loop

SIZE, CENTRE, ANGLE_DEG, CONTRAST = 160, (80.4, 79.7), 30.0, 60.0


def _blob(major: float, aspect: float, neighbour: bool = False) -> np.ndarray:
    """A dark blurred blob (contrast 60 on 150, noise sd 6), smoothed as the measurement smooths
    its crops; with ``neighbour``, a small blob as dark overlapping one end, whose far side lies
    9 px beyond the blob's end (the rays towards it find that side as their edge)."""
    semi_axes = (major / 2, major / 2 / aspect)
    frame = render_loop((SIZE, SIZE), CENTRE, semi_axes, ANGLE_DEG, None, CONTRAST, blur=1.5, noise=6.0, seed=5)
    if neighbour:
        turn, reach = math.radians(ANGLE_DEG), major / 2 + 2
        beside = (CENTRE[0] + reach * math.cos(turn), CENTRE[1] + reach * math.sin(turn))
        frame = np.minimum(frame, render_loop((SIZE, SIZE), beside, (7, 7), 0, None, CONTRAST, blur=1.5))
    return cv2.GaussianBlur(frame.astype(np.float32), (0, 0), SMOOTHING_SIGMA_PX)


def _outline(major: float, aspect: float, share: float) -> Moments:
    """The blob's ellipse, shrunk to ``share`` of its axes: a flood's outline that stopped inside."""
    return Moments.filling_ellipse(CENTRE, share * major, share * major / aspect, math.radians(ANGLE_DEG))


@pytest.mark.parametrize(("major", "aspect"), [(60.0, 1.0), (100.0, 1.6), (140.0, 2.2)])
@pytest.mark.parametrize("share", [0.7, 0.85])
def test_an_outline_inside_a_blob_gives_way_to_the_ellipse_of_its_edge(major, aspect, share):
    fitted = edge_ellipse(_blob(major, aspect), 1.0, _outline(major, aspect, share), CONTRAST, 1.0)
    assert fitted is not None
    fitted_major, fitted_minor, _ = fitted.axes()
    assert abs(fitted_major - major) <= max(1.0, 0.03 * major)
    assert abs(fitted_minor - major / aspect) <= max(1.0, 0.03 * major / aspect)
    assert math.dist((fitted.m10 / fitted.area, fitted.m01 / fitted.area), CENTRE) <= 1.0
    if aspect > 1:
        assert math.cos(2 * (fitted.axes()[2] - math.radians(ANGLE_DEG))) >= 0.99


def test_an_outline_on_the_edge_stays_there():
    fitted = edge_ellipse(_blob(100.0, 1.6), 1.0, _outline(100.0, 1.6, 1.0), CONTRAST, 1.0)
    assert fitted is None or abs(fitted.axes()[0] - 100.0) <= 1.0


def test_the_rays_never_shrink_an_outline():
    """An outline beyond the edge (the flood ran into the ground about the blob) stands: the rays
    inside a flooded outline find a blotch's edge or a neighbour's as readily as the blob's."""
    assert edge_ellipse(_blob(100.0, 1.6), 1.0, _outline(100.0, 1.6, 1.15), CONTRAST, 1.0) is None


def test_an_outline_wider_than_the_blob_is_never_narrowed_to_it():
    """A round outline across a long blob: the blob's edge is longer than the outline along its
    major axis but its ellipse is a third smaller in area, so the outline stands."""
    outline = Moments.filling_ellipse(CENTRE, 95.0, 95.0, 0.0)
    assert edge_ellipse(_blob(100.0, 1.6), 1.0, outline, CONTRAST, 1.0) is None


def test_steps_under_a_quarter_of_the_contrast_do_not_count():
    """The same edge, taken for the edge of a loop five times as dark: no ray's step counts."""
    assert edge_ellipse(_blob(100.0, 1.6), 1.0, _outline(100.0, 1.6, 0.8), 5 * CONTRAST, 1.0) is None


def test_an_upsampled_crop_is_read_in_its_own_pixels():
    """A crop zoomed twice, as small boxes are: the edge's ellipse is twice the blob, in crop px."""
    zoomed = cv2.resize(_blob(60.0, 1.6), None, fx=2.0, fy=2.0, interpolation=cv2.INTER_LINEAR)
    centre = (2 * CENTRE[0] + 0.5, 2 * CENTRE[1] + 0.5)
    outline = Moments.filling_ellipse(centre, 0.8 * 120.0, 0.8 * 120.0 / 1.6, math.radians(ANGLE_DEG))
    fitted = edge_ellipse(zoomed, 1.0, outline, CONTRAST, 2.0)
    assert fitted is not None and abs(fitted.axes()[0] - 120.0) <= 0.03 * 120.0


@pytest.mark.parametrize("zoom", [1.0, 2.0])
def test_only_outlines_long_and_wide_enough_are_read_along_rays(zoom):
    """About a needle, rays are a pixel apart at its tips and far apart at its sides, and their
    smoothing, set on the rays' mean spacing, would span the profiles many times over."""
    turn = math.radians(ANGLE_DEG)
    wide = Moments.filling_ellipse(CENTRE, (LEAST_MAJOR_PX + 0.1) * zoom, (LEAST_MINOR_PX + 0.1) * zoom, turn)
    assert readable(wide, CONTRAST, zoom)
    assert not readable(Moments.filling_ellipse(CENTRE, 80.0 * zoom, (LEAST_MINOR_PX - 1) * zoom, turn), CONTRAST, zoom)
    assert not readable(Moments.filling_ellipse(CENTRE, (LEAST_MAJOR_PX - 1) * zoom, 20.0 * zoom, turn), CONTRAST, zoom)
    assert not readable(wide, 0.0, zoom)


def test_a_small_blob_keeps_its_floods_outline():
    major = 26.0  # its outline, 0.8 of it, is under LEAST_MAJOR_PX
    assert 0.8 * major < LEAST_MAJOR_PX
    assert edge_ellipse(_blob(major, 1.0), 1.0, _outline(major, 1.0, 0.8), CONTRAST, 1.0) is None


def test_the_far_side_of_an_overlapping_neighbour_is_dropped_from_the_fit():
    """The few rays that find a neighbour's far side lie off the ellipse of the others and are
    dropped (fitted with them, the major axis comes out over 3 px long)."""
    fitted = edge_ellipse(_blob(100.0, 1.6, neighbour=True), 1.0, _outline(100.0, 1.6, 0.8), CONTRAST, 1.0)
    assert fitted is not None
    assert abs(fitted.axes()[0] - 100.0) <= 1.5


def test_a_bright_blob_is_read_with_its_sign():
    bright = 2 * 150.0 - _blob(100.0, 1.6)  # the same blob, brighter than its background
    fitted = edge_ellipse(bright, -1.0, _outline(100.0, 1.6, 0.8), CONTRAST, 1.0)
    assert fitted is not None and abs(fitted.axes()[0] - 100.0) <= 3.0


@pytest.mark.parametrize(
    ("major", "aspect", "blur", "contrast"),
    [(150, 1.0, 1.5, 60.0), (150, 1.6, 1.5, 60.0), (150, 1.6, 0.7, 60.0), (150, 1.6, 1.5, 25.0)],
)
def test_a_mottled_blob_at_snr_2_is_measured_to_its_edge_not_its_darkest_blotch(major, aspect, blur, contrast):
    """The synthetic truth's blobs whose flood stopped on a blotch (87, 71, 65 and 78 % of their
    major axis before the edge was read along rays), in moved boxes at SNR 2."""
    case = draw_case(major, aspect, None, blur, contrast, snr=2.0, moved=True, mottled=True)
    (defect,) = measure_defects(case.frame, case.box)
    assert not defect.hollow
    assert abs(defect.major_px - major) <= max(1.0, 0.03 * major)
