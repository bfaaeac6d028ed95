"""Recall by loop size: labels in classes of box side, found under either matching rule."""

import numpy as np

from edge.eval.by_size import pooled_by_size, recall_by_size, size_class_names
from edge.eval.matching import labels_found


def box(x: float, y: float, side: float) -> list[float]:
    return [x - side / 2, y - side / 2, x + side / 2, y + side / 2]


def test_each_label_counts_in_the_class_of_its_longer_side():
    labels = np.array([box(50, 50, 20), box(200, 50, 39.9), box(400, 50, 40), box(600, 50, 69), box(800, 50, 70)])
    rows = recall_by_size(labels, np.array([True, False, True, True, False]))
    assert [row["size"] for row in rows] == size_class_names() == ["< 40 px", "40-70 px", ">= 70 px"]
    assert [(row["labelled"], row["found"]) for row in rows] == [(2, 1), (2, 2), (1, 0)]
    assert [row["recall"] for row in rows] == [0.5, 1.0, 0.0]


def test_a_class_without_labels_has_no_recall_and_pooling_sums_the_counts():
    first = recall_by_size(np.array([box(50, 50, 20)]), np.array([True]))
    second = recall_by_size(np.array([box(50, 50, 100), box(300, 50, 30)]), np.array([True, False]))
    assert first[2]["recall"] is None
    pooled = pooled_by_size([first, second])
    assert [(row["labelled"], row["found"]) for row in pooled] == [(2, 1), (0, 0), (1, 1)]


def test_a_duplicate_detection_finds_a_second_label_only_under_the_paper_rule():
    labels = np.array([box(100, 100, 80), box(110, 110, 30)])
    detections = np.array(box(105, 105, 60))[None]
    assert labels_found(labels, detections, "one-to-one").sum() == 1
    assert labels_found(labels, detections, "paper").tolist() == [True, True]
