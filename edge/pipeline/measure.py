"""Module III: the shape and size of each defect, from watershed floods that follow the loop.

Each loop is measured on its outline, as the experts who labelled li2018 drew their ellipses and as
the paper's own flood does: a *hollow* loop (a dark line around a lighter centre) on the centre
line of its dark line, a *filled* one (a blob with no distinct centre) on its edge (at half
contrast, or at the edge's own level where that is lighter). For each candidate box the frame is
cropped with a margin, smoothed and oriented so the loop's contrast is dark. A first flood of the
inverted intensity, from the centre and from the crop's border (not where it is the frame's edge
within the box's span, where a loop running out of the frame is cut; so also where only the crop
reaches the edge), meets on the outline's darkest line; when the basin inside it has a light centre
(against the crop's border or, where it is darker, the ground just outside the loop's filled
outline, ``edge.pipeline.ground``) and a dark line closes it, the loop is hollow and that basin
is its outline (where the line is open on one side, the ellipse fitted to the line,
``edge.pipeline.open_line``; for a large basin, the ellipse of the line's centre read along rays,
``edge.pipeline.ring_line``). Otherwise a second
flood, of the closeness to the half-contrast level, seeded by the dark pixels about the box's
centre, grows the blob out to its edge at half contrast (a box whose centre is plainly dark goes
straight to it); where the level of the edge the image draws there (``edge_level``) is lighter,
because a darker blotch set the blob's contrast, a third flood meets at the edge's level instead.
Where a large blob's flood still stopped inside its edge, on a dark blotch far from a lighter rim,
the ellipse of the edge read along rays from that outline replaces it (``edge.pipeline.blob_edge``).
Where the centre's level lies within ``KIND_BAND`` of the cut between the two, the outline is
interpolated between them in proportion, so that a loop's size does not jump with a noise-sized
change of that level. The moment ellipse of the outline gives the centre, the axes (diameter =
major axis) and the orientation.

The measurement then follows the loop rather than the box: the crop is centred and sized on
the outline found (its extent scaled by ``FOLLOW_PADDING``) and the loop measured again, up to
``follow_rounds`` times (3 by default), so that the background, the darkest level and the seeds come from the
loop's own surroundings rather than from where a detector's window happened to fall. A
re-measured loop whose centre leaves the detector's box, or which outgrows it by
``MAX_GROWTH``, has walked onto a neighbour; one that shrinks under ``MIN_SHRINK`` of the size
first measured in its window has lost a loop whose outline is open or faint on one side: in
both cases the last measurement before is kept.

On a faint, blurred blob the outline followed from one window can differ from the outline
followed from a slightly larger or smaller one: two outlines (the blob alone, or the blob with
the darker ground or a touching neighbour; a ring, or a blob inside it) can each reproduce the
crop they were measured in. So each loop is measured from the detector's box and from that box
grown by ``START_STEP`` about its centre, each followed. Where the two agree within
``STARTS_AGREE`` the detector's box's measurement stands; otherwise the loop is measured from
more windows (``MORE_WINDOWS``: with the default ``starts=5``, the box shrunk by ``START_STEP``
and scaled by 0.7 and 1.4; with ``starts=3``, shrunk alone), and the measurement with the median
major axis is kept: the outline most windows settle on (``starts=1``: the detector's box alone).
"""

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from edge.kernels.landscape import (
    HALF_CONTRAST,
    INNER,
    OUTER,
    Box,
    FirstFlood,
    Moments,
    basin_light_level,
    brighter_inside,
    dark_edge_share,
    dark_seeds,
    darkest_local_mean,
    edge_level,
    ellipse_half_extent,
    filled_landscape,
    outline_landscape,
    region_moments,
)
from edge.kernels.watershed import flood
from edge.pipeline.blob_edge import edge_ellipse
from edge.pipeline.ground import ground_outside
from edge.pipeline.open_line import OPEN_LINE, line_ellipse
from edge.pipeline.polarity import POLARITIES, Polarity
from edge.pipeline.quality import EDGE_MARGIN_PX, quality_flags, reaches_edge
from edge.pipeline.ring_line import line_ellipse_along_rays
from edge.pipeline.settings import FOLLOW_ROUNDS, MEASURE_STARTS, PipelineSettings, check_starts, check_threads

FloodFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
SMOOTHING_SIGMA_PX = 0.7
FLOOD_SIDE_PX = 72  # boxes smaller than this are upsampled to it (at most MAX_ZOOM times)
MAX_ZOOM = 4.0
CROP_MARGIN = 0.25  # of the box's longer side, on each side: the background around the loop
SEED_RADIUS = 0.35  # of the box's shorter side: the disc about its centre whose dark pixels seed a blob's flood
LIGHT_CENTRE_NOISE = 0.674  # noise sds a light centre must clear: the upper quartile of a normal sample's lift
KIND_BAND = 0.1  # of the contrast, either side of the hollow/filled cut: the outline is interpolated
CLOSED_LINE = 0.4  # of a light basin's edge that must be darker than OUTLINE_DEPTH for a hollow loop
OUTLINE_DEPTH = 0.25  # of the contrast below the background: a hollow loop's outline is this dark at least
BLOB_LEVEL_NOISE = 15.0  # a blob's level: the darkest mean over squares of half-width this x noise / contrast px
BLOB_SQUARE_MAX = 0.25  # of the box's shorter side: the widest square a blob's level is averaged over
EDGE_REACH_PX = 2.0  # frame px: a blob's edge level is read within this of its first outline, either side
EDGE_LEVEL_LIGHTEST = 0.25  # of the contrast below the background: a blob's edge level is kept at least this dark
# of the contrast: an edge level this close to half contrast moves a blurred step's edge by under a tenth of its
# blur's sigma (0.02 x sigma x sqrt(2 pi)), so the outline at half contrast stands
EDGE_LEVEL_SETTLED = 0.02
NOISE_WINDOW_PX = 512  # the frame's noise is estimated in its central window of at most this side
FOLLOW_PADDING = 1.1  # the re-measuring box: the outline's extent scaled by this about its centre, as labellers box
FOLLOW_MARGIN = 0.5  # the re-measuring crop's margin, of the box's longer side, each side: the loop's surroundings
FOLLOW_SETTLED = 0.02  # of the box's longer side: a box moving less than this is not measured again
MAX_GROWTH = 1.8  # a re-measured major axis over this times the detector box's longer side has leaked
# a followed major axis under this times the one measured in the window the following started from has lost the loop
MIN_SHRINK = 0.6
START_STEP = 1.19  # the detector's box is also measured grown by this (and, see MORE_WINDOWS, shrunk by it)
STARTS_AGREE = 0.01  # of the major axis: the detector's box and the grown one agreeing this closely settle the median
# by the number of starts: the windows (scales of the detector's box) also measured where those two differ
MORE_WINDOWS = {3: (1 / START_STEP,), 5: (1 / START_STEP, 0.7, 1.4)}


@dataclass(frozen=True)
class Defect:
    """One measured defect; lengths in pixels, angle in degrees from +x towards +y."""

    x: float
    y: float
    bbox: tuple[int, int, int, int]
    major_px: float
    minor_px: float
    angle_deg: float
    area_px: float
    score: float | None = None
    hollow: bool = True
    flags: tuple[str, ...] = ()  # what to check before trusting it (``edge.pipeline.quality.FLAGS``)


@dataclass(frozen=True)
class LoopMeasurer:
    """Module III as a stage of the pipeline: measures the defect inside each candidate box.

    Attributes
    ----------
    polarity : "auto", "dark" or "bright"
        Whether loops are darker or brighter than their surroundings; "auto" decides per frame:
        the way most of its boxes' contrast with their surroundings goes (each box's own where
        they split evenly), for every window each box is measured from.
    follow_rounds : int
        How many times, at most, each loop is measured again in a crop centred and sized on the
        outline found (0: in the detector's box alone).
    flood_with : callable
        The watershed flood ``(landscape, markers) -> labels``: our kernel, or a baseline with
        the same labels (``skimage.segmentation.watershed``) that the benchmark composes.
    starts : 1, 3 or 5
        How many windows each loop may be measured from, keeping the median major axis: the
        detector's box and that box grown by ``START_STEP``, and where those two disagree the
        windows of ``MORE_WINDOWS``; 1, the detector's box alone.
    threads : int
        How many threads a frame's boxes are measured on, 1 to ``MAX_THREADS``. The kernels and
        OpenCV release Python's lock, so spare cores measure a frame sooner; each box's result is
        the same on any number (the follow crops a frame's boxes share are a plain dict: two
        threads may flood the same crop, and its outline is the same). Over 1, ``flood_with``
        is called from several threads at once.
    """

    polarity: Polarity = "auto"
    follow_rounds: int = FOLLOW_ROUNDS
    flood_with: FloodFunction = flood
    starts: int = MEASURE_STARTS
    threads: int = 1

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")
        if not (isinstance(self.follow_rounds, int) and self.follow_rounds >= 0):
            raise ValueError(f"follow_rounds must be a whole number >= 0, got {self.follow_rounds!r}")
        check_starts(self.starts, "starts")
        check_threads(self.threads, "threads")

    @classmethod
    def from_settings(cls, settings: PipelineSettings) -> "LoopMeasurer":
        """The measurer ``settings`` describe: its polarity, follow rounds, starts and threads."""
        return cls(
            settings.polarity, settings.follow_rounds, starts=settings.measure_starts, threads=settings.measure_threads
        )

    def measure(self, frame: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None) -> list[Defect]:
        """The defect inside each box ``[x0, y0, x1, y1]`` (pixels, exclusive end) of the 2-D
        ``frame`` (any real dtype: only the crops are converted), with its score. Boxes that
        leave fewer than 3x3 pixels inside the frame, or in which no window's flood finds the
        loop, are skipped. Pass a frame's boxes together: with the polarity "auto", they decide
        its polarity between them (``_signs``), so a box's result may depend on the others."""
        return [defect for defect in self.measure_each(frame, boxes, scores) if defect is not None]

    def measure_each(
        self, frame: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None
    ) -> list[Defect | None]:
        """As ``measure``, one entry a box: None where it is skipped."""
        if frame.ndim != 2:
            raise ValueError(f"measuring needs a 2-D greyscale frame, got shape {frame.shape}")
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        integer_boxes = _integer_boxes(boxes)
        noise = fine_noise(frame) if integer_boxes else 0.0
        signs = self._signs(frame, integer_boxes)
        followed: _FollowedOutlines = {}  # this frame's, shared by its boxes' windows

        def measured_box(index: int) -> Defect | None:
            crop = _crop(frame, integer_boxes[index])
            if crop is None:
                return None
            score = None if scores is None else float(scores[index])
            defect = self._measured(frame, crop, crop.bbox, signs[index], noise, score, followed)
            if self.starts > 1:
                detector_box = (boxes[index], integer_boxes[index], crop.bbox)
                defect = self._median_of_starts(frame, detector_box, signs[index], noise, score, defect, followed)
            return defect

        if self.threads == 1 or len(integer_boxes) < 2:
            return [measured_box(index) for index in range(len(integer_boxes))]
        with ThreadPoolExecutor(min(self.threads, len(integer_boxes)), thread_name_prefix="measure") as pool:
            return list(pool.map(measured_box, range(len(integer_boxes))))

    def _signs(self, frame: np.ndarray, boxes: list[list[int]]) -> list[float]:
        """Each box's sign; with the polarity "auto", 0 where a box has no crop (it is not
        measured) and otherwise the way most of the frame's boxes go: the loops of one frame share its imaging
        mode, and a box whose crop is mostly a large ring's light centre, or lies in a dark
        neighbourhood, reads brighter than its border (56 of li2018's 7,383 training boxes did,
        its loops all dark); where the boxes split evenly, each box's own. (The crops are made
        again to be measured rather than kept: a frame may have many boxes.)"""
        if self.polarity != "auto":
            return [_sign(None, self.polarity)] * len(boxes)
        own = _own_signs(frame, boxes)
        balance = sum(own)
        return own if balance == 0 else [math.copysign(1.0, balance) if sign else 0.0 for sign in own]

    def _measured(
        self,
        frame: np.ndarray,
        crop: "_Crop",
        bbox: tuple[int, int, int, int],
        sign: float,
        noise: float,
        score: float | None,
        followed: "_FollowedOutlines",
    ) -> Defect | None:
        """The loop measured in ``crop`` (its contrast turned dark by ``sign``) and followed,
        reported for the detector's box ``bbox`` (``followed``: the frame's outlines measured in
        follow crops so far)."""
        defect = _ellipse(_flood_outline(crop, sign, noise, self.flood_with), crop.placement, bbox, score)
        return None if defect is None else self._followed(frame, defect, sign, noise, followed)

    def _median_of_starts(
        self,
        frame: np.ndarray,
        detector_box: tuple[np.ndarray, list[int], tuple[int, int, int, int]],
        sign: float,
        noise: float,
        score: float | None,
        from_box: Defect | None,
        followed: "_FollowedOutlines",
    ) -> Defect | None:
        """Of the loop measured from the detector's box (``detector_box``: the box, it rounded,
        and it clipped to the frame; ``from_box`` measured in it), from that box grown by
        ``START_STEP`` and, unless those two agree within ``STARTS_AGREE``, from the box scaled by
        each factor of ``MORE_WINDOWS[self.starts]``, the measurement with the median major axis
        (of an even number, the smaller of the middle two). Every window keeps the box's ``sign``.
        A window's measurement that is not the loop the detector boxed (``_same_loop``) does not
        count, nor does a window that rounds to the detector's box itself (a box of a few pixels)."""
        box, integer_box, bbox = detector_box

        def measured_from(factor: float) -> Defect | None:
            window = _integer_boxes(_scaled_box(box, factor))[0]
            crop = None if window == integer_box else _crop(frame, window)
            defect = None if crop is None else self._measured(frame, crop, bbox, sign, noise, score, followed)
            return defect if defect is not None and _same_loop(defect) else None

        grown = measured_from(START_STEP)
        if from_box is not None and grown is not None:
            if abs(grown.major_px - from_box.major_px) <= STARTS_AGREE * from_box.major_px:
                return from_box
        more = [measured_from(factor) for factor in MORE_WINDOWS[self.starts]]
        found = [d for d in (*more, from_box, grown) if d is not None]
        found.sort(key=lambda defect: defect.major_px)
        return found[(len(found) - 1) // 2] if found else None

    def _followed(
        self, frame: np.ndarray, defect: Defect, sign: float, noise: float, followed: "_FollowedOutlines"
    ) -> Defect:
        """``defect`` measured again in crops centred and sized on its outline, while that box
        still moves and the loop stays the one the detector boxed (``_same_loop``) and keeps at
        least ``MIN_SHRINK`` of the major axis first measured. A loop whose outline is open or
        faint on one side (an arc, a C, a ring faint in part) gives a smaller outline in the
        tighter crop about it, and a smaller one again in the next: that outline has lost the
        loop, and the last measurement before it stands. A loop measured on its open line
        (``edge.pipeline.open_line``) is not followed: its line was read in its crop, and read
        again in a crop about its ellipse it walks along the lines joined to it (a C-shaped loop
        on li2018's validation images grew to 1.4 times its box). (The guard also keeps a first
        measurement over 1 / ``MIN_SHRINK`` times the loop, one that ran into its surroundings,
        from shrinking back to it; on the synthetic truth one small ring in a moved box shrinks
        to between 0.6 and 0.7 of its first size, and a limit of 0.7 stopped it.)
        A follow crop already flooded in this frame (``followed``: windows of one loop often
        settle on the same box) is not flooded again: its outline is the same."""
        side = max(defect.bbox[2] - defect.bbox[0], defect.bbox[3] - defect.bbox[1])
        box = np.array(defect.bbox, np.float64)
        least_major = MIN_SHRINK * defect.major_px
        for _ in range(self.follow_rounds):
            # a loop measured on its open line was read in its own crop: about its ellipse it walks along lines
            if "open_line" in defect.flags:
                break
            following = outline_boxes([defect], FOLLOW_PADDING)[0]
            if np.abs(following - box).max() <= FOLLOW_SETTLED * side:
                break
            window = _integer_boxes(following)[0]
            key = (*window, sign)
            if key not in followed:
                followed[key] = _follow_outline(frame, window, sign, noise, self.flood_with)
            if followed[key] is None:
                break
            moved = _ellipse(*followed[key], defect.bbox, defect.score)
            if moved is None or not _same_loop(moved) or moved.major_px < least_major:
                break
            defect, box = moved, following
        return defect


def measure_defects(
    frame: np.ndarray,
    boxes: np.ndarray,
    polarity: Polarity = "auto",
    scores: np.ndarray | None = None,
    follow_rounds: int = FOLLOW_ROUNDS,
) -> list[Defect]:
    """``LoopMeasurer(polarity, follow_rounds).measure(frame, boxes, scores)``."""
    return LoopMeasurer(polarity, follow_rounds).measure(frame, boxes, scores)


def box_polarities(frame: np.ndarray, boxes: np.ndarray) -> list[str | None]:
    """Each box's loop contrast as the polarity "auto" reads it box by box, before a frame's boxes
    decide together: "bright" where the box's crop is brighter inside the box than along its
    border, else "dark"; None where the box keeps fewer than 3x3 pixels of the 2-D ``frame``."""
    return [None if sign == 0 else ("dark" if sign > 0 else "bright") for sign in _own_signs(frame, boxes)]


def _own_signs(frame: np.ndarray, boxes: np.ndarray | list[list[int]]) -> list[float]:
    """Each box's own sign (``_sign`` of its crop, "auto"); 0 where it has no crop."""
    crops = (_crop(frame, box) for box in _integer_boxes(np.asarray(boxes, dtype=np.float64)))
    return [0.0 if crop is None else _sign(crop, "auto") for crop in crops]


def outline_boxes(defects: list[Defect], padding: float = 1.0) -> np.ndarray:
    """Each defect's box as its measured outline gives it: the axis-aligned extent of its fitted
    ellipse, scaled about its centre by ``padding`` (how a data set's labellers box a loop
    relative to its outline; 1: tight), ``(N, 4)`` ``[x0, y0, x1, y1]``.

    Examples
    --------
    >>> circle = Defect(50.0, 40.0, (30, 20, 70, 60), 20.0, 20.0, 0.0, 314.0)
    >>> outline_boxes([circle], padding=1.5).tolist()
    [[35.0, 25.0, 65.0, 55.0]]
    """
    if not padding > 0:
        raise ValueError(f"padding must be > 0, got {padding}")
    boxes = np.zeros((len(defects), 4))
    for row, defect in zip(boxes, defects, strict=True):
        turn = math.radians(defect.angle_deg)
        major, minor = defect.major_px / 2, defect.minor_px / 2
        half_x, half_y = (padding * half for half in ellipse_half_extent(major, minor, turn))
        row[:] = defect.x - half_x, defect.y - half_y, defect.x + half_x, defect.y + half_y
    return boxes


def _same_loop(defect: Defect) -> bool:
    """Whether a loop measured in a crop other than the detector's box (about its outline, or
    another window: grown, shrunk or scaled) is still the loop the detector boxed: its centre
    inside the detector's box (its ``bbox``), its major axis within ``MAX_GROWTH`` times the
    box's longer side (more, and the flood has run into a neighbour)."""
    x0, y0, x1, y1 = defect.bbox
    inside = x0 <= defect.x < x1 and y0 <= defect.y < y1
    return inside and defect.major_px <= MAX_GROWTH * max(x1 - x0, y1 - y0)


def _scaled_box(box: np.ndarray, factor: float) -> np.ndarray:
    """The box ``[x0, y0, x1, y1]`` scaled by ``factor`` about its centre."""
    centre, half = (box[:2] + box[2:]) / 2, factor * (box[2:] - box[:2]) / 2
    return np.concatenate((centre - half, centre + half))


def _integer_boxes(boxes: np.ndarray) -> list[list[int]]:
    """Boxes ``[x0, y0, x1, y1]`` rounded to whole pixels, as Python ints (cheap to unpack per box)."""
    return np.rint(np.asarray(boxes, dtype=np.float64).reshape(-1, 4)).astype(np.int64).tolist()


class _Placement(NamedTuple):
    """Where a crop lies in the frame: a pixel of the frame at x lands on ``zoom * (x - origin) +
    (zoom - 1) / 2`` of a crop of ``shape``."""

    origin: tuple[int, int]
    zoom: float
    shape: tuple[int, int]


@dataclass(frozen=True)
class _Crop:
    """One box's crop, smoothed and (for a small box) upsampled, and where it sits in the frame:
    a pixel of the frame at x lands on ``zoom * (x - origin) + (zoom - 1) / 2``."""

    smooth: np.ndarray
    origin: tuple[int, int]
    zoom: float
    bbox: tuple[int, int, int, int]  # the box, clipped to the frame
    box: Box  # the box in crop pixels
    centre: tuple[float, float]  # the box's centre in crop pixels
    inner_radius: float  # the disc about the centre that seeds the loop's inside
    cut: tuple[bool, bool, bool, bool]  # the crop's sides on the frame's edge: left, top, right, bottom

    @property
    def placement(self) -> _Placement:
        return _Placement(self.origin, self.zoom, self.smooth.shape)


def _crop(image: np.ndarray, box: list[int], margin_share: float = CROP_MARGIN) -> _Crop | None:
    """The box with a margin of background around it (``margin_share`` of its longer side on each
    side), smoothed, upsampled where small for sub-pixel outlines; None when the box keeps fewer
    than 3x3 pixels inside the frame."""
    height, width = image.shape
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    margin = max(4, int(margin_share * max(x1 - x0, y1 - y0)))
    cx0, cy0 = max(x0 - margin, 0), max(y0 - margin, 0)
    cx1, cy1 = min(x1 + margin, width), min(y1 + margin, height)
    zoom = min(MAX_ZOOM, max(1.0, FLOOD_SIDE_PX / max(x1 - x0, y1 - y0)))
    crop = image[cy0:cy1, cx0:cx1].astype(np.float32)
    if zoom > 1:
        crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    centre = (zoom * ((x0 + x1) / 2 - cx0) - 0.5, zoom * ((y0 + y1) / 2 - cy0) - 0.5)
    box_in_crop = Box(*(round(zoom * v) for v in (x0 - cx0, y0 - cy0, x1 - cx0, y1 - cy0)))
    smooth = cv2.GaussianBlur(crop, (0, 0), SMOOTHING_SIGMA_PX * zoom)
    inner_radius = zoom * max(1.0, 0.12 * min(x1 - x0, y1 - y0))
    cut = (cx0 == 0, cy0 == 0, cx1 == width, cy1 == height)
    return _Crop(smooth, (cx0, cy0), zoom, (x0, y0, x1, y1), box_in_crop, centre, inner_radius, cut)


def _sign(crop: _Crop | None, polarity: str) -> float:
    """-1 where the loop is brighter than its surroundings (so the floods see it dark), else 1;
    ``crop`` is read only where ``polarity`` is "auto"."""
    bright = polarity == "bright" if polarity != "auto" else brighter_inside(crop.smooth, crop.box)
    return -1.0 if bright else 1.0


class _Outline(NamedTuple):
    """The flooded outline of one loop and what the floods saw of it."""

    moments: Moments  # of the region inside the outline, crop pixels
    hollow: bool
    contrast_to_noise: float  # the loop's contrast over the noise of the crop's border
    kind_margin: float | None  # the centre's level past the hollow/filled cut, in contrasts (None: filled for sure)
    line_margin: float | None  # the share of a light basin's edge that is dark, past CLOSED_LINE (None: not asked)
    open_line: bool = False  # the ellipse of a hollow loop's open dark line, not its basin (edge.pipeline.open_line)


# a frame's follow crops flooded so far, by their box and the loop's sign: the outline found in the
# crop and where the crop lies (None: the box keeps too little of the frame)
_FollowedOutlines = dict[tuple[int, int, int, int, float], tuple[_Outline, _Placement] | None]


def _flood_outline(crop: _Crop, sign: float, noise: float, flood_with: FloodFunction) -> _Outline:
    """The loop's outline and whether the loop is hollow: a first flood meets on the outline's
    darkest line; where the basin inside it is not closed by a dark line, or has no light centre
    that the frame's ``noise`` (sd of the smoothed pixels) cannot explain, a second flood, seeded
    by the dark pixels about the centre, grows the blob to its edge (``_filled_outline``); within
    ``KIND_BAND`` of the cut, the outline lies between the two in proportion. A centre not lighter
    than the cut by ``KIND_BAND`` against the crop's border is also read against the ground just
    outside that filled outline (``ground_outside``) where the ground is darker than the border
    (read no darker than the border's half-contrast level), and the lighter reading stands."""
    # the loop's darkest level is a mean over squares of about 2-3 px of the frame
    first = outline_landscape(crop.smooth, crop.centre, crop.inner_radius, crop.box, round(crop.zoom), sign)
    if first.maybe_hollow and any(crop.cut):
        first = first._replace(markers=_uncut(first.markers, crop))
    contrast_to_noise = (first.background - first.core) / max(first.noise, 1e-6)
    if not first.maybe_hollow:
        return _Outline(_filled_outline(crop, sign, noise, first, flood_with), False, contrast_to_noise, None, None)
    labels = flood_with(first.landscape, first.markers)
    # the basin's lighter quarter, less what the noise alone lifts a quarter by
    light = basin_light_level(labels, crop.smooth, sign, INNER) - LIGHT_CENTRE_NOISE * noise
    margin = _light_centre_margin(light, first.core, first.background)
    filled = None  # the blob's outline, flooded once: here where the centre is not plainly light
    if margin < KIND_BAND:
        filled = _filled_outline(crop, sign, noise, first, flood_with)
        ground = ground_outside(crop.smooth, sign, filled)
        if ground is not None and ground < first.background:
            # read no darker than the loop's half-contrast level: darker, it is a neighbour's, not the ground
            ground = max(ground, first.background - HALF_CONTRAST * first.contrast)
            margin = max(margin, _light_centre_margin(light, first.core, ground))
    line_margin = None
    if margin > -KIND_BAND:
        line_margin = _dark_line_share(labels, crop, sign, first) - CLOSED_LINE
        if line_margin < 0:
            filled = filled if filled is not None else _filled_outline(crop, sign, noise, first, flood_with)
            return _Outline(filled, False, contrast_to_noise, None, line_margin)
    hollow_share = min(max(0.5 + margin / (2 * KIND_BAND), 0.0), 1.0)
    if hollow_share == 1:
        basin = region_moments(labels, INNER)
        fitted = _open_line_ellipse(labels, crop, sign, first, basin, line_margin + CLOSED_LINE)
        if fitted is not None:
            return _Outline(fitted, True, contrast_to_noise, margin, line_margin, open_line=True)
        contrast = first.background - first.core  # as the blob's edge takes it: not read where it is none
        on_line = line_ellipse_along_rays(crop.smooth, sign, basin, first.background, contrast, crop.zoom)
        moments = basin if on_line is None else on_line
        return _Outline(moments, True, contrast_to_noise, margin, line_margin)
    # a hollow share under 1 is a margin under KIND_BAND, which flooded the filled outline above
    if hollow_share == 0:
        return _Outline(filled, False, contrast_to_noise, margin, line_margin)
    between = _interpolated(region_moments(labels, INNER), filled, hollow_share)
    return _Outline(between, margin > 0, contrast_to_noise, margin, line_margin)


def _uncut(markers: np.ndarray, crop: _Crop) -> np.ndarray:
    """The first flood's ``markers`` without the background's along the frame's edge (the crop's
    sides there, ``crop.cut``) within the box's span: where a loop runs out of the frame, the
    crop's border crosses the loop, not its surroundings, and the background's water would start
    inside it. A ring cut by the frame's edge then keeps its light centre up to that edge; beyond
    the box's span the border along the edge stays the background's, so that a basin cannot run
    along it. The markers as they were where none of the background's would be left."""
    opened = markers.copy()
    left, top, right, bottom = crop.cut
    box = crop.box
    for cut, stretch in (
        (left, opened[box.y0 : box.y1, 0]),
        (top, opened[0, box.x0 : box.x1]),
        (right, opened[box.y0 : box.y1, -1]),
        (bottom, opened[-1, box.x0 : box.x1]),
    ):
        if cut:
            stretch[stretch == OUTER] = 0
    return opened if (opened == OUTER).any() else markers


def _open_line_ellipse(
    labels: np.ndarray, crop: _Crop, sign: float, first: FirstFlood, basin: Moments, line_share: float
) -> Moments | None:
    """Where a hollow loop's dark line closes under ``OPEN_LINE`` of its ``basin``'s edge
    (``line_share``), the moments of the ellipse fitted to that line when it is the larger
    (``edge.pipeline.open_line``); None where the basin stands."""
    if line_share >= OPEN_LINE:
        return None
    return line_ellipse(crop.smooth, sign, labels, crop.box, first.background - HALF_CONTRAST * first.contrast, basin)


def _filled_outline(crop: _Crop, sign: float, noise: float, first: FirstFlood, flood_with: FloodFunction) -> Moments:
    """A blob's region inside its edge: its flood's outline (``_blob_flood``) or, where the edge
    read along rays from that outline lies outside it, the ellipse of that edge
    (``edge.pipeline.blob_edge``)."""
    flooded = _blob_flood(crop, sign, noise, first, flood_with)
    outside = edge_ellipse(crop.smooth, sign, flooded, first.background - first.core, crop.zoom)
    return flooded if outside is None else outside


def _blob_flood(crop: _Crop, sign: float, noise: float, first: FirstFlood, flood_with: FloodFunction) -> Moments:
    """A blob's region inside its edge as its floods find it. Its level is the darkest mean over
    squares wide enough that the noise does not darken it (``BLOB_LEVEL_NOISE``), and its flood
    is seeded by every pixel about the centre darker than half that contrast and meets at half
    contrast. Where a blotch darker than the blob's rim set that level, half of it lies inside
    the rim's edge: so the edge's own level is read within ``EDGE_REACH_PX`` of that outline (the
    gradient-weighted mean, a blurred step's midpoint) and, where it is lighter than half contrast
    by more than ``EDGE_LEVEL_SETTLED`` (and no lighter than ``EDGE_LEVEL_LIGHTEST``), the blob is
    flooded again to meet at it."""
    shorter = min(crop.box.x1 - crop.box.x0, crop.box.y1 - crop.box.y0)
    widest = max(1, round(BLOB_SQUARE_MAX * shorter / 2))
    half_width = min(math.ceil(BLOB_LEVEL_NOISE * noise / first.contrast * crop.zoom), widest)
    core = first.core  # over squares of half-width round(zoom): the first flood's darkest level
    if half_width > round(crop.zoom):
        core = max(darkest_local_mean(crop.smooth, crop.box, half_width, sign), first.core)
    half_level = first.background - HALF_CONTRAST * (first.background - core)
    seeds = dark_seeds(crop.smooth, crop.centre, max(0.5, SEED_RADIUS * shorter), sign, half_level)
    landscape, markers = filled_landscape(crop.smooth, seeds, sign, first.background, half_level)
    labels = flood_with(landscape, markers)
    blob_contrast = first.background - core
    if blob_contrast <= 0:  # no blob darker than the background: nothing to read an edge of
        return region_moments(labels, INNER)
    level = edge_level(labels, crop.smooth, sign, INNER, max(1, round(EDGE_REACH_PX * crop.zoom)))
    if math.isnan(level):
        return region_moments(labels, INNER)
    depth = max((first.background - level) / blob_contrast, EDGE_LEVEL_LIGHTEST)
    # a rim is never darker than the blob's darkest part: a darker edge level is the band catching an
    # inner step (a ring's inner flank, a blotch), and the outline at half contrast stands, as it does
    # where the edge's level is that level near enough
    if depth > HALF_CONTRAST - EDGE_LEVEL_SETTLED:
        return region_moments(labels, INNER)
    level = first.background - depth * blob_contrast
    landscape, markers = filled_landscape(crop.smooth, seeds, sign, first.background, level)
    return region_moments(flood_with(landscape, markers), INNER)


def _interpolated(hollow: Moments, filled: Moments, hollow_share: float) -> Moments:
    """The region between two outlines: area, centre and second moments per pixel weighted
    ``hollow_share`` to ``1 - hollow_share``; the other outline alone where one is a speck."""
    if hollow.area < 3 or filled.area < 3:
        return filled if hollow.area < 3 else hollow
    weights = (hollow_share / hollow.area, (1 - hollow_share) / filled.area)
    area = hollow_share * hollow.area + (1 - hollow_share) * filled.area
    per_pixel = [weights[0] * h + weights[1] * f for h, f in zip(hollow[1:], filled[1:], strict=True)]
    return Moments(area, *(area * value for value in per_pixel))


def _follow_outline(
    frame: np.ndarray, window: list[int], sign: float, noise: float, flood_with: FloodFunction
) -> tuple[_Outline, _Placement] | None:
    """The outline found in the follow crop of ``window`` and where that crop lies; None where the
    window keeps too little of the frame."""
    crop = _crop(frame, window, FOLLOW_MARGIN)
    return None if crop is None else (_flood_outline(crop, sign, noise, flood_with), crop.placement)


def _dark_line_share(labels: np.ndarray, crop: _Crop, sign: float, first: FirstFlood) -> float:
    """How much of the edge of the basin the first flood found is darker than ``OUTLINE_DEPTH`` of
    the contrast: a hollow loop's light centre is closed by its dark line, at least ``CLOSED_LINE``
    of it. A box whose centre falls beside a small blob finds a basin of background instead, closed
    on one side by the blob and elsewhere by noise (17-29 % of its edge that dark at the median, on
    the synthetic truth; a hollow loop's, 98-100 % at the 5th percentile). Where the crop's side
    is the frame's edge (``crop.cut``), the basin's pixels along it do not count: the first flood
    left that stretch open (``_uncut``), and a ring running out of the frame is closed beyond it."""
    level = first.background - OUTLINE_DEPTH * first.contrast
    return dark_edge_share(labels, crop.smooth, sign, INNER, level, crop.cut)


def _light_centre_margin(light: float, core: float, background: float) -> float:
    """How much lighter than half the loop's contrast below ``background`` (the crop border's, or
    the ground just outside the loop, no darker than the border's half-contrast level) the
    basin's ``light`` level (its lighter quarter less the noise's lift) is, in units of that
    contrast (``background`` less the loop's darkest level ``core``): above 0, a hollow loop's
    light centre; at or below, a blob's speck of darker pixels or of noise."""
    contrast = max(background - core, 1e-6)
    return (light - (background - HALF_CONTRAST * contrast)) / contrast


def fine_noise(frame: np.ndarray) -> float:
    """The noise of the frame's smoothed pixels: the robust sd (1.4826 median absolute
    deviation) of the smoothed frame less its blur at 2 px, in the central window of at most
    ``NOISE_WINDOW_PX`` a side. What the floods see of noise, without the slow changes of the
    background or the loops themselves (a small share of the window's pixels)."""
    height, width = frame.shape
    top, left = max((height - NOISE_WINDOW_PX) // 2, 0), max((width - NOISE_WINDOW_PX) // 2, 0)
    window = frame[top : top + NOISE_WINDOW_PX, left : left + NOISE_WINDOW_PX].astype(np.float32)
    smooth = cv2.GaussianBlur(window, (0, 0), SMOOTHING_SIGMA_PX)
    residual = smooth - cv2.GaussianBlur(smooth, (0, 0), 2.0)
    return float(1.4826 * np.median(np.abs(residual - np.median(residual))))


def _ellipse(
    outline: _Outline, placement: _Placement, bbox: tuple[int, int, int, int], score: float | None
) -> Defect | None:
    """The moment ellipse of the outline's region (found in the crop at ``placement``), in frame
    pixels, with its quality flags, for the detector's box ``bbox``; None for a speck."""
    area, m10, m01 = outline.moments[:3]
    if area < 3:
        return None
    scale = 1.0 / placement.zoom
    offset = placement.origin
    major, minor, turn = outline.moments.axes()
    major_px = major * scale
    centre = (m10 / area, m01 / area)  # crop px
    semi_major, semi_minor = major / 2, minor / 2
    extent = ellipse_half_extent(semi_major, semi_minor, turn)
    touches_crop = reaches_edge(centre, extent, placement.shape, EDGE_MARGIN_PX * placement.zoom)
    flags = quality_flags(
        major_px,
        bbox,
        touches_crop,
        outline.contrast_to_noise,
        outline.kind_margin,
        outline.line_margin,
        outline.open_line,
    )
    return Defect(
        x=offset[0] + (centre[0] + 0.5) * scale - 0.5,
        y=offset[1] + (centre[1] + 0.5) * scale - 0.5,
        bbox=bbox,
        major_px=major_px,
        minor_px=minor * scale,
        angle_deg=math.degrees(turn),
        area_px=area * scale * scale,
        score=score,
        hollow=outline.hollow,
        flags=flags,
    )
