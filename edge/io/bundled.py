"""The sample frames bundled with the package (li2018 test images with their labels, MIT)."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from edge.io.boxes import read_boxes
from edge.io.images import Frame, read_frame

PACKAGE_DIR = Path(__file__).parents[1]
SAMPLES_DIR = PACKAGE_DIR / "samples"
MODELS_DIR = PACKAGE_DIR / "models"
BUNDLED_SET = MODELS_DIR / "li2018"  # the li2018 model set (edge.pipeline.model_set), the default


def sample_paths() -> list[Path]:
    """The bundled sample images, sorted by name."""
    return sorted(SAMPLES_DIR.glob("*.jpg"))


def sample_frames() -> Iterator[tuple[Frame, np.ndarray]]:
    """Each bundled sample frame with its labelled boxes ``[x0, y0, x1, y1]``."""
    for path in sample_paths():
        yield read_frame(path), read_boxes(path.with_suffix(".txt"))[0]
