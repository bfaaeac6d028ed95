"""A frame at a classifier's working resolution, and cut into tiles."""

import cv2
import numpy as np


def scaled(frame: np.ndarray, scale: float) -> np.ndarray:
    """The frame resized by ``scale`` (the classifier's working resolution)."""
    if scale == 1:
        return frame
    size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def view_scales(record_input: dict) -> list[float]:
    """The scales of the views a scene classifier's CNN reads, from its record's ``input``: the
    working resolution, and a coarser one where the record names it."""
    return [record_input["scale"], *([record_input["coarse_scale"]] if "coarse_scale" in record_input else [])]


def tiles(frame: np.ndarray, size: int, stride: int) -> np.ndarray:
    """``(N, size, size)`` tiles covering the frame (the last row and column flush with its
    edges); a frame smaller than a tile is first enlarged to fit."""
    return chosen_tiles(frame, size, stride)


def chosen_tiles(frame: np.ndarray, size: int, stride: int, max_tiles: int = 0) -> np.ndarray:
    """``tiles``, or where there are more than ``max_tiles`` (0: no limit), that many of them
    spread evenly over the grid in reading order (a frame's cost then stays the same however
    large the frame; the first and last tile always among them). Only the chosen tiles are cut."""
    height, width = frame.shape
    if min(height, width) < size:
        factor = size / min(height, width)
        frame = cv2.resize(frame, (max(size, round(width * factor)), max(size, round(height * factor))))
        height, width = frame.shape
    tops = sorted({*range(0, height - size + 1, stride), height - size})
    lefts = sorted({*range(0, width - size + 1, stride), width - size})
    corners = [(top, left) for top in tops for left in lefts]
    if 0 < max_tiles < len(corners):
        corners = [corners[i] for i in np.round(np.linspace(0, len(corners) - 1, max_tiles)).astype(int)]
    return np.array([frame[top : top + size, left : left + size] for top, left in corners])
