"""``edge evaluate``: detections scored against labels (a data set folder's split or a COCO
file), pooled and per image; where the labels have outlines, measured sizes against them."""

import logging
from pathlib import Path

import numpy as np

from edge.eval.by_size import pooled_by_size, recall_by_size
from edge.eval.matching import (
    bootstrap_intervals,
    centre_pairs,
    count_iou_matches,
    count_matches,
    labels_found,
    pooled,
)
from edge.eval.sizes import axis_errors, axis_pairs, drawn_axes
from edge.io.boxes import box_file_for, read_boxes
from edge.io.dataset import LabelledImage
from edge.io.images import Frame, read_frame, to_uint8
from edge.pipeline.measure import Defect, LoopMeasurer, outline_boxes
from edge.pipeline.model_set import ModelSet
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings
from edge.pipeline.stats import mean_std

log = logging.getLogger(__name__)


def evaluate_labelled(
    items: list[LabelledImage],
    settings: PipelineSettings = PipelineSettings(),
    matching: str = "one-to-one",
    detections_dir: Path | None = None,
    pixel_size_nm: float | None = None,
) -> dict:
    """Score the box files in ``detections_dir`` (or, without one, the detections of the
    pipeline ``settings`` describe) against the labels of ``items``; every box is measured as
    ``settings`` say (polarity, follow rounds, windows). The frames' pixel size is
    ``pixel_size_nm`` or, without it, their files'; where it and the model set's are known,
    frames are brought to the models' for detection (``edge.pipeline.scale``).

    Returns {matching, images, centre_tolerance_px, recall, precision, f1, intervals: {recall,
    precision, f1: [low, high]}, iou40: {...}, recall_by_size: [...], per_image: [...], and, where
    labels have outlines, outline_axis and outline_axis_in_label_boxes: {...}}: centre matching by
    ``matching`` ("one-to-one" or the paper's "paper", see ``edge.eval.matching.count_matches``)
    within the model set's centre tolerance
    (li2018's: 20 px), IoU >= 0.4 one to one, 95 % bootstrap intervals over images. Diameters are
    measured by module III inside the detected boxes (and inside the labelled boxes, for
    comparison); where labels have outlines, each one-to-one matched loop's measured major axis
    is compared with its outline's, and so is each outlined loop measured in its own label box
    (``edge.eval.sizes``: means, medians, and medians by the kind measured). Recall by size (``edge.eval.by_size``)
    counts the labels found under ``matching``, in classes of label box side. Where the model set
    has an outline padding (``settings.json``, derived from its training boxes), each loop's box is
    its measured outline padded as the training labels were, not the cascade's window. An image
    without a detection file counts as having no detections. Labels an audit added
    (``LabelledImage.added``) count for precision only.
    """
    models = ModelSet.load(settings.model)
    tolerance = models.centre_tolerance_px
    pipeline = None if detections_dir else Pipeline.from_settings(settings, models)
    measurer = LoopMeasurer.from_settings(settings)
    centre_counts, iou_counts, per_image, all_axes, all_in_labels, by_size = [], [], [], [], [], []
    for item in items:
        frame = read_frame(item.image, pixel_size_nm)
        pixels = frame.pixels
        measured = None  # the pipeline's own measurements, where it reported loops by their outlines
        if pipeline is not None:
            detections, measured = _pipeline_detections(pipeline, frame, models.outline_padding)
        else:
            detections = _detections_from_file(box_file_for(item.image, detections_dir))
        by_centre = count_matches(item.boxes, detections, matching, tolerance, item.added)
        centre_counts.append(by_centre)
        iou_counts.append(count_iou_matches(item.boxes, detections, item.added))
        detected = measurer.measure_each(pixels, detections) if measured is None else measured
        detected_mean, detected_std = _mean_diameter(detected)
        own = _own(item)
        in_label_boxes = measurer.measure_each(pixels, item.boxes[own])
        labelled_mean, _ = _mean_diameter(in_label_boxes)
        found = labels_found(item.boxes, detections, matching, tolerance)
        by_size.append(recall_by_size(item.boxes[own], found[own]))
        per_image.append(
            {
                "image": item.image.name,
                "labelled": by_centre.labelled,
                "detected": by_centre.detected,
                "labels_found": by_centre.labels_found,
                "detections_on_labels": by_centre.detections_on_labels,
                **by_centre.rates(),
                "mean_diameter_px": detected_mean,
                "std_diameter_px": detected_std,
                "labelled_mean_diameter_px": labelled_mean,
                "recall_by_size": by_size[-1],
            }
        )
        if item.outlines is not None:
            drawn = drawn_axes(item.outlines)
            axes = axis_pairs(drawn, detected, centre_pairs(item.boxes, detections, tolerance))
            own_drawn = [axis for axis, drawn_by_labellers in zip(drawn, own, strict=True) if drawn_by_labellers]
            in_labels = axis_pairs(own_drawn, in_label_boxes, [(index, index) for index in range(len(own_drawn))])
            per_image[-1]["outline_axis"] = axis_errors(axes)
            per_image[-1]["outline_axis_in_label_boxes"] = axis_errors(in_labels)
            all_axes += axes
            all_in_labels += in_labels
    sizes = {}
    if any(item.outlines is not None for item in items):
        sizes = {"outline_axis": axis_errors(all_axes), "outline_axis_in_label_boxes": axis_errors(all_in_labels)}
    return {
        "matching": matching,
        "images": len(items),
        "centre_tolerance_px": tolerance,
        **sizes,
        **pooled(centre_counts).rates(),
        "intervals": bootstrap_intervals(centre_counts),
        "iou40": pooled(iou_counts).rates(),
        "recall_by_size": pooled_by_size(by_size),
        "per_image": per_image,
    }


def _pipeline_detections(
    pipeline: Pipeline, frame: Frame, outline_padding: float | None
) -> tuple[np.ndarray, list[Defect] | None]:
    """The pipeline's loops in ``frame`` as boxes to score: its screened cascade windows or,
    where the model set has an outline padding, each loop it measured as its outline padded so,
    with those measurements (a window the flood cannot measure is then not a loop, as in its
    results)."""
    if outline_padding is None:
        return pipeline.candidates(to_uint8(frame.pixels), frame.pixel_size_nm)[0], None
    defects = pipeline.analyse(frame.pixels, frame.pixel_size_nm).defects
    return outline_boxes(defects, outline_padding), defects


def _detections_from_file(box_file: Path) -> np.ndarray:
    if not box_file.is_file():
        log.warning("%s: no detection file, scored as no detections", box_file)
        return np.zeros((0, 4))
    return read_boxes(box_file)[0]


def _mean_diameter(defects: list[Defect | None]) -> tuple[float | None, float | None]:
    """The mean and sd of the major axes of the loops measured (None: a box with none)."""
    return mean_std(np.array([defect.major_px for defect in defects if defect is not None]))


def format_report(report: dict) -> str:
    """The per-image table and the pooled figures, with their intervals, as text."""
    header = f"{'image':<48} {'labelled':>8} {'detected':>8} {'found':>5} {'on label':>8} {'recall':>6} {'prec':>6} "
    header += f"{'diam px':>8} {'sd':>6} {'label diam':>10}"
    lines = [header, "-" * len(header)]
    for row in report["per_image"]:
        lines.append(
            f"{row['image'][:48]:<48} {row['labelled']:>8} {row['detected']:>8} {row['labels_found']:>5} "
            f"{row['detections_on_labels']:>8} {row['recall']:>6.3f} {row['precision']:>6.3f} "
            f"{_number(row['mean_diameter_px']):>8} {_number(row['std_diameter_px']):>6} "
            f"{_number(row['labelled_mean_diameter_px']):>10}"
        )
    lines.append("-" * len(header))
    interval = report["intervals"]
    lines.append(
        f"pooled over {report['images']} images, centres within {report['centre_tolerance_px']:g} px, "
        f"{report['matching']}: "
        + "  ".join(
            f"{name} {report[key]:.4f} [{interval[key][0]:.3f}, {interval[key][1]:.3f}]"
            for name, key in (("recall", "recall"), ("precision", "precision"), ("F1", "f1"))
        )
    )
    lines.append("  (95 % intervals from resampling the images, 2000 draws, seed 0)")
    iou = report["iou40"]
    rates = f"recall {iou['recall']:.4f}  precision {iou['precision']:.4f}  F1 {iou['f1']:.4f}"
    lines.append(f"pooled, IoU >= 0.4, one-to-one: {rates}")
    lines += _size_lines(report)
    if "outline_axis" in report:
        lines += _outline_lines(report)
    return "\n".join(lines)


def _size_lines(report: dict) -> list[str]:
    """Recall by label box side, pooled and per image (found / labelled)."""
    pooled_rows = report["recall_by_size"]
    names = [row["size"] for row in pooled_rows]
    lines = [f"recall by label box side ({report['matching']}): " + "  ".join(
        f"{row['size']} {_rate(row)} ({row['found']}/{row['labelled']})" for row in pooled_rows
    )]  # fmt: skip
    lines.append(f"  {'image':<48} " + " ".join(f"{name:>14}" for name in names))
    for row in report["per_image"]:
        cells = " ".join(
            f"{_rate(c) + ' ' + str(c['found']) + '/' + str(c['labelled']):>14}" for c in row["recall_by_size"]
        )
        lines.append(f"  {row['image'][:48]:<48} {cells}")
    return lines


def _rate(row: dict) -> str:
    return "-" if row["recall"] is None else f"{row['recall']:.3f}"


def _outline_lines(report: dict) -> list[str]:
    """Measured major axes against the labels' outlines, per image and pooled: in the matched
    detections' boxes, then in the label boxes; the pooled medians by kind."""
    lines = ["measured major axis against the labelled outline's (error = measured - drawn):"]
    for key, where in (
        ("outline_axis", "matched loops, in the detected box"),
        ("outline_axis_in_label_boxes", "every outlined loop, in its label box"),
    ):
        lines.append(f"  {where}:")
        rows = [(row["image"], row.get(key)) for row in report["per_image"]] + [("pooled", report[key])]
        for name, errors in rows:
            if errors is None:
                lines.append(f"    {name[:48]:<48} no measured loop with an outline")
                continue
            lines.append(
                f"    {name[:48]:<48} {errors['loops']:>4} loops  drawn {errors['drawn_mean_px']:6.1f} px  measured "
                f"{errors['measured_mean_px']:6.1f} px  mean signed {errors['signed_px']:+6.1f} px "
                f"({errors['signed_percent']:+5.1f} %)  absolute {errors['absolute_px']:5.1f} px "
                f"({errors['absolute_percent']:4.1f} %)  median signed {errors['median_signed_percent']:+5.1f} %  "
                f"absolute {errors['median_absolute_percent']:4.1f} %"
            )
        pooled_errors = report[key]
        if pooled_errors is not None:
            lines.append("    pooled by the kind measured: " + "  ".join(
                f"{kind} {errors['loops']} loops, median signed {errors['median_signed_percent']:+.1f} %, "
                f"absolute {errors['median_absolute_percent']:.1f} %"
                for kind, errors in pooled_errors["by_kind"].items()
            ))  # fmt: skip
    return lines


def _own(item: LabelledImage) -> np.ndarray:
    """Which of ``item``'s boxes its labellers drew (not added by an audit): the ones recall and
    the labelled loops' sizes count."""
    return np.ones(len(item.boxes), bool) if item.added is None else ~np.asarray(item.added, bool)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
