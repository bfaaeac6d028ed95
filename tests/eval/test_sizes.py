"""Measured loop sizes against drawn outlines (COCO polygons)."""

import math

import cv2
import numpy as np
import pytest

from edge.eval.scoring import evaluate_labelled, format_report
from edge.eval.sizes import AxisPair, axis_errors, outline_major_px
from edge.io.boxes import write_boxes
from edge.io.dataset import LabelledImage
from edge.pipeline.settings import PipelineSettings


def ellipse_polygon(centre, semi_axes, angle_deg, points=72) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    x, y = semi_axes[0] * np.cos(t), semi_axes[1] * np.sin(t)
    a = math.radians(angle_deg)
    rotated_x, rotated_y = x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a)
    return np.column_stack([centre[0] + rotated_x, centre[1] + rotated_y])


def test_an_ellipses_outline_gives_its_full_major_axis():
    assert outline_major_px(ellipse_polygon((50, 50), (20, 8), 30)) == pytest.approx(40, rel=0.01)
    assert outline_major_px(np.array([[0, 0], [10, 0], [20, 0]])) is None  # no area


def test_axis_errors_are_signed_and_absolute_in_px_and_percent():
    errors = axis_errors([AxisPair(22.0, 20.0, False), AxisPair(9.0, 10.0, False)])
    assert errors["signed_px"] == pytest.approx(0.5) and errors["absolute_px"] == pytest.approx(1.5)
    assert errors["signed_percent"] == pytest.approx(0.0) and errors["absolute_percent"] == pytest.approx(10.0)
    assert axis_errors([]) is None


def test_axis_errors_give_the_medians_over_all_loops_and_by_the_kind_measured():
    """The medians an expert comparison quotes, which one far-off loop does not move as it moves
    the mean, and the same for hollow and filled loops apart (a kind without loops left out)."""
    pairs = [
        AxisPair(m, 100.0, hollow) for m, hollow in ((104, True), (96, True), (102, True), (112, False), (300, False))
    ]
    errors = axis_errors(pairs)
    assert errors["signed_percent"] == pytest.approx(42.8)  # the far-off loop's +200 % in the mean
    assert errors["median_signed_percent"] == pytest.approx(4.0)
    assert errors["median_absolute_percent"] == pytest.approx(4.0)
    hollow, filled = errors["by_kind"]["hollow"], errors["by_kind"]["filled"]
    assert hollow == {
        "loops": 3,
        "median_signed_percent": pytest.approx(2.0),
        "median_absolute_percent": pytest.approx(4.0),
    }
    assert filled["loops"] == 2 and filled["median_signed_percent"] == pytest.approx(106.0)
    assert list(axis_errors(pairs[:3])["by_kind"]) == ["hollow"]


def test_evaluate_compares_measured_loops_with_their_drawn_outlines(tmp_path):
    frame = np.full((200, 200), 170.0)
    loops = [((50, 60), (18, 12), 20), ((140, 130), (25, 16), -40)]
    outlines, boxes = [], []
    for centre, axes, angle in loops:
        polygon = ellipse_polygon(centre, axes, angle)
        cv2.fillPoly(frame, [np.round(polygon).astype(np.int32)], 70)
        outlines.append(polygon)
        boxes.append([*(polygon.min(axis=0) - 6), *(polygon.max(axis=0) + 6)])
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), cv2.GaussianBlur(frame, (0, 0), 1.0).astype(np.uint8))
    (tmp_path / "found").mkdir()
    write_boxes(tmp_path / "found" / "frame.txt", np.array(boxes))  # detections: the labelled boxes
    item = LabelledImage(path, np.array(boxes), outlines)
    report = evaluate_labelled([item], PipelineSettings(polarity="dark"), detections_dir=tmp_path / "found")
    pooled = report["outline_axis"]
    assert pooled["loops"] == 2 and pooled["drawn_mean_px"] == pytest.approx(43, abs=0.5)
    assert pooled["absolute_percent"] < 8  # a filled loop is measured on its edge, as its outline is drawn
    assert report["per_image"][0]["outline_axis"] == pooled
    in_label_boxes = report["outline_axis_in_label_boxes"]  # the detections were the label boxes
    assert in_label_boxes == pooled and list(in_label_boxes["by_kind"]) == ["filled"]
    text = format_report(report)
    assert "measured major axis against the labelled outline's" in text and "in its label box" in text


def test_evaluate_measures_every_outlined_loop_in_its_label_box_whatever_was_detected(tmp_path):
    """With no detection at all, no loop is matched, but each loop with an outline is still
    measured in its label box against it."""
    frame = np.full((200, 200), 170.0)
    polygon = ellipse_polygon((100, 90), (20, 14), 15)
    cv2.fillPoly(frame, [np.round(polygon).astype(np.int32)], 70)
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), cv2.GaussianBlur(frame, (0, 0), 1.0).astype(np.uint8))
    (tmp_path / "found").mkdir()
    write_boxes(tmp_path / "found" / "frame.txt", np.zeros((0, 4)))
    box = [*(polygon.min(axis=0) - 6), *(polygon.max(axis=0) + 6)]
    item = LabelledImage(path, np.array([box]), [polygon])
    report = evaluate_labelled([item], PipelineSettings(polarity="dark"), detections_dir=tmp_path / "found")
    assert report["outline_axis"] is None
    in_label_boxes = report["outline_axis_in_label_boxes"]
    assert in_label_boxes["loops"] == 1 and abs(in_label_boxes["median_signed_percent"]) < 5
    assert "no measured loop with an outline" in format_report(report)
