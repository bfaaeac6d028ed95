"""The overlay: ellipses numbered as the rows, a legend, a scale bar, visible on any frame size."""

import numpy as np

from edge.eval.overlay import MIN_SIDE_PX, TEXT_COLOUR, draw_overlay
from edge.pipeline.measure import Defect

FRAME = np.full((1024, 1024), 128, np.uint8)
LOOP = Defect(500.0, 500.0, (470, 470, 531, 531), 40.0, 30.0, 20.0, 940.0)


def _white_run(row: np.ndarray) -> int:
    """The longest run of white pixels in one row of a BGR image."""
    white = np.all(row == TEXT_COLOUR, axis=1)
    longest = current = 0
    for is_white in white:
        current = current + 1 if is_white else 0
        longest = max(longest, current)
    return longest


def test_a_scale_bar_of_a_round_length_appears_only_with_a_pixel_size():
    with_size = draw_overlay(FRAME, [LOOP], pixel_size_nm=0.5)  # a fifth of 512 nm: the bar is 100 nm, 200 px
    bottom = with_size[-60:]
    assert abs(max(_white_run(row) for row in bottom) - 200) <= 6  # the line's round caps add a few px
    without = draw_overlay(FRAME, [LOOP])
    assert max(_white_run(row) for row in without[-60:]) < 20


def test_the_legend_darkens_the_top_left_corner_and_loops_are_drawn_in_their_colours():
    flagged = Defect(200.0, 200.0, (180, 180, 221, 221), 30.0, 30.0, 0.0, 700.0, flags=("low_contrast",))
    canvas = draw_overlay(FRAME, [LOOP, flagged])
    assert canvas[5, 5].tolist() == [64, 64, 64]  # the legend's panel: the frame at half brightness
    assert (canvas == (0, 220, 0)).all(axis=2).any() and (canvas == (0, 165, 255)).all(axis=2).any()


def test_a_small_frame_is_enlarged_with_its_loops_where_they_were():
    small = np.full((68, 68), 100, np.uint8)
    canvas = draw_overlay(small, [Defect(34.0, 34.0, (24, 24, 45, 45), 16.0, 16.0, 0.0, 200.0)])
    assert max(canvas.shape[:2]) >= MIN_SIDE_PX
    zoom = canvas.shape[0] // 68
    greenish = (canvas[..., 1] > 150) & (canvas[..., 0] < 90) & (canvas[..., 2] < 90)  # anti-aliased: near green
    greenish[: MIN_SIDE_PX // 8] = False  # not the legend's green line
    green = np.argwhere(greenish)  # the ellipse, and its number beside it
    distance = np.hypot(green[:, 0] - zoom * 34.5, green[:, 1] - zoom * 34.5)
    assert np.mean(np.abs(distance - zoom * 8) < 2 * zoom) > 0.6  # mostly on the 8 px circle, enlarged
