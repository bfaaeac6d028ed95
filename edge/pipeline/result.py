"""One frame in, its defects and statistics out: the result shared by the CLI and the service."""

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from edge.kernels.watershed import flood
from edge.pipeline.measure import Defect, Polarity, measure_defects
from edge.pipeline.stats import frame_stats


@dataclass(frozen=True)
class FrameResult:
    """The defects found in one frame and the frame's statistics (None when the frame's scene
    was not among those analysed), and its scene label when a classifier ran."""

    defects: list[Defect]
    stats: dict | None
    pixel_size_nm: float | None
    scene: dict | None = None

    def defects_json(self) -> list[dict]:
        """Defects as JSON-ready dicts, with nm sizes where the pixel size is known."""
        return [defect_json(d, self.pixel_size_nm) for d in self.defects]


def analyse_boxes(
    pixels: np.ndarray,
    boxes: np.ndarray,
    pixel_size_nm: float | None,
    scores: np.ndarray | None = None,
    polarity: Polarity = "auto",
    flood_function: Callable = flood,
) -> FrameResult:
    """Measure the defect in each candidate box and summarise the frame."""
    defects = measure_defects(pixels, boxes, polarity, scores, flood_function)
    return FrameResult(defects, frame_stats(defects, pixels.shape, pixel_size_nm), pixel_size_nm)


def defect_json(defect: Defect, pixel_size_nm: float | None) -> dict:
    """One defect as a JSON-ready dict (see the README for the fields)."""
    record = asdict(defect)
    record["bbox"] = list(defect.bbox)
    record["major_nm"] = None if pixel_size_nm is None else defect.major_px * pixel_size_nm
    record["minor_nm"] = None if pixel_size_nm is None else defect.minor_px * pixel_size_nm
    return record
