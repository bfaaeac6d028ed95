"""edge train classify end to end at a tiny size: nested cross-validation, the record, and a
classifier that averages its CNN and its texture model."""

import json

import numpy as np
import pytest

from edge.cli import main
from edge.io.images import read_frame, to_uint8
from edge.pipeline.scene import SceneClassifier
from edge.pipeline.texture import TextureModel


@pytest.fixture(scope="module")
def trained(tmp_path_factory, uhcs_subset):
    pytest.importorskip("torch", reason="training the classifier needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="exporting the classifier needs the 'train' extra (onnx)")
    folder = tmp_path_factory.mktemp("scenes")
    uhcs_subset(folder / "data", 6)
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
    assert classifier.classify(frame).label in record["classes"]


@pytest.fixture(scope="module")
def trained_with_fold_models(tmp_path_factory, trained):
    _, _, data = trained
    out = tmp_path_factory.mktemp("fold_models") / "model.onnx"
    arguments = ["train", "classify", "--data", str(data), "--out", str(out), "--folds", "2", "--members", "2"]
    arguments += ["--sizes", "32", "--epochs-per-size", "1", "--width", "4", "--batch", "8"]
    assert main(arguments) == 0
    return out, json.loads(out.with_suffix(".json").read_text())


def test_with_fold_models_the_record_scores_one_fold_model_beside_their_mean(trained_with_fold_models):
    _, record = trained_with_fold_models
    validation = record["cross_validation"]
    assert record["parameters"]["members"] == 2 and validation["clean_estimate"] == "cnn + texture"
    assert set(validation["options"]) == {"cnn", "cnn, one fold model", "texture", "cnn + texture"}
    assert all(np.sum(option["confusion"]) == 18 for option in validation["options"].values())


def test_the_exported_fold_models_give_the_mean_of_their_probabilities(tmp_path):
    import onnxruntime

    torch = pytest.importorskip("torch", reason="the fold models are PyTorch networks (the 'train' extra)")
    pytest.importorskip("onnx", reason="exporting them needs the 'train' extra (onnx)")

    from edge.train.scene_net import MeanOfNets, SceneNet
    from edge.train.scenes import export_classifier

    torch.manual_seed(0)
    nets = [SceneNet(3, width=4).eval() for _ in range(3)]
    export_classifier(MeanOfNets(nets), tmp_path / "mean.onnx")
    tiles = torch.rand(5, 1, 128, 128)
    with torch.no_grad():
        expected = torch.stack([net(tiles) for net in nets]).mean(dim=0).numpy()
        first_alone = nets[0](tiles).numpy()
    assert not np.allclose(expected, first_alone, atol=1e-3)
    session = onnxruntime.InferenceSession(str(tmp_path / "mean.onnx"), providers=["CPUExecutionProvider"])
    assert np.allclose(session.run(None, {"frames": tiles.numpy()})[0], expected, atol=1e-5)


def test_a_classifier_with_a_coarse_view_averages_the_two_views_tile_means(trained, tmp_path):
    from edge.pipeline.tiling import scaled, tiles

    _, _, data = trained
    out = tmp_path / "model.onnx"
    arguments = ["train", "classify", "--data", str(data), "--out", str(out), "--coarse-scale", "0.25"]
    arguments += ["--sizes", "32", "--epochs-per-size", "1", "--width", "4", "--batch", "8"]
    assert main(arguments) == 0
    classifier = SceneClassifier(out)
    frame = to_uint8(read_frame(next((data / "spheroidite").iterdir())).pixels)
    fine, coarse = (tiles(scaled(frame, scale), 128, 64)[:, None].astype(np.float32) / 255 for scale in (0.5, 0.25))
    expected = (classifier.backend.run(fine).mean(axis=0) + classifier.backend.run(coarse).mean(axis=0)) / 2
    assert json.loads(out.with_suffix(".json").read_text())["input"]["coarse_scale"] == 0.25
    assert np.allclose(classifier.cnn_probabilities(frame), expected, atol=1e-6)
