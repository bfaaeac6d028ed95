"""Series bookkeeping, all of it: which series are open (the intake's ``SeriesRegister``, on the
receiver thread), and each series' running statistics until its last frame is accounted for (the
publisher's ``SeriesLedger``, on the publishing thread), in constant memory however long it runs.
The two threads share nothing: the intake tells the publisher what happened through events."""

from collections import OrderedDict
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

    @classmethod
    def from_summary(cls, summary: dict) -> "SeriesStats":
        """Running statistics that go on from a published summary (a viewer that joined late
        continues from the service's figures): its counts, sums and histogram rebuilt from its
        means, spreads and densities."""
        stats = cls(summary["series"], frames=summary["frames"], count=summary["count"])
        count = summary["count"]
        for unit in ("px", "nm"):
            mean, std = summary[f"mean_diameter_{unit}"], summary[f"std_diameter_{unit}"]
            if mean is not None and count:
                setattr(stats, f"sum_{unit}", mean * count)
                setattr(stats, f"sum_squares_{unit}", (std or 0.0) ** 2 * (count - 1) + count * mean * mean)
        if summary["mean_diameter_nm"] is not None:
            stats.measured_nm = count
        if summary["density_per_um2"]:
            stats.area_um2 = count / summary["density_per_um2"]
        if summary["density_per_mpx"]:
            stats.megapixels = count / summary["density_per_mpx"]
        histogram = summary["diameter_histogram"]
        setattr(stats, f"histogram_{histogram['unit']}", np.array(histogram["counts"], np.int64))
        return stats

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


@dataclass
class OpenSeries:
    """What the intake knows of one series."""

    series_id: int
    pixel_size_nm: float | None
    last_frame: int | None = None
    accepted: int = 0
    ended: bool = False


class SeriesRegister:
    """The series the intake has seen, by name, least recently seen first; each gets a running id."""

    def __init__(self, max_series: int):
        self._series: OrderedDict[str, OpenSeries] = OrderedDict()
        self._opened = 0
        self._max_series = max_series

    def get(self, name: str) -> OpenSeries | None:
        """The series ``name``, now the most recently seen; None if unknown."""
        if name in self._series:
            self._series.move_to_end(name)
        return self._series.get(name)

    def open(self, name: str, pixel_size_nm: float | None) -> OpenSeries:
        """A new series ``name`` (one of that name before is forgotten), with the next id."""
        self._opened += 1
        state = self._series[name] = OpenSeries(self._opened, pixel_size_nm)
        self._series.move_to_end(name)
        return state

    def forget_beyond_limit(self) -> list[tuple[str, OpenSeries]]:
        """The series seen least recently beyond ``max_series``, forgotten."""
        return [self._series.popitem(last=False) for _ in range(len(self._series) - self._max_series)]


class SeriesLedger:
    """The publisher's series: each one's running statistics, from its opening until every frame
    it accepted is accounted for (analysed, failed or dropped) after its end."""

    def __init__(self):
        self._stats: dict[int, SeriesStats] = {}
        self._expected: dict[int, int] = {}  # frames a series that has ended still waits for
        self._finished: dict[int, int] = {}

    def open(self, series_id: int, name: str) -> None:
        self._stats[series_id], self._finished[series_id] = SeriesStats(name), 0

    def stats(self, series_id: int) -> SeriesStats:
        return self._stats[series_id]

    def ended(self, series_id: int, accepted: int) -> None:
        """The series has ended, having accepted ``accepted`` frames."""
        self._expected[series_id] = accepted

    def accounted(self, series_id: int) -> None:
        """One more of the series' frames is analysed, failed or dropped."""
        self._finished[series_id] += 1

    def complete(self, series_id: int) -> SeriesStats | None:
        """The series' statistics, forgotten here, once it has ended and every frame it accepted
        is accounted for; else None."""
        if series_id not in self._expected or self._finished[series_id] < self._expected[series_id]:
            return None
        del self._expected[series_id], self._finished[series_id]
        return self._stats.pop(series_id)

    def still_open(self) -> list[tuple[int, SeriesStats]]:
        """The series not yet complete, with their ids."""
        return list(self._stats.items())


def _histogram(values: np.ndarray, maximum: float) -> np.ndarray:
    clipped = np.minimum(np.asarray(values, np.float64), maximum * (1 - 1e-9))
    return np.histogram(clipped, bins=HISTOGRAM_BINS, range=(0, maximum))[0]
