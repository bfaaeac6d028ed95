"""The field of view's drift between consecutive frames of a series, by phase correlation."""

import cv2
import numpy as np
from skimage.registration import phase_cross_correlation

DRIFT_SIDE_PX = 256  # frames are compared at most this large: drift to a fraction of a pixel there
UPSAMPLE = 8  # the correlation peak is located to 1/UPSAMPLE of a compared pixel


class DriftEstimator:
    """The drift of each frame of a series against the series' first, in frame pixels: where a
    point of the first frame lies now, less where it lay, summed over consecutive pairs.

    Frames are reduced (area average) to at most ``DRIFT_SIDE_PX`` on their longer side, their
    mean removed and a Hann window applied, so the frame's edges do not pull the correlation
    peak to zero shift. A frame of another shape than the one before starts afresh from there,
    keeping the drift summed so far."""

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
            shift = phase_cross_correlation(self._previous, reduced, upsample_factor=UPSAMPLE)[0]
            # the shift registers this frame onto the one before: the content moved the other way
            self.total = (self.total[0] - float(shift[1]) / scale, self.total[1] - float(shift[0]) / scale)
        self._previous, self._shape = reduced, pixels.shape
        return self.total


def _reduced(pixels: np.ndarray, scale: float) -> np.ndarray:
    frame = pixels.astype(np.float32, copy=False)
    if scale < 1.0:
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    frame = frame - frame.mean()
    window = np.outer(np.hanning(frame.shape[0]), np.hanning(frame.shape[1])).astype(np.float32)
    return frame * window
