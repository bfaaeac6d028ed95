"""The simulator of the files input: frames written to a folder as an acquisition program saves
them, 16-bit TIFF by default, to feed ``edge serve --files`` (``edge.live.inputs.files``) in
tests and benchmarks without a microscope."""

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

FILE_DTYPES = (np.uint8, np.uint16)  # what TIFF and PNG hold as greyscale


def write_frames(frames: Sequence[np.ndarray], folder: Path, suffix: str = ".tif") -> list[Path]:
    """Each frame as ``folder/frame_00000<suffix>`` (.tif or .png, as OpenCV writes them: TIFF
    LZW-compressed), in order; the paths written.

    Raises ``ValueError`` for a frame that is not 2-D uint8 or uint16, or another suffix."""
    if suffix not in (".tif", ".png"):
        raise ValueError(f"frames are written as .tif or .png, not {suffix!r}")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, pixels in enumerate(frames):
        if pixels.ndim != 2 or pixels.dtype.type not in FILE_DTYPES:
            raise ValueError(
                f"frame {index}: a file holds a 2-D uint8 or uint16 frame, got {pixels.dtype} {pixels.shape}"
            )
        path = folder / f"frame_{index:05d}{suffix}"
        if not cv2.imwrite(str(path), pixels):
            raise OSError(f"{path}: could not be written")
        paths.append(path)
    return paths
