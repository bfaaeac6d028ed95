"""The ground just outside a loop, and a ring in darker ground measured on its line."""

import doctest
import math

import cv2
import numpy as np
import pytest

import edge.pipeline.measure as measure
from edge.kernels.landscape import Moments, annulus_median
from edge.pipeline import ground
from edge.pipeline.ground import GROUND_LEAST_PX, GROUND_SPAN, ground_outside
from edge.pipeline.measure import LoopMeasurer
from edge.pipeline.synthetic import render_loop

SIZE, CENTRE, RADIUS = 140, (70.3, 69.6), 15.0


def _zones(levels: tuple[float, float, float], edges: tuple[float, float]) -> np.ndarray:
    """A crop of three levels about ``CENTRE``: inside ``edges[0]`` px, out to ``edges[1]`` px, and beyond."""
    rows, cols = np.mgrid[:SIZE, :SIZE]
    distance = np.hypot(cols - CENTRE[0], rows - CENTRE[1])
    inside, near, far = levels
    return np.where(distance < edges[0], inside, np.where(distance < edges[1], near, far)).astype(np.float32)


def test_the_ground_is_the_median_of_the_annulus_outside_the_outline():
    outline = Moments.filling_ellipse(CENTRE, 2 * RADIUS, 2 * RADIUS, 0.0)
    inner, outer = (share * RADIUS for share in GROUND_SPAN)
    crop = _zones((60.0, 130.0, 200.0), (inner - 0.5, outer + 0.5))
    assert ground_outside(crop, 1.0, outline) == 130.0
    assert ground_outside(crop, -1.0, outline) == -130.0  # oriented: a bright loop's ground, turned dark
    assert ground_outside(_zones((60.0, 200.0, 200.0), (inner - 0.5, outer + 0.5)), 1.0, outline) == 200.0


def test_an_elongated_outline_reads_its_ground_along_its_own_ellipse():
    turn = math.radians(30)
    outline = Moments.filling_ellipse(CENTRE, 40.0, 16.0, turn)
    rows, cols = np.mgrid[:SIZE, :SIZE]
    along = ((cols - CENTRE[0]) * math.cos(turn) + (rows - CENTRE[1]) * math.sin(turn)) / 20.0
    across = (-(cols - CENTRE[0]) * math.sin(turn) + (rows - CENTRE[1]) * math.cos(turn)) / 8.0
    radius = np.hypot(along, across)
    crop = np.where((radius >= GROUND_SPAN[0]) & (radius <= GROUND_SPAN[1]), 90.0, 170.0).astype(np.float32)
    assert ground_outside(crop, 1.0, outline) == 90.0


@pytest.mark.parametrize(
    "outline",
    [
        Moments(0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        Moments(20.0, 20.0 * CENTRE[0], 20.0 * CENTRE[1], 20.0 * 33.0, 0.0, 0.0),  # along x only: no minor axis
        Moments.filling_ellipse((-80.0, -80.0), 20.0, 20.0, 0.0),
    ],
    ids=["a speck", "a line", "an outline whose annulus misses the crop"],
)
def test_no_ground_where_there_is_no_annulus_to_read(outline):
    assert ground_outside(np.full((SIZE, SIZE), 150.0, np.float32), 1.0, outline) is None


@pytest.mark.parametrize(("centre_x", "read"), [(-20.0, False), (-18.0, True)])
def test_an_annulus_cut_by_the_crop_reads_ground_only_from_enough_pixels(centre_x, read):
    crop = np.full((SIZE, SIZE), 150.0, np.float32)
    outline = Moments.filling_ellipse((centre_x, CENTRE[1]), 2 * RADIUS, 2 * RADIUS, 0.0)  # left of the crop
    _, count = annulus_median(crop, 1.0, (centre_x, CENTRE[1]), (RADIUS, RADIUS), 0.0, GROUND_SPAN)
    assert 0 < count and (count >= GROUND_LEAST_PX) == read
    assert ground_outside(crop, 1.0, outline) == (150.0 if read else None)


def test_the_example_in_the_docstring_runs_as_written():
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    (test,) = finder.find(ground_outside, "ground_outside", globs=dict(vars(ground)))
    assert test.examples and runner.run(test).failed == 0


def _ring_in_darker_ground() -> np.ndarray:
    """A dark ring (radius 15 px on its line's centre, 4 px line 60 deep) whose centre and line lie
    in ground of 150, with ground of 180 just outside it (to 1.8 times its radius) and 230 beyond:
    against the crop's border its centre is no lighter than half its contrast, against the ground
    just outside it plainly so."""
    zones = cv2.GaussianBlur(_zones((150.0, 180.0, 230.0), (RADIUS + 3, 1.8 * RADIUS)), (0, 0), 1.0)
    line = render_loop((SIZE, SIZE), CENTRE, (RADIUS, RADIUS), 0.0, 4.0, 60.0, background=0.0, blur=1.0)
    return zones + line + np.random.default_rng(3).normal(0, 1.5, zones.shape).astype(np.float32)


def test_a_ring_in_darker_ground_is_measured_on_its_line_not_as_a_blob(monkeypatch):
    frame = _ring_in_darker_ground()
    box = np.array([[CENTRE[0] - RADIUS - 6, CENTRE[1] - RADIUS - 6, CENTRE[0] + RADIUS + 6, CENTRE[1] + RADIUS + 6]])
    (ring,) = LoopMeasurer().measure(frame, box)
    assert ring.hollow and abs(ring.major_px - 2 * RADIUS) <= 1.0
    monkeypatch.setattr(measure, "ground_outside", lambda smooth, sign, outline: None)
    (against_border,) = LoopMeasurer().measure(frame, box)  # the crop's border alone: a blob to the line's edge
    assert not against_border.hollow and against_border.major_px > 2 * RADIUS + 4
