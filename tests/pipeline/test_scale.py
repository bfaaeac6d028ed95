"""Frames brought to the pixel size the models were trained at (edge.pipeline.scale)."""

import json
import shutil
from pathlib import Path

import cv2
import pytest

from edge.eval.matching import count_matches, pooled
from edge.io.bundled import BUNDLED_SET, sample_frames
from edge.pipeline.measure import outline_boxes
from edge.pipeline.model_set import ModelSet
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.scale import MAX_ZOOM, zoom_to_models
from edge.pipeline.settings import PipelineSettings

SAMPLE_PIXEL_SIZE_NM = 0.474  # the li2018 study's, for its 300kx frames: stated for this copy of the set


@pytest.mark.parametrize(
    ("frame_nm", "models_nm", "zoom"),
    [(1.0, 0.5, 2.0), (0.25, 0.5, 0.5), (None, 0.5, 1.0), (1.0, None, 1.0), (0.51, 0.5, 1.0), (100.0, 0.5, MAX_ZOOM)],
)
def test_the_zoom_is_the_frames_pixel_size_over_the_models_within_limits(frame_nm, models_nm, zoom):
    assert zoom_to_models(frame_nm, models_nm) == pytest.approx(zoom)


@pytest.fixture(scope="module")
def set_with_a_pixel_size(tmp_path_factory) -> Path:
    """The bundled model set, its settings stating the pixel size its frames are taken to have."""
    folder = tmp_path_factory.mktemp("models")
    for name in ("cascade.xml", "screen.onnx", "screen.json"):
        shutil.copy(BUNDLED_SET / name, folder / name)
    settings = json.loads((BUNDLED_SET / "settings.json").read_text())
    (folder / "settings.json").write_text(json.dumps({**settings, "frames": {"pixel_size_nm": SAMPLE_PIXEL_SIZE_NM}}))
    return folder


def test_a_set_reads_the_pixel_size_its_frames_had_and_the_bundled_one_has_none(set_with_a_pixel_size):
    assert ModelSet.load(set_with_a_pixel_size).pixel_size_nm == SAMPLE_PIXEL_SIZE_NM
    assert ModelSet.load().pixel_size_nm is None  # li2018's frames span 20kx to 500kx


def test_loops_in_frames_of_half_the_resolution_are_found_when_their_pixel_size_is_known(set_with_a_pixel_size):
    pipeline = Pipeline.from_settings(PipelineSettings(model=set_with_a_pixel_size))
    told, not_told = [], []
    for frame, boxes in list(sample_frames())[:2]:
        halved = cv2.resize(frame.pixels, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        for counts, pixel_size in ((told, 2 * SAMPLE_PIXEL_SIZE_NM), (not_told, None)):
            result = pipeline.analyse(halved, pixel_size)
            assert result.pixel_size_nm == pixel_size
            found = outline_boxes(result.defects, 1.101)
            assert len(found) == 0 or (found.min() >= -5 and found.max() <= 512 + 5)  # the halved frame's pixels
            counts.append(count_matches(boxes / 2, found, "one-to-one", 10.0))
    recall_told, recall_not_told = pooled(told).recall, pooled(not_told).recall
    assert recall_told >= 0.75 and recall_told >= recall_not_told + 0.1, (recall_told, recall_not_told)
