"""edge train classify end to end at a tiny size: nested cross-validation, the record, and a
classifier that averages its CNN and its texture model."""

import json
import shutil

import numpy as np
import pytest
from conftest import SHARED_DATA, need

from edge.cli import main
from edge.io.images import read_frame, to_uint8
from edge.pipeline.scene import SceneClassifier
from edge.pipeline.texture import TextureModel


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    source = need(SHARED_DATA / "uhcs-sem")
    folder = tmp_path_factory.mktemp("scenes")
    for klass in ("carbide_network", "pearlite", "spheroidite"):
        (folder / "data" / klass).mkdir(parents=True)
        for path in sorted((source / klass).iterdir())[:6]:
            shutil.copy(path, folder / "data" / klass / path.name)
    out = folder / "model.onnx"
    arguments = ["train", "classify", "--data", str(folder / "data"), "--out", str(out), "--folds", "2"]
    arguments += ["--repeats", "2", "--sizes", "32", "--epochs-per-size", "1", "--width", "4", "--batch", "8"]
    assert main(arguments) == 0
    return out, json.loads(out.with_suffix(".json").read_text()), folder / "data"


def test_the_record_gives_each_option_on_the_same_outer_folds_and_names_the_clean_estimate(trained):
    _, record, _ = trained
    validation = record["cross_validation"]
    assert validation["clean_estimate"] == "cnn + texture" and validation["repeats"] == 2
    assert set(validation["options"]) == {"cnn", "cnn, 8 flips and turns", "texture", "cnn + texture"}
    for option in validation["options"].values():
        low, high = option["interval_95"]
        assert 0 <= low <= option["mean_accuracy"] <= high <= 1 and len(option["repeat_accuracies"]) == 2
        assert np.sum(option["confusion"]) == 2 * 18
    assert record["texture"]["c"] > 0 and record["texture"]["scales"] == [0.5, 0.25]


def test_the_trained_classifier_averages_its_cnn_and_its_texture_model(trained):
    model, record, data = trained
    classifier = SceneClassifier(model)
    frame = to_uint8(read_frame(next((data / "pearlite").iterdir())).pixels)
    expected = (classifier.cnn_probabilities(frame) + TextureModel(record["texture"]).probabilities(frame)) / 2
    assert np.allclose(classifier.probabilities(frame), expected)
    assert classifier.classify(frame)["label"] in record["classes"]
