"""edge train audit: contact sheets of the disputed crops, and decisions that complete the labels."""

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.eval.matching import count_matches
from edge.io.bundled import BUNDLED_SET, sample_frames
from edge.io.dataset import LabelledImage, copies_of, split_digests, write_split
from edge.train.audit import Decision, Disputed, apply_decisions, read_decisions, write_sheets

LABELS = np.array([[10, 10, 50, 50], [100, 10, 140, 50], [200, 10, 240, 50]], float)


def test_decisions_add_loops_remove_what_is_not_one_and_leave_unsure_boxes_as_they_were():
    item = LabelledImage(Path("a.png"), LABELS)
    decisions = [
        Decision("a.png", (100.2, 10, 140, 50.3), "not", "edge of a larger ring"),  # the second label
        Decision("a.png", (300, 10, 340, 50), "loop", "dark ring light centre"),
        Decision("a.png", (400, 10, 440, 50), "unsure", "faint"),
        Decision("a.png", (10, 10, 50, 50), "loop", "already labelled"),
        Decision("b.png", (10, 10, 50, 50), "not", "another image"),
        Decision("a.png", (300, 10, 340, 50), "loop", "decided again in another file"),
        Decision("a.png", (500, 10, 540, 50), "loop", "ring"),
        Decision("a.png", (500, 10, 540, 50), "not", "a later decision on the same box"),
    ]
    (audited,) = apply_decisions([item], decisions)
    assert audited.boxes.tolist() == [[10, 10, 50, 50], [200, 10, 240, 50], [300, 10, 340, 50]]
    assert audited.added.tolist() == [False, False, True]


def test_a_detection_on_an_added_loop_is_right_but_the_added_loop_is_not_counted_for_recall():
    labels = np.vstack([LABELS, [[300, 10, 340, 50]]])
    added = np.array([False, False, False, True])
    detections = np.array([[12, 10, 52, 50], [302, 12, 342, 52]], float)
    counts = count_matches(labels, detections, "one-to-one", 20, added)
    assert (counts.labelled, counts.labels_found, counts.detected, counts.detections_on_labels) == (3, 1, 2, 2)
    paper = count_matches(labels, detections, "paper", 20, added)
    assert (paper.labelled, paper.labels_found, paper.detections_on_labels) == (3, 1, 2)


def test_a_decision_outside_the_three_is_refused_with_its_line(tmp_path):
    path = tmp_path / "audit.csv"
    path.write_text("image,x0,y0,x1,y1,decision,reason\na.png,1,2,3,4,loop,ring\na.png,1,2,3,4,maybe,?\n")
    with pytest.raises(ValueError, match=r"audit.csv:3: decision must be one of loop, not, unsure"):
        read_decisions(path)
    path.write_text("image,x0,y0,x1,y1,decision,reason\na.png,1,2,3,4,,\n")
    assert read_decisions(path) == []


def test_sheets_hold_every_disputed_crop_once_without_saying_which_kind_it_is(tmp_path):
    frame, boxes = next(sample_frames())
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), frame.pixels)
    disputed = [Disputed(image, tuple(box), "unlabelled" if i % 2 else "rejected") for i, box in enumerate(boxes)]
    sheets = write_sheets(disputed, tmp_path / "sheets", per_sheet=4)
    assert len(sheets) == -(-len(boxes) // 4)
    assert cv2.imread(str(sheets[0])).shape[:2] == (200, 6 * 200)  # one row of 4 tiles in a 6-wide sheet
    with open(tmp_path / "sheets" / "decisions.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert "kind" not in rows[0] and len({row["tile"] for row in rows}) == len(boxes)
    index = json.loads((tmp_path / "sheets" / "index.json").read_text())
    assert sorted(v["kind"] for v in index.values()) == sorted(d.kind for d in disputed)
    # filled in, the template is a decisions file
    for row in rows:
        row["decision"] = "loop"
    with open(tmp_path / "filled.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert len(read_decisions(tmp_path / "filled.csv")) == len(boxes)


def test_the_audit_command_writes_sheets_and_refuses_the_test_split(tmp_path, capsys):
    items = []
    for index, (frame, boxes) in enumerate(sample_frames()):
        path = tmp_path / f"frame{index}.png"
        cv2.imwrite(str(path), frame.pixels)
        items.append(LabelledImage(path, boxes[::2]))  # half the loops unlabelled: the models find them
    write_split(items[:2], tmp_path / "data", "train")
    write_split(items[2:4], tmp_path / "data", "test")
    write_split(items[3:4], tmp_path / "data", "human")  # a test image under another split's name
    assert main(["train", "audit", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "sheets")]) == 0
    assert "kept loops without a label" in capsys.readouterr().out
    assert list((tmp_path / "sheets").glob("sheet-*.png"))
    (tmp_path / "audit.csv").write_text("image,x0,y0,x1,y1,decision,reason\n")
    for split in ("test", "human"):
        arguments = ["--data", str(tmp_path / "data"), "--split", split]
        assert main(["train", "audit", *arguments, "--out", str(tmp_path / "no")]) == 1
        assert "never audited" in capsys.readouterr().err
        assert main(["evaluate", *arguments, "--audit", str(tmp_path / "audit.csv")]) == 1
        assert "never audited" in capsys.readouterr().err


def test_an_audit_of_a_later_model_draws_only_what_was_not_decided_before(tmp_path, capsys):
    frame, boxes = next(sample_frames())
    path = tmp_path / "frame0.png"
    cv2.imwrite(str(path), frame.pixels)
    write_split([LabelledImage(path, boxes[:0])], tmp_path / "data", "train")  # no labels: every loop found is new
    data = ["--data", str(tmp_path / "data")]
    assert main(["train", "audit", *data, "--out", str(tmp_path / "first")]) == 0
    with open(tmp_path / "first" / "decisions.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) > 2
    for row in rows[:2]:  # unsure: the labels stay as they were, so only the decisions keep these out
        row["decision"], row["reason"] = "unsure", "faint"
    with open(tmp_path / "audit.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:2])
    assert main(["train", "audit", *data, "--audit", str(tmp_path / "audit.csv"), "--out", str(tmp_path / "next")]) == 0
    with open(tmp_path / "next" / "decisions.csv", newline="") as file:
        assert len(list(csv.DictReader(file))) == len(rows) - 2


def test_a_copy_of_a_test_image_in_the_train_split_is_left_out_of_the_audit_and_its_decisions_refused(tmp_path, capsys):
    items = []
    for index, (frame, boxes) in enumerate(sample_frames()):
        path = tmp_path / f"frame{index}.png"
        cv2.imwrite(str(path), frame.pixels)
        items.append(LabelledImage(path, boxes[::2]))
    copy = tmp_path / "renamed.png"
    copy.write_bytes(items[2].image.read_bytes())  # the same frame under another name
    write_split([items[0], LabelledImage(copy, items[2].boxes)], tmp_path / "data", "train")
    write_split(items[2:3], tmp_path / "data", "test")
    data = ["--data", str(tmp_path / "data")]
    assert main(["train", "audit", *data, "--out", str(tmp_path / "sheets")]) == 0
    assert "renamed.png: left out, a copy of the test split's frame2.png" in capsys.readouterr().out
    with open(tmp_path / "sheets" / "decisions.csv", newline="") as file:
        assert {row["image"] for row in csv.DictReader(file)} == {"frame0.png"}
    (tmp_path / "audit.csv").write_text("image,x0,y0,x1,y1,decision,reason\nrenamed.png,1,2,30,40,loop,ring\n")
    assert main(["evaluate", *data, "--split", "train", "--audit", str(tmp_path / "audit.csv")]) == 1
    assert "copies of its images: renamed.png (test: frame2.png)" in capsys.readouterr().err


def test_the_bundled_audits_decide_only_about_training_images_and_none_about_a_copy_of_a_test_image(li2018):
    train = {line.strip() for line in (li2018 / "train.txt").read_text().splitlines() if line.strip()}
    test_digests = split_digests(li2018, "test")
    audits = sorted(BUNDLED_SET.glob("audit*.csv"))
    assert [path.name for path in audits] == ["audit-scoring.csv", "audit-stand-in.csv", "audit.csv"]
    for path in audits:
        images = {decision.image for decision in read_decisions(path)}
        assert images <= train, f"{path.name} decides about images outside the train split: {images - train}"
        decided = [LabelledImage(li2018 / "images" / name, np.zeros((0, 4))) for name in sorted(images)]
        assert copies_of(decided, test_digests) == {}, f"{path.name} decides about a copy of a test image"
