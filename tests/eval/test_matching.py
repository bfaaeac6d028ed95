import json

import numpy as np
import pytest

from edge.cli import main
from edge.eval.matching import (
    Counts,
    bootstrap_intervals,
    centres_within,
    count_matches,
    match_by_centre,
    match_by_iou,
    match_paper,
)
from edge.io.boxes import BoxFileError, box_iou, read_boxes, write_boxes

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
    counts = Counts.pairs(labelled=10, detected=8, matched=6)
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


def test_evaluate_command_scores_labels_as_detections_perfectly_and_shifted_ones_not(tmp_path, li2018):
    data = li2018
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


def test_paper_rule_does_not_penalise_a_duplicate_detection():
    duplicate = np.vstack([LABELS, LABELS[:1] + 3])
    paper = count_matches(LABELS, duplicate, "paper")
    one_to_one = count_matches(LABELS, duplicate, "one-to-one")
    assert (paper.recall, paper.precision) == (1.0, 1.0)
    assert (one_to_one.recall, one_to_one.precision) == (1.0, 0.75)


def test_paper_rule_lets_one_detection_find_two_labels_near_each_other():
    labels = np.array([[0, 0, 20, 20], [30, 0, 50, 20]], float)  # centres x = 10, 40
    between = np.array([[15, 0, 35, 20]], float)  # centre x = 25: within 20 px of both
    assert match_paper(labels, between) == (2, 1)
    assert match_by_centre(labels, between) == 1


def test_paper_rule_tolerance_is_20_px_in_x_and_in_y_inclusive():
    assert match_paper(LABELS, LABELS + [20, 20, 20, 20]) == (3, 3)
    assert match_paper(LABELS, LABELS + [21, 0, 21, 0]) == (0, 0)
    assert match_paper(LABELS, LABELS + [0, 21, 0, 21]) == (0, 0)


def test_paper_rule_counts_a_far_detection_as_false_and_a_missed_label_as_missed():
    detections = np.vstack([LABELS[:2], [[600, 600, 640, 640]]])
    counts = count_matches(LABELS, detections, "paper")
    assert (counts.labels_found, counts.detections_on_labels) == (2, 2)
    assert (counts.recall, counts.precision) == (2 / 3, 2 / 3)


def test_unknown_matching_is_refused():
    with pytest.raises(ValueError, match="matching"):
        count_matches(LABELS, LABELS, "greedy")


def test_bootstrap_interval_holds_the_pooled_figure_and_is_seeded():
    rng = np.random.default_rng(0)
    counts = []
    for _ in range(30):
        labelled = int(rng.integers(5, 60))
        found = int(rng.integers(0, labelled + 1))
        detected = found + int(rng.integers(0, 10))
        counts.append(Counts.pairs(labelled, detected, found))
    intervals = bootstrap_intervals(counts)
    pooled_recall = sum(c.labels_found for c in counts) / sum(c.labelled for c in counts)
    assert intervals["recall"][0] < pooled_recall < intervals["recall"][1]
    assert intervals == bootstrap_intervals(counts)
    assert bootstrap_intervals(counts, seed=1) != intervals


def test_bootstrap_over_identical_images_has_no_spread():
    intervals = bootstrap_intervals([Counts.pairs(10, 8, 6)] * 12)
    assert intervals["recall"] == pytest.approx([0.6, 0.6])
    assert intervals["precision"] == pytest.approx([0.75, 0.75])


def test_evaluate_scores_only_the_listed_images_and_refuses_unknown_ones(tmp_path, li2018):
    data = li2018
    listed = tmp_path / "images.txt"
    names = (data / "test.txt").read_text().splitlines()[:3]
    listed.write_text("\n".join(names) + "\n")
    out = tmp_path / "r.json"
    arguments = ["evaluate", "--data", str(data), "--detections", str(data / "boxes"), "--json", str(out)]
    assert main([*arguments, "--images", str(listed), "--matching", "paper"]) == 0
    report = json.loads(out.read_text())
    assert [row["image"] for row in report["per_image"]] == names
    assert report["matching"] == "paper" and report["recall"] == 1.0
    assert report["intervals"]["f1"] == [1.0, 1.0]
    listed.write_text("no such image.jpg\n")
    assert main([*arguments, "--images", str(listed)]) == 1


def test_centre_pairs_name_the_matched_label_and_detection():
    from edge.eval.matching import centre_pairs

    labels = np.array([[0, 0, 20, 20], [100, 100, 120, 120]], float)
    detections = np.array([[102, 98, 122, 118], [300, 300, 310, 310], [1, 2, 21, 22]], float)
    assert centre_pairs(labels, detections).tolist() == [[0, 2], [1, 0]]
    assert centre_pairs(labels, detections, tolerance=1.0).tolist() == []


def test_evaluate_moved_boxes_reports_how_much_the_size_depends_on_the_box(tmp_path, li2018):
    data = li2018
    listed = tmp_path / "images.txt"
    listed.write_text((data / "train.txt").read_text().splitlines()[0] + "\n")
    out = tmp_path / "moved.json"
    arguments = ["evaluate", "--data", str(data), "--split", "train", "--images", str(listed)]
    assert main([*arguments, "--moved-boxes", "2", "--json", str(out)]) == 0
    summary = json.loads(out.read_text())
    assert summary["moved_boxes"] == 2 * summary["loops"] > 0
    assert 0 <= summary["median_difference"] <= summary["p90_difference"]
    assert 0 <= summary["lost_share"] <= 1
