"""The field of view's drift between consecutive frames of a series, by phase correlation."""

from functools import lru_cache

import cv2
import numpy as np

DRIFT_SIDE_PX = 256  # frames are compared at most this large (OpenCV's sub-pixel peak: ~0.1 px there)
# below this correlation peak two frames are taken as unrelated (a flat frame, another field of
# view) and add no drift: consecutive li2018 frames with noise twice their contrast peak at 0.67,
# unrelated frames at 0.06 at most
MIN_PEAK = 0.1


class DriftEstimator:
    """The drift of each frame of a series against the series' first, in frame pixels: where a
    point of the first frame lies now, less where it lay, summed over consecutive pairs.

    Frames are reduced (area average) to at most ``DRIFT_SIDE_PX`` on their longer side and
    compared by OpenCV's ``phaseCorrelate`` under a Hann window, so the frames' edges do not pull
    the correlation peak to zero shift. A pair whose peak is below ``MIN_PEAK`` adds no drift. A
    frame of another shape than the one before starts afresh from there, keeping the drift summed
    so far."""

    def __init__(self, side_px: int = DRIFT_SIDE_PX):
        if side_px < 16:
            raise ValueError(f"the drift needs frames compared at 16 px or more, got {side_px}")
        self._side_px = side_px
        self._previous: np.ndarray | None = None
        self._shape: tuple[int, ...] | None = None
        self.total = (0.0, 0.0)

    def update(self, pixels: np.ndarray) -> tuple[float, float]:
        """Take the next frame (2-D, any real dtype); its drift ``(x, y)`` against the first."""
        if pixels.ndim != 2:
            raise ValueError(f"drift needs a 2-D frame, got shape {pixels.shape}")
        scale = min(1.0, self._side_px / max(pixels.shape))
        reduced = _reduced(pixels, scale)
        if self._previous is not None and pixels.shape == self._shape:
            (x, y), peak = cv2.phaseCorrelate(self._previous, reduced, _hann(reduced.shape))
            if peak >= MIN_PEAK and np.isfinite(x) and np.isfinite(y):
                self.total = (self.total[0] + x / scale, self.total[1] + y / scale)
        self._previous, self._shape = reduced, pixels.shape
        return self.total


def _reduced(pixels: np.ndarray, scale: float) -> np.ndarray:
    if scale < 1.0:
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        frame = pixels if pixels.dtype in (np.uint8, np.uint16, np.float32, np.float64) else pixels.astype(np.float32)
        return cv2.resize(frame, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return pixels.astype(np.float32)


@lru_cache(maxsize=8)
def _hann(shape: tuple[int, int]) -> np.ndarray:
    return cv2.createHanningWindow((shape[1], shape[0]), cv2.CV_32F)
