import json

import numpy as np
import pytest

from edge.cli import main
from edge.pipeline.scene import DEFAULT_CLASSIFIER, SceneClassifier
from edge.train.scene_data import group_folds, read_folder_per_class
from edge.train.scenes import evaluate


def test_group_folds_never_split_a_group_and_keep_classes_balanced():
    labels = np.repeat([0, 1, 2], 40)
    groups = np.arange(120) // 3  # groups of three images, each within one class
    folds = group_folds(labels, groups, 5, seed=1)
    for group in np.unique(groups):
        assert len(set(folds[groups == group])) == 1
    for fold in range(5):
        assert all(3 <= np.sum((folds == fold) & (labels == c)) <= 12 for c in range(3))


def test_evaluate_scores_and_confusion():
    truth = np.array([0, 0, 1, 1, 2, 2])
    predicted = np.array([0, 1, 1, 1, 2, 0])
    report = evaluate(predicted, truth, ["a", "b", "c"])
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert report["per_class"]["b"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8})
    assert report["macro"]["recall"] == pytest.approx((0.5 + 1 + 0.5) / 3)


def test_folder_per_class_with_groups(uhcs_sem):
    images = read_folder_per_class(uhcs_sem, uhcs_sem / "groups.csv")
    assert images.classes == ["carbide_network", "pearlite", "spheroidite"]
    assert len(images.paths) == 481 and np.bincount(images.labels).tolist() == [161, 160, 160]
    assert len(np.unique(images.groups)) < 481


def test_a_folder_without_class_folders_is_refused(tmp_path):
    with pytest.raises(ValueError, match="folder per class"):
        read_folder_per_class(tmp_path)


def test_bundled_classifier_labels_real_micrographs(tmp_path, uhcs_sem):
    paths = [
        uhcs_sem / name / sorted(p.name for p in (uhcs_sem / name).iterdir())[0] for name in ("pearlite", "spheroidite")
    ]
    assert main(["classify", *map(str, paths), "--json", str(tmp_path / "s.json")]) == 0
    results = json.loads((tmp_path / "s.json").read_text())
    assert [r["image"] for r in results] == [str(p) for p in paths]
    for result in results:
        assert result["label"] in SceneClassifier(DEFAULT_CLASSIFIER).classes
        assert sum(p for _, p in result["top"]) == pytest.approx(1, abs=1e-4)
        assert result["top"][0] == [result["label"], pytest.approx(result["confidence"])]


def test_analyse_with_a_classifier_labels_frames_and_can_skip_scenes(tmp_path):
    from edge.io.bundled import sample_paths

    image = sample_paths()[0]
    classes = SceneClassifier(DEFAULT_CLASSIFIER).classes
    assert main(["analyse", str(image), "--out", str(tmp_path), "--classifier", str(DEFAULT_CLASSIFIER)]) == 0
    record = json.loads((tmp_path / f"{image.stem}.json").read_text())
    assert record["scene"]["label"] in classes and record["count"] == len(record["defects"])
    label = record["scene"]["label"]
    others = ",".join(c for c in classes if c != label)
    args = ["analyse", str(image), "--out", str(tmp_path / "skip"), "--classifier", str(DEFAULT_CLASSIFIER)]
    assert main([*args, "--scenes", others]) == 0
    skipped = json.loads((tmp_path / "skip" / f"{image.stem}.json").read_text())
    assert skipped["count"] is None and skipped["defects"] == [] and skipped["scene"]["label"] == label
    assert main([*args, "--scenes", "no_such_scene"]) == 1
