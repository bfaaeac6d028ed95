import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.eval.matching import match_by_centre
from edge.io.bundled import sample_frames
from edge.io.dataset import LabelledImage
from edge.pipeline.backends import load_backend, tensorrt_available
from edge.pipeline.crops import box_crops, screen_inputs
from edge.pipeline.detect import LoopDetector
from edge.pipeline.screen import DEFAULT_SCREEN, Screener, keep_screened
from edge.train.screen import ValidationImage, choose_operating_point, padded_outlines


def test_keep_screened_applies_threshold_and_keeps_one_box_per_loop():
    boxes = np.array([[0, 0, 40, 40], [2, 2, 42, 42], [100, 100, 130, 130], [200, 200, 230, 230]], float)
    probabilities = np.array([0.7, 0.9, 0.2, 0.6])
    kept, kept_probabilities = keep_screened(boxes, probabilities, 0.5)
    np.testing.assert_array_equal(kept, boxes[[1, 3]])
    np.testing.assert_array_equal(kept_probabilities, [0.9, 0.6])
    assert keep_screened(boxes, probabilities, 0.95)[0].shape == (0, 4)


def test_a_box_centred_inside_a_more_probable_one_is_a_duplicate():
    large = [0, 0, 100, 100]
    inner = [30, 30, 60, 60]  # IoU 0.09 with the large box, centre inside it
    neighbour = [100, 0, 160, 60]  # touches the large box, centre 80 px off in x (half of 100: 50)
    boxes = np.array([large, inner, neighbour], float)
    kept, _ = keep_screened(boxes, np.array([0.6, 0.8, 0.7]), 0.5)
    np.testing.assert_array_equal(kept, boxes[[1, 2]])
    kept, _ = keep_screened(boxes, np.array([0.9, 0.8, 0.7]), 0.5)
    np.testing.assert_array_equal(kept, boxes[[0, 2]])


def test_crops_are_square_and_reflect_at_the_border():
    frame = np.random.default_rng(0).integers(0, 256, (100, 100), dtype=np.uint8)
    boxes = np.array([[0, 0, 20, 10], [85, 90, 100, 100], [40, 40, 60, 60]], float)
    crops = box_crops(frame, boxes, 32)
    assert crops.shape == (3, 32, 32) and crops.dtype == np.uint8
    # the same boxes on the frame mirrored out by hand (edge pixels repeated, as BORDER_REFLECT)
    mirrored = np.pad(frame, 40, mode="symmetric")
    np.testing.assert_array_equal(crops, box_crops(mirrored, boxes + 40, 32))
    assert box_crops(frame, np.zeros((0, 4)), 32).shape == (0, 32, 32)


def test_a_small_box_is_cropped_at_the_least_side_about_its_centre_and_a_larger_one_as_before():
    frame = np.random.default_rng(1).integers(0, 256, (100, 100), dtype=np.uint8)
    small, large = np.array([[45, 40, 55, 50]], float), np.array([[30, 30, 70, 60]], float)
    # a 10 px box with a 24 px least side: the crop of the box 24 / 1.25 px about the same centre
    grown = np.array([[50 - 9.6, 45 - 9.6, 50 + 9.6, 45 + 9.6]])
    np.testing.assert_array_equal(box_crops(frame, small, 32, 24.0), box_crops(frame, grown, 32))
    assert not np.array_equal(box_crops(frame, small, 32, 24.0), box_crops(frame, small, 32))
    np.testing.assert_array_equal(box_crops(frame, large, 32, 24.0), box_crops(frame, large, 32))


def test_screen_inputs_keep_a_crops_contrast_against_its_frame():
    frame = np.random.default_rng(0).normal(100, 10, (200, 200))
    frame[90:110, 90:110] += 30  # a faint blob
    boxes = np.array([[80, 80, 120, 120], [10, 10, 50, 50]], float)
    inputs = screen_inputs(frame.clip(0, 255).astype(np.uint8), boxes, 32)
    brighter = screen_inputs((1.5 * frame - 20).clip(0, 255).astype(np.uint8), boxes, 32)
    assert inputs.shape == (2, 1, 32, 32) and inputs.dtype == np.float32
    centred = inputs - inputs.mean(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(brighter - brighter.mean(axis=(2, 3), keepdims=True), centred, atol=0.03)
    assert centred[0].std() > 2 * centred[1].std()  # the blob's crop stands out, the background's not


def test_missing_or_bad_models_and_backends_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_backend(tmp_path / "absent.onnx")
    with pytest.raises(ValueError, match="backend must be one of"):
        load_backend(DEFAULT_SCREEN, "cuda")
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="ONNX Runtime can load"):
        load_backend(tmp_path / "bad.onnx", "onnxruntime")


@pytest.mark.skipif(tensorrt_available() is None, reason="TensorRT and a GPU are present")
def test_asking_for_tensorrt_without_a_gpu_says_why():
    with pytest.raises(RuntimeError, match="cannot run here"):
        load_backend(DEFAULT_SCREEN, "tensorrt")


def test_batched_screening_equals_one_call_per_crop_and_keeps_the_loops():
    screener = Screener(backend="onnxruntime")
    detector = LoopDetector()
    labelled = matched = 0
    for frame, labels in list(sample_frames())[:2]:
        boxes, _ = detector.detect(frame.pixels)
        batched = screener.probabilities(frame.pixels, boxes)
        one_by_one = np.concatenate([screener.probabilities(frame.pixels, box[None]) for box in boxes[:40]])
        np.testing.assert_allclose(batched[:40], one_by_one, atol=1e-5)
        kept, _ = keep_screened(boxes, batched, screener.threshold)
        assert len(kept) < 0.5 * len(boxes)
        labelled += len(labels)
        matched += match_by_centre(labels, kept)
    assert matched / labelled >= 0.7  # the pipeline keeps 0.76 of the loops on the test split


@pytest.mark.skipif(tensorrt_available() is not None, reason=f"TensorRT backend not testable: {tensorrt_available()}")
def test_tensorrt_agrees_with_onnxruntime():
    reference = load_backend(DEFAULT_SCREEN, "onnxruntime")
    boxes = np.array([[10, 10, 60, 60], [300, 300, 360, 350]])
    batch = screen_inputs(next(iter(sample_frames()))[0].pixels, boxes, reference.sample_shape[-1])
    expected = reference.run(batch)
    np.testing.assert_allclose(load_backend(DEFAULT_SCREEN, "tensorrt").run(batch), expected, atol=1e-3)


def test_export_writes_float32_and_float16_models_that_agree(tmp_path):
    torch = pytest.importorskip("torch", reason="the export needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="the export needs the 'train' extra (onnx)")
    from edge.train.screen import export_onnx
    from edge.train.screen_net import ScreenNet

    torch.manual_seed(0)
    export_onnx(ScreenNet(crop_px=32), tmp_path / "s.onnx", 32)
    crops = np.random.default_rng(0).random((5, 1, 32, 32), dtype=np.float32)
    full = load_backend(tmp_path / "s.onnx", "onnxruntime")
    half = load_backend(tmp_path / "s.fp16.onnx", "onnxruntime")
    assert full._dtype == np.float32 and half._dtype == np.float16
    assert full.sample_shape == half.sample_shape == (1, 32, 32)
    np.testing.assert_allclose(half.run(crops), full.run(crops), atol=2e-3)


_NO_CROPS = np.zeros((8, 1, 32, 32), np.float32)  # choosing the operating point reads the scores, not the crops


def _validation_image(loop_support: int) -> ValidationImage:
    """One validation image: 4 labelled loops, a candidate on each (with ``loop_support``) and
    4 lone hits on background, all scored 0.9 by the CNN."""
    labels = np.array([[x, 10, x + 40, 50] for x in (0, 100, 200, 300)], float)
    background = labels + [0, 200, 0, 200]
    boxes = np.vstack([labels, background])
    support = np.array([loop_support] * 4 + [1] * 4)
    return ValidationImage(LabelledImage(Path("synthetic.png"), labels), boxes, _NO_CROPS, support, boxes)


def test_training_picks_the_largest_support_that_costs_no_f1():
    threshold, min_support, rates = choose_operating_point([_validation_image(3)], [np.full(8, 0.9)], 20.0)
    assert min_support == 3 and rates["precision"] == 1.0 and rates["recall"] == 1.0 and threshold < 0.9
    _, min_support, rates = choose_operating_point([_validation_image(1)], [np.full(8, 0.9)], 20.0)
    assert min_support == 1 and rates["recall"] == 1.0


def test_training_scores_a_kept_window_as_the_box_it_is_scored_as_and_drops_it_without_one():
    image = _validation_image(2)
    off_centre = image.boxes + [25, 0, 25, 0]  # windows 25 px off their loops: no match within 20 px
    unmeasured = image.boxes[4:] + np.nan  # the background hits' floods found no outline
    scored_as = np.vstack([image.boxes[:4], unmeasured])
    supported = np.full(8, 2)  # the background hits as supported as the loops: no support threshold drops them
    moved = ValidationImage(image.item, off_centre, _NO_CROPS, supported, scored_as)
    _, _, rates = choose_operating_point([moved], [np.full(8, 0.9)], 20.0)
    assert rates["recall"] == 1.0 and rates["precision"] == 1.0


def test_a_window_off_a_ring_is_scored_as_the_rings_outline_padded():
    frame = np.full((200, 200), 170, np.uint8)
    cv2.circle(frame, (100, 100), 30, 70, 5)
    window = np.array([[122 - 45, 55, 122 + 45, 145]], float)  # centred 22 px right of the ring's centre
    ((x0, y0, x1, y1),) = padded_outlines(frame, window, 1.1)
    assert abs((x0 + x1) / 2 - 100) < 2 and abs((y0 + y1) / 2 - 100) < 2
    assert 1.1 * 55 < x1 - x0 < 1.1 * 65  # the outline on the ring's centre line, 60 px across


def test_screener_takes_threshold_min_support_and_least_crop_from_the_record(tmp_path):
    model = tmp_path / "screen.onnx"
    shutil.copy(DEFAULT_SCREEN, model)
    model.with_suffix(".json").write_text(json.dumps({"threshold": 0.4, "min_support": 2, "min_crop_px": 24.0}))
    screener = Screener(model)
    assert (screener.threshold, screener.min_support, screener.least_crop_px) == (0.4, 2, 24.0)
    model.with_suffix(".json").write_text(json.dumps({"threshold": 0.4}))  # a record from before supports
    assert (Screener(model).min_support, Screener(model).least_crop_px) == (1, 0.0)
    assert Screener(model, threshold=0.7).threshold == 0.7


def test_screener_scores_small_boxes_on_crops_of_its_recorded_least_side(tmp_path):
    model = tmp_path / "screen.onnx"
    shutil.copy(DEFAULT_SCREEN, model)
    model.with_suffix(".json").write_text(json.dumps({"threshold": 0.4, "min_crop_px": 24.0}))
    frame, _ = next(iter(sample_frames()))
    view = frame.pixels[:256, :256]
    boxes = np.array([[100, 100, 110, 110], [40, 60, 52, 70]], float)
    screener, reference = Screener(model), load_backend(DEFAULT_SCREEN, "onnxruntime")
    expected = reference.run(screen_inputs(view, boxes, 32, 24.0)).ravel()
    np.testing.assert_allclose(screener.probabilities(view, boxes), expected, atol=1e-6)
    assert not np.allclose(expected, reference.run(screen_inputs(view, boxes, 32)).ravel(), atol=1e-3)


def test_a_float16_export_reads_the_record_of_the_model_it_was_exported_from(tmp_path):
    model = tmp_path / "screen.fp16.onnx"
    shutil.copy(DEFAULT_SCREEN.with_suffix(".fp16.onnx"), model)
    (tmp_path / "screen.json").write_text(json.dumps({"threshold": 0.45, "min_crop_px": 24.0}))
    screener = Screener(model)
    assert (screener.threshold, screener.least_crop_px) == (0.45, 24.0)
    model.with_suffix(".json").write_text(json.dumps({"threshold": 0.5}))  # its own record, where there is one
    assert (Screener(model).threshold, Screener(model).least_crop_px) == (0.5, 0.0)


def test_with_a_recall_target_training_picks_the_most_precise_point_that_reaches_it():
    image = _validation_image(1)  # loops and background equally supported: only the threshold separates them
    # loops scored 0.9, 0.8, 0.7, 0.3; background 0.6, 0.5, 0.2, 0.1
    scores = [np.array([0.9, 0.8, 0.7, 0.3, 0.6, 0.5, 0.2, 0.1])]
    threshold, _, rates = choose_operating_point([image], scores, 20.0, target_recall=0.7)
    assert rates["recall"] == 0.75 and rates["precision"] == 1.0 and 0.6 < threshold <= 0.7
    threshold, _, rates = choose_operating_point([image], scores, 20.0, target_recall=1.0)
    assert rates["recall"] == 1.0 and 0.1 < threshold <= 0.3 and rates["precision"] == 4 / 6


def test_a_recall_target_out_of_reach_gives_the_point_with_the_highest_recall():
    image = _validation_image(2)
    scores = [np.array([0.9, 0.8, 0.7, 0.01, 0.6, 0.5, 0.2, 0.1])]  # one loop below every threshold
    _, _, rates = choose_operating_point([image], scores, 20.0, target_recall=0.99)
    assert rates["recall"] == 0.75


def test_labels_an_audit_added_count_for_precision_but_not_recall():
    image = _validation_image(2)
    added = np.array([False, False, True, True])  # the last two loops were found by looking at the models' loops
    audited = ValidationImage(
        LabelledImage(image.item.image, image.item.boxes, added=added), image.boxes, _NO_CROPS, image.support,
        image.scored_as,
    )  # fmt: skip
    scores = [np.array([0.9, 0.01, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1])]  # the second loop below every threshold
    _, _, rates = choose_operating_point([audited], scores, 20.0, target_recall=0.5)
    assert rates["recall"] == 0.5 and rates["precision"] == 1.0  # 1 of 2 original labels; 3 of 3 detections right


def test_at_a_recall_target_the_largest_support_as_precise_as_the_best_is_chosen():
    threshold, min_support, rates = choose_operating_point([_validation_image(3)], [np.full(8, 0.9)], 20.0, 0.86)
    assert min_support == 3 and rates["recall"] == rates["precision"] == 1.0
