"""Series whose truth is known, to test tracking against: a real frame cut by a moving, slowly
zooming window, so that its labelled loops drift, grow at known rates, come into view and leave
it, with fresh noise in every frame; and the scores of a tracking against such truth."""

import itertools
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from edge.pipeline.measure import LoopMeasurer
from edge.track.growth import growth_rate


@dataclass(frozen=True)
class Sighting:
    """A true loop in one frame: which loop, its centre and its major axis (px)."""

    loop: int
    x: float
    y: float
    major_px: float


@dataclass(frozen=True)
class SyntheticSeries:
    """Frames (uint16) and, for each, the true loops wholly inside it."""

    frames: list[np.ndarray]
    truth: list[list[Sighting]]


def window_series(
    pixels: np.ndarray,
    boxes: np.ndarray,
    frames: int = 30,
    side_px: int = 512,
    zoom_per_frame: float = 1.01,
    move_px: tuple[float, float] = (4.0, 2.5),
    noise: float = 0.25,
    seed: int = 0,
) -> SyntheticSeries:
    """``frames`` frames of ``side_px`` cut from ``pixels`` by a window that starts ``side_px``
    wide at the frame's centre, less half its travel, moves ``move_px`` (x, y; source px) and
    narrows by ``zoom_per_frame`` each frame, so every loop grows by that factor a frame. Each
    frame gets Gaussian noise of ``noise`` times the frame's standard deviation. The truth is
    each labelled loop (``boxes``) measured in ``pixels`` (module III), mapped into the window."""
    source = pixels.astype(np.float32)
    measured = LoopMeasurer().measure_each(pixels, np.asarray(boxes, np.float64).reshape(-1, 4))
    loops = [(index, found) for index, found in enumerate(measured) if found is not None]
    move = np.array(move_px, np.float64)
    start = np.array([source.shape[1], source.shape[0]], np.float64) / 2 - move * (frames - 1) / 2
    rng = np.random.default_rng(seed)
    spread = float(source.std())
    series, truth = [], []
    for t in range(frames):
        side = side_px / zoom_per_frame**t
        scale = side_px / side
        origin = start + move * t - side / 2
        affine = np.array([[scale, 0, -origin[0] * scale], [0, scale, -origin[1] * scale]], np.float32)
        frame = cv2.warpAffine(
            source, affine, (side_px, side_px), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        frame = frame + rng.normal(0, noise * spread, frame.shape).astype(np.float32)
        series.append((frame * 257).clip(0, 65535).astype(np.uint16))
        inside = []
        for index, defect in loops:
            x, y = (defect.x - origin[0]) * scale, (defect.y - origin[1]) * scale
            half = defect.major_px * scale / 2
            if half <= x <= side_px - 1 - half and half <= y <= side_px - 1 - half:
                inside.append(Sighting(index, x, y, defect.major_px * scale))
        truth.append(inside)
    return SyntheticSeries(series, truth)


@dataclass(frozen=True)
class TrackingScores:
    """How a tracking kept to the truth.

    Attributes
    ----------
    kept : float
        Of consecutive frames in which one true loop was matched both times, the share where
        both sightings carry the same track.
    purity : float
        Of the matched sightings of every track, the share on the track's most frequent loop.
    growth_ratio : float or None
        The median over tracks of ``min_sightings`` or more of their growth rate, over the median
        of the true rates of their loops over the same frames; None where that is 0 or there are
        no such tracks.
    tracks : int
        Tracks of ``min_sightings`` or more matched sightings.
    """

    kept: float
    purity: float
    growth_ratio: float | None
    tracks: int


def score_tracking(
    truth: list[list[Sighting]],
    found: list[tuple[np.ndarray, np.ndarray, list[int]]],
    tolerance_px: float = 10.0,
    min_sightings: int = 5,
) -> TrackingScores:
    """Score ``found``, per frame the defects' centres ``(N, 2)``, major axes ``(N,)`` and track
    ids, against ``truth``: each true loop is matched to at most one defect whose centre lies
    within ``tolerance_px`` (nearest first)."""
    matched: list[dict[int, tuple[int, float]]] = []  # per frame: loop -> (track, measured major)
    for sightings, (positions, majors, tracks) in zip(truth, found, strict=True):
        matched.append(_match(sightings, np.asarray(positions).reshape(-1, 2), majors, tracks, tolerance_px))
    same = pairs = 0
    for before, after in itertools.pairwise(matched):
        for loop in before.keys() & after.keys():
            pairs += 1
            same += before[loop][0] == after[loop][0]
    by_track: dict[int, list[tuple[int, int, float]]] = {}  # track -> (frame, loop, major)
    for frame, found_loops in enumerate(matched):
        for loop, (track, major) in found_loops.items():
            by_track.setdefault(track, []).append((frame, loop, major))
    dominant = {track: Counter(loop for _, loop, _ in rows).most_common(1)[0] for track, rows in by_track.items()}
    purity = sum(count for _, count in dominant.values()) / max(1, sum(len(rows) for rows in by_track.values()))
    true_major = {(frame, s.loop): s.major_px for frame, sightings in enumerate(truth) for s in sightings}
    measured_rates, true_rates = [], []
    for track, rows in by_track.items():
        mine = [(frame, major) for frame, loop, major in rows if loop == dominant[track][0]]
        if len(mine) >= min_sightings:
            frames = np.array([frame for frame, _ in mine], np.float64)
            measured_rates.append(growth_rate(frames, np.array([major for _, major in mine])))
            true_rates.append(growth_rate(frames, np.array([true_major[int(f), dominant[track][0]] for f in frames])))
    true_median = float(np.median(true_rates)) if true_rates else 0.0
    ratio = float(np.median(measured_rates)) / true_median if true_median else None
    return TrackingScores(same / max(1, pairs), purity, ratio, len(measured_rates))


def _match(sightings, positions, majors, tracks, tolerance_px) -> dict[int, tuple[int, float]]:
    if not sightings or not len(positions):
        return {}
    true = np.array([[s.x, s.y] for s in sightings])
    distance = np.hypot(*(true[:, None, :] - positions[None, :, :]).transpose(2, 0, 1))
    rows, cols = linear_sum_assignment(np.where(distance <= tolerance_px, distance, 1e6))
    return {
        sightings[r].loop: (int(tracks[c]), float(majors[c]))
        for r, c in zip(rows, cols, strict=True)
        if distance[r, c] <= tolerance_px
    }
