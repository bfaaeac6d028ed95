"""Module I: candidate loops from the LBP cascade, run by OpenCV's ``CascadeClassifier``.

Frames larger than ``working_side_px`` are scanned at a reduced size (the loops in the
li2018 2048 px frames are twice as large in pixels as in its 1024 px frames), so a frame's
detection time does not grow with its pixel count beyond that. Window sizes are scanned an
octave at a time on a frame reduced to put the octave's smallest window at the cascade's own
size (12 px for the bundled cascade, so 24-48 px windows are scanned at half resolution): the
cost is set by the number of windows, and the loops' centres only need to be found within
20 px. Every window the cascade accepts is kept (OpenCV's neighbour grouping averages boxes
and drops lone hits, which costs recall), then overlapping hits are thinned by non-maximum
suppression on OpenCV's level weight (the last stage's sum), which is also each box's score.
A box's support is the number of accepted windows that overlap it (IoU > 0.3, itself
included): lone hits are rarely loops, so the screening stage may skip them.
"""

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.io.bundled import BUNDLED_SET
from edge.io.images import check_view
from edge.kernels.overlap import overlap_counts
from edge.pipeline.synthetic import warm_up_frame

DEFAULT_CASCADE = BUNDLED_SET / "cascade.xml"
SUPPORT_IOU = 0.3
MAX_WARM_SIDE_PX = 2048  # the warm-up scans a frame of the working side, at most this


@dataclass(frozen=True)
class DetectorSettings:
    """Scan settings, in working pixels (after any reduction of a large frame)."""

    scale_factor: float = 2 ** (1 / 3)  # three window sizes an octave
    overlap_iou: float = 0.5
    min_size_px: int = 24
    max_size_px: int = 280
    working_side_px: int = 1024


class LoopDetector:
    """Proposes candidate loop boxes ``[x0, y0, x1, y1]`` in a frame."""

    def __init__(self, model: str | Path = DEFAULT_CASCADE, settings: DetectorSettings = DetectorSettings()):
        model = Path(model)
        if not model.is_file():
            raise FileNotFoundError(f"cascade model {model} not found (train one with 'edge train cascade')")
        self._model = model
        self._local = threading.local()
        self.settings = settings
        self._window = int(self._cascade.getOriginalWindowSize()[0])

    @property
    def _cascade(self) -> cv2.CascadeClassifier:
        """This thread's classifier: OpenCV's CascadeClassifier must not be shared by threads."""
        cascade = getattr(self._local, "cascade", None)
        if cascade is None:
            try:
                cascade = cv2.CascadeClassifier(str(self._model))
            except (cv2.error, SystemError) as error:
                raise ValueError(f"{self._model}: not a cascade OpenCV can load ({error})") from error
            if cascade.empty():
                raise ValueError(f"{self._model}: not a cascade OpenCV can load")
            self._local.cascade = cascade
        return cascade

    def warm_up(self) -> None:
        """Scan a frame of the working side (at most ``MAX_WARM_SIDE_PX``) on this thread, so the
        first real frame does not pay for growing the cascade's buffers."""
        frame, _ = warm_up_frame()
        tiles = math.ceil(min(self.settings.working_side_px, MAX_WARM_SIDE_PX) / frame.shape[0])
        self.detect(np.tile(frame, (tiles, tiles)))

    def detect(self, view: np.ndarray, min_support: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Boxes ``(N, 4)`` in frame pixels and their scores ``(N,)`` in a frame's 8-bit view,
        keeping the boxes with at least ``min_support`` overlapping hits (1: every box)."""
        boxes, scores, support = self.detect_with_support(view)
        keep = support >= min_support
        return boxes[keep], scores[keep]

    def detect_with_support(self, view: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes ``(N, 4)`` in frame pixels, their scores and their support ``(N,)``, in a
        frame's 8-bit view."""
        check_view(view, "detection")
        frame = view
        scale = min(1.0, self.settings.working_side_px / max(frame.shape))
        if min(frame.shape) * scale < self.settings.min_size_px:  # no window fits: a strip, a tiny frame
            return np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64)
        if scale < 1.0:
            frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = [self._scan_octave(frame, factor) for factor in self._octaves()]
        hits = np.vstack([h for h, _ in found])
        weights = np.concatenate([w for _, w in found])
        if len(hits) == 0:
            return np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64)
        keep = cv2.dnn.NMSBoxes(
            np.round(hits).astype(int).tolist(), (weights - weights.min()).tolist(), 0.0, self.settings.overlap_iou
        )
        keep = np.asarray(keep, np.int64).ravel()
        corners = np.column_stack([hits[:, :2], hits[:, :2] + hits[:, 2:]])
        support = overlap_counts(corners[keep], corners, SUPPORT_IOU)
        return corners[keep] / scale, weights[keep], support

    def _octaves(self) -> list[float]:
        """Reduction factors of the frame, one per octave of window sizes (1 = as is)."""
        factors, factor = [], self.settings.min_size_px / self._window
        while factor * self._window <= self.settings.max_size_px:
            factors.append(factor)
            factor *= 2
        return factors

    def _scan_octave(self, frame: np.ndarray, factor: float) -> tuple[np.ndarray, np.ndarray]:
        """Hits ``[x, y, w, h]`` (frame pixels) of windows ``factor`` to ``2 * factor`` times
        the cascade's own, found on the frame reduced by ``factor``. Scanning octave by
        octave keeps OpenCV's 2 px stride, which it drops to 1 px for scales above 2."""
        if factor != 1:
            interpolation = cv2.INTER_AREA if factor > 1 else cv2.INTER_LINEAR
            frame = cv2.resize(frame, None, fx=1 / factor, fy=1 / factor, interpolation=interpolation)
        largest = min(2 * self._window - 1, int(self.settings.max_size_px / factor))
        if min(frame.shape) < self._window:
            return np.zeros((0, 4)), np.zeros(0)
        hits, _, weights = self._cascade.detectMultiScale3(
            frame,
            scaleFactor=self.settings.scale_factor,
            minNeighbors=0,
            minSize=(self._window, self._window),
            maxSize=(largest, largest),
            outputRejectLevels=True,
        )
        hits = np.asarray(hits, np.float64).reshape(-1, 4) * factor
        return hits, np.asarray(weights, np.float64).ravel()
