import json

import numpy as np
import pytest
from conftest import LI2018, need

from edge.boxes import BoxFileError, box_iou, read_boxes, write_boxes
from edge.cli import main
from edge.evaluate import Counts, centres_within, match_by_centre, match_by_iou

LABELS = np.array([[10, 10, 50, 50], [100, 100, 140, 160], [300, 50, 330, 90]], float)


def test_labels_against_themselves_match_fully():
    assert match_by_centre(LABELS, LABELS) == 3
    assert match_by_iou(LABELS, LABELS) == 3


def test_centre_tolerance_is_20_px_in_x_and_in_y():
    assert match_by_centre(LABELS, LABELS + [19, 19, 19, 19]) == 3
    assert match_by_centre(LABELS, LABELS + [21, 0, 21, 0]) == 0
    assert match_by_centre(LABELS, LABELS + [0, 21, 0, 21]) == 0


def test_matching_is_one_to_one():
    twice = np.vstack([LABELS[:1], LABELS[:1] + 2])
    assert match_by_centre(LABELS, twice) == 1
    assert match_by_centre(LABELS[:1], LABELS[:1].repeat(3, axis=0)) == 1


def test_matching_takes_the_most_pairs_not_the_nearest_first():
    labels = np.array([[0, 0, 20, 20], [30, 0, 50, 20]], float)  # centres x = 10, 40
    detections = np.array([[15, 0, 35, 20], [-15, 0, 5, 20]], float)  # centres x = 25, -5
    # greedy nearest would pair 10 with 25 and leave -5 unmatched; two pairs are possible
    assert match_by_centre(labels, detections) == 2


def test_iou():
    assert box_iou(LABELS[:1], LABELS[:1] + [20, 0, 20, 0])[0, 0] == pytest.approx(20 * 40 / (2 * 1600 - 800))
    assert match_by_iou(LABELS, LABELS + [10, 0, 10, 0]) == 3  # IoU 0.6
    assert match_by_iou(LABELS, LABELS + [20, 20, 20, 20]) == 0  # IoU 0.14


def test_counts_rates():
    counts = Counts(labelled=10, detected=8, matched=6)
    assert (counts.recall, counts.precision) == (0.6, 0.75)
    assert counts.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)


def test_box_file_round_trip_keeps_row_first_order(tmp_path):
    path = tmp_path / "b.txt"
    path.write_text("43 104 128 198\n164 303 213 337\n")
    boxes, scores = read_boxes(path)
    np.testing.assert_array_equal(boxes[0], [104, 43, 198, 128])
    assert scores is None
    write_boxes(tmp_path / "c.txt", boxes, np.array([0.5, 0.25]))
    again, scores = read_boxes(tmp_path / "c.txt")
    np.testing.assert_array_equal(again, boxes)
    np.testing.assert_array_equal(scores, [0.5, 0.25])


@pytest.mark.parametrize("text", ["1 2 3\n", "1 2 3 x\n", "1 2 3 4\n1 2 3 4 0.5\n"])
def test_bad_box_files_are_refused(tmp_path, text):
    (tmp_path / "b.txt").write_text(text)
    with pytest.raises(BoxFileError):
        read_boxes(tmp_path / "b.txt")


def test_evaluate_command_scores_labels_as_detections_perfectly_and_shifted_ones_not(tmp_path):
    data = need(LI2018)
    assert (
        main(
            [
                "evaluate",
                "--data",
                str(data),
                "--split",
                "test",
                "--detections",
                str(data / "boxes"),
                "--json",
                str(tmp_path / "r.json"),
            ]
        )
        == 0
    )
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["recall"] == report["precision"] == report["iou40"]["f1"] == 1.0
    assert len(report["per_image"]) == 29
    assert sum(row["labelled"] for row in report["per_image"]) == 1148
    row = report["per_image"][0]
    assert row["mean_diameter_px"] == pytest.approx(row["labelled_mean_diameter_px"])

    shifted = tmp_path / "shifted"
    shifted.mkdir()
    for name in (data / "test.txt").read_text().split("\n"):
        if name.strip():
            boxes, _ = read_boxes(data / "boxes" / f"{name.strip()[:-4]}.txt")
            write_boxes(shifted / f"{name.strip()[:-4]}.txt", boxes + [25, 0, 25, 0])
    assert (
        main(["evaluate", "--data", str(data), "--detections", str(shifted), "--json", str(tmp_path / "s.json")]) == 0
    )
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["recall"] < 0.05 and report["iou40"]["recall"] > 0.2


def test_centres_within_is_the_matching_criterion():
    within = centres_within(LABELS, LABELS + [20, 0, 20, 0])
    np.testing.assert_array_equal(within, np.eye(3, dtype=bool))
    assert not centres_within(LABELS, LABELS + [0, 21, 0, 21]).any()
