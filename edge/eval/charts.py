"""Pictures and tables of measured loops for ``edge analyze``: a diameter histogram per image,
a summary of a batch, and a per-defect CSV table. Drawn with OpenCV (no plotting library)."""

import csv
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


Analysed = Sequence[tuple[str, Sequence[Defect], float | None]]  # (image name, its loops, its pixel size)


def write_summary(path: Path, images: Analysed) -> None:
    """A batch's summary: loops per image above the pooled diameter histogram (in nm when every
    image has a pixel size, else in px)."""
    in_nm = all(size is not None for _, _, size in images)
    per_image = [diameters(defects, size if in_nm else None) for _, defects, size in images]
    labels = [str(i + 1) for i in range(len(images))]
    counts = draw_bars([len(values) for values, _ in per_image], labels, "loops per image", "image")
    pooled = np.concatenate([values for values, _ in per_image])
    histogram = draw_histogram(pooled, "nm" if in_nm else "px", f"all {len(images)} images: {len(pooled)} loops")
    cv2.imwrite(str(path), np.vstack([counts, histogram]))


CSV_COLUMNS = (
    "image",
    "x_px",
    "y_px",
    "major_px",
    "minor_px",
    "angle_deg",
    "area_px2",
    "hollow",
    "major_nm",
    "minor_nm",
    "score",
)


def write_defects_csv(path: Path, images: Analysed) -> None:
    """One row per loop, units in the column names (nm empty where the pixel size is not known)."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for image, d, nm in ((name, d, nm) for name, defects, nm in images for d in defects):
            in_nm = ("", "") if nm is None else (f"{d.major_px * nm:.3f}", f"{d.minor_px * nm:.3f}")
            score = "" if d.score is None else f"{d.score:.4f}"
            writer.writerow(
                [image, f"{d.x:.2f}", f"{d.y:.2f}", f"{d.major_px:.3f}", f"{d.minor_px:.3f}", f"{d.angle_deg:.2f}",
                 f"{d.area_px:.2f}", int(d.hollow), *in_nm, score]
            )  # fmt: skip
