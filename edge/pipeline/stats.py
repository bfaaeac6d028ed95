"""Per-frame defect statistics: count, mean and spread of the diameter, areal density."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from edge.pipeline.measure import Defect


@dataclass(frozen=True)
class FrameStats:
    """One frame's defect statistics. Diameter = major axis; ``std`` is the sample standard
    deviation (0 for one defect); means and spreads are None without defects, and the nm and
    µm figures without a pixel size."""

    count: int
    mean_diameter_px: float | None
    std_diameter_px: float | None
    density_per_mpx: float
    mean_diameter_nm: float | None = None
    std_diameter_nm: float | None = None
    density_per_um2: float | None = None

    def as_json(self) -> dict:
        """The fields as a JSON-ready dict, in this order (the frame message's and ``edge
        analyse``'s JSON carry them at their top level)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


def frame_stats(defects: Sequence[Defect], frame_shape: tuple[int, int], pixel_size_nm: float | None) -> FrameStats:
    """The statistics of one frame of ``frame_shape`` holding ``defects``."""
    diameters = np.array([d.major_px for d in defects], np.float64)
    mean_px, std_px = mean_std(diameters)
    megapixels = frame_shape[0] * frame_shape[1] / 1e6
    stats = FrameStats(len(defects), mean_px, std_px, len(defects) / megapixels)
    if pixel_size_nm is None:
        return stats
    area_um2 = megapixels * 1e6 * (pixel_size_nm / 1e3) ** 2
    return FrameStats(
        len(defects),
        mean_px,
        std_px,
        len(defects) / megapixels,
        None if mean_px is None else mean_px * pixel_size_nm,
        None if std_px is None else std_px * pixel_size_nm,
        len(defects) / area_um2,
    )


def mean_std(values: np.ndarray) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (0 for one value; None, None for none)."""
    values = np.asarray(values, np.float64)
    return mean_std_of_sums(values.size, float(values.sum()), float(np.square(values).sum()))


def mean_std_of_sums(count: int, total: float, squares: float) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation of ``count`` values from their sum and the sum of
    their squares (what a running series keeps); 0 for one value, None, None for none."""
    if count == 0:
        return None, None
    mean = total / count
    if count == 1:
        return mean, 0.0
    return mean, math.sqrt(max(squares - count * mean * mean, 0.0) / (count - 1))
