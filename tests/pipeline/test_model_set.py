"""Model sets: the cascade, the screen and their settings, loaded as one folder."""

import json
import shutil

import pytest

from edge.io.bundled import BUNDLED_SET, sample_frames
from edge.pipeline.detect import DetectorSettings
from edge.pipeline.model_set import ModelSet, ModelSetError
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings


def test_the_bundled_set_is_the_default_with_li2018s_settings():
    models = ModelSet.load()
    assert models.folder == BUNDLED_SET and models.has_screen
    assert models.detector == DetectorSettings()
    assert (models.crop_px, models.centre_tolerance_px) == (32, 20.0)
    assert models.loop_polarity == "dark"


def test_a_set_is_analysed_with_its_own_detector_settings(tmp_path):
    shutil.copy(BUNDLED_SET / "cascade.xml", tmp_path / "cascade.xml")
    (tmp_path / "settings.json").write_text(json.dumps({"detector": {"min_size_px": 60, "max_size_px": 90}}))
    pipeline = Pipeline.from_settings(PipelineSettings(screen="none", model=tmp_path))
    assert (pipeline.detector.settings.min_size_px, pipeline.detector.settings.max_size_px) == (60, 90)
    frame, _ = next(sample_frames())
    boxes, _ = pipeline.candidates(frame.pixels)
    sides = boxes[:, 2] - boxes[:, 0]
    assert len(boxes) and sides.min() >= 60 and sides.max() < 90 * 1.3


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no cascade.xml"),
        ({"cascade.xml": None, "settings.json": "{oops"}, "not JSON"),
        ({"cascade.xml": None, "settings.json": '{"detector": {"window": 3}}'}, r"unknown detector settings"),
        ({"cascade.xml": None, "settings.json": '{"boxes": {"outline_padding": -1}}'}, r"outline_padding: 0.5 to 4.0"),
        ({"cascade.xml": None, "settings.json": '{"boxes": [1.2]}'}, r"'boxes' must be a table"),
        ({"cascade.xml": None, "settings.json": '{"detector": {"min_size_px": "24"}}'}, r"whole pixels"),
        ({"cascade.xml": None, "settings.json": '{"frames": {"pixel_size_nm": 0}}'}, r"pixel_size_nm must be > 0"),
        ({"cascade.xml": None, "settings.json": '{"frames": {"loop_polarity": "grey"}}'}, r"loop_polarity: one of"),
    ],
)
def test_a_broken_set_is_refused_with_the_reason(tmp_path, files, message):
    for name, text in files.items():
        if text is None:
            shutil.copy(BUNDLED_SET / name, tmp_path / name)
        else:
            (tmp_path / name).write_text(text)
    with pytest.raises(ModelSetError, match=message):
        ModelSet.load(tmp_path)


def test_a_missing_folder_and_a_set_without_a_screen_say_what_to_do(tmp_path):
    with pytest.raises(ModelSetError, match="no such folder"):
        ModelSet.load(tmp_path / "absent")
    shutil.copy(BUNDLED_SET / "cascade.xml", tmp_path / "cascade.xml")
    with pytest.raises(ModelSetError, match=r"no screen.onnx: train one .* \(--screen none\)"):
        Pipeline.from_settings(PipelineSettings(model=tmp_path))
