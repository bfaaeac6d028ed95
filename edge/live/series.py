"""Running statistics of an acquisition series, in constant memory however long it runs."""

from dataclasses import dataclass, field

import numpy as np

from edge.pipeline.stats import mean_std_of_sums

HISTOGRAM_BINS = 30


@dataclass
class SeriesStats:
    """Counts, running sums and a fixed-range diameter histogram over a series' frames.

    The histogram is in nm when the series' frames have a pixel size, in px otherwise;
    ``histogram_max`` is its upper edge (larger diameters land in the last bin)."""

    series: str
    histogram_max_nm: float = 150.0
    histogram_max_px: float = 300.0
    frames: int = 0
    count: int = 0
    area_um2: float = 0.0
    megapixels: float = 0.0
    sum_px: float = 0.0
    sum_squares_px: float = 0.0
    sum_nm: float = 0.0
    sum_squares_nm: float = 0.0
    measured_nm: int = 0
    histogram_nm: np.ndarray = field(default_factory=lambda: np.zeros(HISTOGRAM_BINS, np.int64))
    histogram_px: np.ndarray = field(default_factory=lambda: np.zeros(HISTOGRAM_BINS, np.int64))

    def add(self, diameters_px: np.ndarray, frame_shape: tuple[int, int], pixel_size_nm: float | None) -> None:
        """Add one processed frame's defect diameters (px)."""
        self.frames += 1
        self.count += len(diameters_px)
        self.megapixels += frame_shape[0] * frame_shape[1] / 1e6
        self.sum_px += float(np.sum(diameters_px))
        self.sum_squares_px += float(np.sum(np.square(diameters_px)))
        self.histogram_px += _histogram(diameters_px, self.histogram_max_px)
        if pixel_size_nm is not None:
            diameters_nm = np.asarray(diameters_px) * pixel_size_nm
            self.measured_nm += len(diameters_nm)
            self.area_um2 += frame_shape[0] * frame_shape[1] * (pixel_size_nm / 1e3) ** 2
            self.sum_nm += float(np.sum(diameters_nm))
            self.sum_squares_nm += float(np.sum(np.square(diameters_nm)))
            self.histogram_nm += _histogram(diameters_nm, self.histogram_max_nm)

    def summary(self) -> dict:
        """The series message body (see docs/protocol.md)."""
        in_nm = self.measured_nm > 0 and self.measured_nm == self.count
        mean_px, std_px = mean_std_of_sums(self.count, self.sum_px, self.sum_squares_px)
        mean_nm, std_nm = (
            mean_std_of_sums(self.measured_nm, self.sum_nm, self.sum_squares_nm) if in_nm else (None, None)
        )
        maximum = self.histogram_max_nm if in_nm else self.histogram_max_px
        return {
            "series": self.series,
            "frames": self.frames,
            "count": self.count,
            "mean_diameter_px": mean_px,
            "std_diameter_px": std_px,
            "mean_diameter_nm": mean_nm,
            "std_diameter_nm": std_nm,
            "density_per_um2": self.count / self.area_um2 if in_nm and self.area_um2 else None,
            "density_per_mpx": self.count / self.megapixels if self.megapixels else None,
            "diameter_histogram": {
                "unit": "nm" if in_nm else "px",
                "edges": np.linspace(0, maximum, HISTOGRAM_BINS + 1).round(3).tolist(),
                "counts": (self.histogram_nm if in_nm else self.histogram_px).tolist(),
            },
        }


def _histogram(values: np.ndarray, maximum: float) -> np.ndarray:
    clipped = np.minimum(np.asarray(values, np.float64), maximum * (1 - 1e-9))
    return np.histogram(clipped, bins=HISTOGRAM_BINS, range=(0, maximum))[0]
