"""Which way up a frame's 8-bit view is shown to the models: as it is, or inverted.

A cascade and a screen learn loops of the contrast they were trained on: the bundled li2018 set
finds dark loops, and in the same frames inverted (bright loops, as in HAADF STEM) it found 1.4 %
of them. Where the model set records that contrast (``settings.json``, ``"frames": {"loop_polarity":
...}``, which ``edge train cascade`` derives from its boxes), a frame whose loops are said to be of
the other contrast is shown to the models inverted. With the polarity "auto" and a screen, the
frame is scanned both ways, and it is shown inverted where the screened candidates of that way
score at least ``OTHER_WAY_FACTOR`` times as much in total as those of the frame as it is: a
frame's loops share its imaging mode. On li2018's validation images the right way's total is
4.2 times the wrong way's or more (the screen keeps 7-91 loops the right way up, 0-7 the wrong
way), with the images as they are and inverted. But a set trained on noisy frames of small blobs
keeps many of their light specks inverted: on the bright-field stand-in
(docs/examples/make_stand_in.py), a set trained on its 12 frames kept candidates totalling up to
1.15 times as much inverted as the right way up on one of its 16 frames; so the frame's own way
stands unless the other finds clearly more. The cascade alone cannot tell (it accepts a few
hundred windows either way), so without a screen, or where the set's contrast is unknown, the
frame is scanned as it is. Loops are measured in the frame itself, with the measurer's own
polarity (``edge.pipeline.measure``).
"""

from collections.abc import Callable

import cv2
import numpy as np

from edge.pipeline.polarity import LoopPolarity, Polarity

Candidates = tuple[np.ndarray, np.ndarray]  # boxes (N, 4) and their scores (N,)
OTHER_WAY_FACTOR = 2.0  # the first way stands unless another way's candidates score this many times as much


def orientations(polarity: Polarity, models_polarity: LoopPolarity | None, screened: bool) -> tuple[bool, ...]:
    """The ways a frame's view is scanned, in order (False: as it is, True: inverted), for loops
    of ``polarity`` and models trained on loops of ``models_polarity`` (None: unknown), with a
    screen to choose between two ways (``screened``) or without.

    Examples
    --------
    >>> orientations("auto", "dark", True), orientations("bright", "dark", True), orientations("auto", None, True)
    ((False, True), (True,), (False,))
    """
    if models_polarity is None:
        return (False,)
    if polarity == "auto":
        return (False, True) if screened else (False,)
    return (polarity != models_polarity,)


def shown(view: np.ndarray, inverted: bool) -> np.ndarray:
    """A frame's 8-bit ``view`` as the models are shown it: as it is, or ``inverted``."""
    return cv2.bitwise_not(view) if inverted else view


def best_orientation(ways: tuple[bool, ...], find: Callable[[bool], Candidates]) -> Candidates:
    """The candidates ``find(inverted)`` gives for the first of the ``ways`` (``orientations``),
    unless another way's scores sum to ``OTHER_WAY_FACTOR`` times theirs or more (then the
    highest of those)."""
    first, *others = [find(inverted) for inverted in ways]
    best = max(others, key=lambda candidates: float(candidates[1].sum()), default=None)
    if best is not None and best[1].sum() > 0 and best[1].sum() >= OTHER_WAY_FACTOR * first[1].sum():
        return best
    return first
