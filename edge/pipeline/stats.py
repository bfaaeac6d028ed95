"""Per-frame defect statistics: count, mean and spread of the diameter, areal density."""

import math
from collections.abc import Sequence

import numpy as np

from edge.pipeline.measure import Defect


def frame_stats(defects: Sequence[Defect], frame_shape: tuple[int, int], pixel_size_nm: float | None) -> dict:
    """Statistics of one frame. Diameter = major axis; std is the sample standard deviation
    (0 for fewer than two defects); nm and µm figures are None without a pixel size."""
    diameters = np.array([d.major_px for d in defects], np.float64)
    mean_px, std_px = mean_std(diameters)
    megapixels = frame_shape[0] * frame_shape[1] / 1e6
    stats = {
        "count": len(defects),
        "mean_diameter_px": mean_px,
        "std_diameter_px": std_px,
        "density_per_mpx": len(defects) / megapixels,
        "mean_diameter_nm": None,
        "std_diameter_nm": None,
        "density_per_um2": None,
    }
    if pixel_size_nm is not None:
        area_um2 = megapixels * 1e6 * (pixel_size_nm / 1e3) ** 2
        stats["mean_diameter_nm"] = None if mean_px is None else mean_px * pixel_size_nm
        stats["std_diameter_nm"] = None if std_px is None else std_px * pixel_size_nm
        stats["density_per_um2"] = len(defects) / area_um2
    return stats


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
