"""edge evaluate's boxes: a model set's loops scored as the boxes it reports."""

import json
import shutil

import cv2

from edge.eval.scoring import evaluate_labelled
from edge.io.bundled import BUNDLED_SET, sample_frames
from edge.io.dataset import LabelledImage
from edge.pipeline.model_set import ModelSet
from edge.pipeline.settings import PipelineSettings


def test_a_set_with_an_outline_padding_scores_its_loops_measured_outlines_padded_so(tmp_path):
    for name in ("cascade.xml", "screen.onnx", "screen.json"):
        shutil.copy(BUNDLED_SET / name, tmp_path / name)
    frame, boxes = next(sample_frames())
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), frame.pixels)
    item = LabelledImage(path, boxes)
    reports = {}
    for padding in (1.0, 4.0):
        (tmp_path / "settings.json").write_text(json.dumps({"boxes": {"outline_padding": padding}}))
        assert ModelSet.load(tmp_path).outline_padding == padding
        reports[padding] = evaluate_labelled([item], PipelineSettings(model=tmp_path))
    # the same loops, found by their centres either way; boxes four times their outline overlap
    # hardly any label (only where a large label box holds a small measured outline)
    assert reports[1.0]["per_image"][0]["detected"] == reports[4.0]["per_image"][0]["detected"] > 0
    assert reports[1.0]["recall"] == reports[4.0]["recall"] > 0.5
    assert reports[1.0]["iou40"]["recall"] > 0.5 and reports[4.0]["iou40"]["recall"] < 0.05
