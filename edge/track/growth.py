"""A track's growth rate: the slope of its major axis against time, fitted by least squares."""

import numpy as np


def growth_unit(pixel_size_nm: float | None, timed: bool) -> str:
    """The unit of a series' growth rates: nm where the pixel size is known (else px), per second
    where the frames carry timestamps (else per frame)."""
    return f"{'nm' if pixel_size_nm else 'px'}/{'s' if timed else 'frame'}"


def growth_rate(times: np.ndarray, majors: np.ndarray) -> float | None:
    """The least-squares slope of ``majors`` against ``times``; None for fewer than 2 distinct
    times."""
    times, majors = np.asarray(times, np.float64), np.asarray(majors, np.float64)
    if len(times) < 2 or np.ptp(times) == 0:
        return None
    centred = times - times.mean()
    return float(np.dot(centred, majors - majors.mean()) / np.dot(centred, centred))
