"""Pictures and tables of measured loops for ``edge analyse``: a diameter histogram per image,
and a summary of a batch. Drawn with OpenCV (no plotting library)."""

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from edge.pipeline.measure import Defect

WIDTH, HEIGHT, MARGIN = 640, 360, 56
BAR = (200, 140, 40)  # BGR
TEXT = (40, 40, 40)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def diameters(defects: Sequence[Defect], pixel_size_nm: float | None) -> tuple[np.ndarray, str]:
    """The loops' diameters (major axes) in nm where the pixel size is known, else in px."""
    values = np.array([d.major_px for d in defects], np.float64)
    return (values * pixel_size_nm, "nm") if pixel_size_nm is not None else (values, "px")


def draw_bars(counts: Sequence[float], labels: Sequence[str], title: str, axis: str) -> np.ndarray:
    """A bar chart as a BGR image: one bar per count, every few labels under the bars."""
    image = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    cv2.putText(image, title, (MARGIN, 28), FONT, 0.6, TEXT, 1, cv2.LINE_AA)
    left, bottom, top = MARGIN, HEIGHT - MARGIN, 48
    cv2.line(image, (left, top), (left, bottom), TEXT, 1)
    cv2.line(image, (left, bottom), (WIDTH - 16, bottom), TEXT, 1)
    highest = max(max(counts, default=0), 1)
    cv2.putText(image, f"{highest:g}", (8, top + 10), FONT, 0.45, TEXT, 1, cv2.LINE_AA)
    width = (WIDTH - 16 - left) / max(len(counts), 1)
    every = max(1, int(np.ceil(len(counts) / 8)))
    for index, (count, label) in enumerate(zip(counts, labels, strict=True)):
        x0 = round(left + index * width + 1)
        height = round((bottom - top) * count / highest)
        if height:
            cv2.rectangle(image, (x0, bottom - height), (round(x0 + width - 2), bottom - 1), BAR, -1)
        if index % every == 0:
            cv2.putText(image, label, (x0, bottom + 16), FONT, 0.4, TEXT, 1, cv2.LINE_AA)
    cv2.putText(image, axis, (WIDTH // 2 - 60, HEIGHT - 12), FONT, 0.5, TEXT, 1, cv2.LINE_AA)
    return image


def draw_histogram(values: np.ndarray, unit: str, title: str, bins: int = 20) -> np.ndarray:
    """The histogram of ``values`` (diameters in ``unit``) as a BGR image."""
    top = float(values.max()) if len(values) else 1.0
    counts, edges = np.histogram(values, bins=bins, range=(0.0, top * 1.0001))
    labels = [f"{edge:.0f}" for edge in edges[:-1]]
    return draw_bars(counts.tolist(), labels, title, f"diameter ({unit})")


def write_histogram(path: Path, defects: Sequence[Defect], pixel_size_nm: float | None, title: str) -> None:
    values, unit = diameters(defects, pixel_size_nm)
    cv2.imwrite(str(path), draw_histogram(values, unit, f"{title}: {len(values)} loops"))


def write_summary(path: Path, images: Sequence[dict], defects: Sequence[dict]) -> None:
    """A batch's summary from its tables' rows (``edge.pipeline.tables``): loops per image above the
    pooled diameter histogram (in nm when every image has a pixel size, else in px)."""
    in_nm = all(image["pixel_size_nm"] is not None for image in images)
    column = "major_axis_nm" if in_nm else "major_axis_px"
    per_image: dict[tuple[str, int], list[float]] = {(image["image"], image["frame"]): [] for image in images}
    for defect in defects:
        per_image[defect["image"], defect["frame"]].append(defect[column])
    labels = [str(i + 1) for i in range(len(images))]
    counts = draw_bars([len(values) for values in per_image.values()], labels, "loops per image", "image")
    pooled = np.array([value for values in per_image.values() for value in values], np.float64)
    title = f"all {len(images)} images: {len(pooled)} loops"
    histogram = draw_histogram(pooled, "nm" if in_nm else "px", title)
    cv2.imwrite(str(path), np.vstack([counts, histogram]))
