"""Figures of measured loops for ``edge analyse``, fit to publish: a diameter histogram per image,
and a batch summary (loops per image, named, above the pooled histogram). Drawn with matplotlib:
round ticks, labelled axes with their units."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from edge.pipeline.measure import Defect

DPI = 150
BAR_COLOUR = "#2c7fb8"


def diameters(defects: Sequence[Defect], pixel_size_nm: float | None) -> tuple[np.ndarray, str]:
    """The loops' diameters (major axes) in nm where the pixel size is known, else in px."""
    values = np.array([d.major_px for d in defects], np.float64)
    return (values * pixel_size_nm, "nm") if pixel_size_nm is not None else (values, "px")


def _pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display), imported when drawing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    from matplotlib.ticker import MaxNLocator

    return pyplot, MaxNLocator


def _histogram(axes, values: np.ndarray, unit: str, title: str) -> None:
    """The diameters' histogram on ``axes``: round bin edges, integer counts."""
    _, MaxNLocator = _pyplot()
    top = float(values.max()) if len(values) else 1.0
    edges = MaxNLocator(nbins=20, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, top)
    edges = edges[edges >= 0]
    if edges[-1] <= top:
        edges = np.append(edges, edges[-1] + (edges[1] - edges[0]))
    axes.hist(values, bins=edges, color=BAR_COLOUR, edgecolor="white")
    axes.set_xlim(0, edges[-1])
    axes.set_ylim(0, max(axes.get_ylim()[1], 1))  # an empty histogram still has a 0-1 loop scale
    axes.set_xlabel(f"diameter, major axis ({unit})")
    axes.set_ylabel("loops")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.set_title(title)


def write_histogram(path: Path, defects: Sequence[Defect], pixel_size_nm: float | None, title: str) -> None:
    """One image's diameter histogram, as a PNG."""
    pyplot, _ = _pyplot()
    values, unit = diameters(defects, pixel_size_nm)
    figure, axes = pyplot.subplots(figsize=(6.4, 3.6), layout="constrained")
    _histogram(axes, values, unit, f"{title}: {len(values)} loops")
    figure.savefig(path, dpi=DPI)
    pyplot.close(figure)


def write_summary(path: Path, images: Sequence[dict], defects: Sequence[dict]) -> None:
    """A batch's summary from its tables' rows (``edge.pipeline.tables``): loops per image, each
    named, above the pooled diameter histogram (in nm when every image has a pixel size, else in px)."""
    pyplot, MaxNLocator = _pyplot()
    in_nm = all(image["pixel_size_nm"] is not None for image in images)
    column = "major_axis_nm" if in_nm else "major_axis_px"
    per_image: dict[tuple[str, int], list[float]] = {(image["image"], image["frame"]): [] for image in images}
    for defect in defects:
        per_image[defect["image"], defect["frame"]].append(defect[column])
    names = [Path(image).name + (f" [{frame}]" if frame else "") for image, frame in per_image]
    height = 3.0 + 0.22 * len(names)
    figure = pyplot.figure(figsize=(6.4, height + 3.6), layout="constrained")
    top, bottom = figure.subfigures(2, 1, height_ratios=[height, 3.6])  # each panel as wide as the figure
    counts, histogram = top.subplots(), bottom.subplots()
    counts.barh(range(len(names)), [len(values) for values in per_image.values()], color=BAR_COLOUR)
    counts.set_yticks(range(len(names)), names, fontsize=7 if len(names) > 12 else 9)
    counts.invert_yaxis()  # the first image on top, as in the tables
    counts.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    counts.set_xlabel("loops")
    counts.set_title("loops per image")
    pooled = np.array([value for values in per_image.values() for value in values], np.float64)
    _histogram(histogram, pooled, "nm" if in_nm else "px", f"all {len(images)} images: {len(pooled)} loops")
    figure.savefig(path, dpi=DPI)
    pyplot.close(figure)
