"""``edge evaluate``: detections of a split scored against its labels, pooled and per image."""

import logging
from pathlib import Path

import numpy as np

from edge.boxes import box_file_for, read_boxes
from edge.dataset import read_split
from edge.evaluate import Counts, match_by_centre, match_by_iou, pooled
from edge.images import read_frame
from edge.measure import measure_defects
from edge.pipeline import Pipeline
from edge.stats import mean_std

log = logging.getLogger(__name__)


def evaluate_split(
    data_dir: Path,
    split: str,
    detections_dir: Path | None,
    polarity: str = "auto",
    backend: str = "auto",
    screen: str = "default",
) -> dict:
    """Score the box files in ``detections_dir`` (or, without one, the pipeline's own
    detections) against the labels of ``split``.

    Returns {recall, precision, f1, iou40: {...}, per_image: [...]}; diameters are measured
    by the watershed kernel inside the detected boxes (and inside the labelled boxes, for
    comparison). An image without a detection file counts as having no detections.
    """
    pipeline = None if detections_dir else Pipeline.default(backend, polarity, screen)
    centre_counts, iou_counts, per_image = [], [], []
    for item in read_split(data_dir, split):
        pixels = read_frame(item.image).pixels
        if pipeline is not None:
            detections, _ = pipeline.candidates(pixels)
        else:
            detections = _detections_from_file(box_file_for(item.image, detections_dir))
        by_centre = Counts(len(item.boxes), len(detections), match_by_centre(item.boxes, detections))
        by_iou = Counts(len(item.boxes), len(detections), match_by_iou(item.boxes, detections))
        centre_counts.append(by_centre)
        iou_counts.append(by_iou)
        detected_mean, detected_std = _diameters(pixels, detections, polarity)
        labelled_mean, _ = _diameters(pixels, item.boxes, polarity)
        per_image.append(
            {
                "image": item.image.name,
                "labelled": by_centre.labelled,
                "detected": by_centre.detected,
                "matched": by_centre.matched,
                **by_centre.rates(),
                "mean_diameter_px": detected_mean,
                "std_diameter_px": detected_std,
                "labelled_mean_diameter_px": labelled_mean,
            }
        )
    return {**pooled(centre_counts).rates(), "iou40": pooled(iou_counts).rates(), "per_image": per_image}


def _detections_from_file(box_file: Path) -> np.ndarray:
    if not box_file.is_file():
        log.warning("%s: no detection file, scored as no detections", box_file)
        return np.zeros((0, 4))
    return read_boxes(box_file)[0]


def _diameters(pixels: np.ndarray, boxes: np.ndarray, polarity: str) -> tuple[float | None, float | None]:
    return mean_std(np.array([d.major_px for d in measure_defects(pixels, boxes, polarity)]))


def format_report(report: dict) -> str:
    """The per-image table and the pooled figures as text."""
    header = f"{'image':<48} {'labelled':>8} {'detected':>8} {'matched':>7} {'recall':>6} {'prec':>6} "
    header += f"{'diam px':>8} {'sd':>6} {'label diam':>10}"
    lines = [header, "-" * len(header)]
    for row in report["per_image"]:
        lines.append(
            f"{row['image'][:48]:<48} {row['labelled']:>8} {row['detected']:>8} {row['matched']:>7} "
            f"{row['recall']:>6.3f} {row['precision']:>6.3f} {_number(row['mean_diameter_px']):>8} "
            f"{_number(row['std_diameter_px']):>6} {_number(row['labelled_mean_diameter_px']):>10}"
        )
    lines.append("-" * len(header))
    lines.append(
        f"pooled, centres within 20 px: recall {report['recall']:.4f}  precision {report['precision']:.4f}  "
        f"F1 {report['f1']:.4f}"
    )
    iou = report["iou40"]
    rates = f"recall {iou['recall']:.4f}  precision {iou['precision']:.4f}  F1 {iou['f1']:.4f}"
    lines.append(f"pooled, IoU >= 0.4:           {rates}")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
