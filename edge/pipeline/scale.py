"""Frames brought to the pixel size the models were trained at, where both are known.

A cascade scans a fixed range of window sizes and a screen has learnt loops at the sizes it
saw, so the same loops at twice the pixel size (half as many pixels across) fall below the
scan. Where the model set records its training frames' pixel size (``settings.json``,
``"frames": {"pixel_size_nm": ...}``, which ``edge train cascade --pixel-size`` writes) and
the frame's is known (its file, the detector's metadata or the service's config), the frame's
8-bit view is resized by their ratio before detection and screening, and the boxes are
brought back to the frame's pixels; loops are measured in the frame itself.
"""

import cv2
import numpy as np

MAX_ZOOM = 4.0  # frames are brought at most this far in either direction (a pixel size off by more is a mistake)
SAME_SCALE = 0.05  # zooms within this of 1 are not worth resampling the frame for


def zoom_to_models(frame_pixel_size_nm: float | None, models_pixel_size_nm: float | None) -> float:
    """The factor a frame's view is resized by to reach the models' pixel size: the frame's
    pixel size over the models' (2: the frame's pixels are twice as large, so it is enlarged),
    within ``1 / MAX_ZOOM`` to ``MAX_ZOOM``; 1 where either is unknown or they are within
    ``SAME_SCALE`` of each other.

    Examples
    --------
    >>> zoom_to_models(0.948, 0.474), zoom_to_models(0.474, None), zoom_to_models(10.0, 0.5)
    (2.0, 1.0, 4.0)
    """
    if frame_pixel_size_nm is None or models_pixel_size_nm is None:
        return 1.0
    zoom = float(np.clip(frame_pixel_size_nm / models_pixel_size_nm, 1 / MAX_ZOOM, MAX_ZOOM))
    return 1.0 if abs(zoom - 1.0) <= SAME_SCALE else zoom


def zoomed_view(view: np.ndarray, zoom: float) -> np.ndarray:
    """``view`` resized by ``zoom`` (area averaging to reduce, bilinear to enlarge)."""
    if zoom == 1.0:
        return view
    interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_LINEAR
    return cv2.resize(view, None, fx=zoom, fy=zoom, interpolation=interpolation)
