"""PipelineSettings: the one description of a pipeline, read the same from flags and files."""

import argparse
from pathlib import Path

import pytest

from edge.cli import main
from edge.cli.options import add_pipeline_options, pipeline_settings
from edge.io.bundled import sample_paths
from edge.pipeline.settings import PipelineSettings


def _parsed(*flags: str) -> PipelineSettings:
    parser = argparse.ArgumentParser()
    add_pipeline_options(parser)
    return pipeline_settings(parser.parse_args(flags))


def test_each_pipeline_setting_has_an_option_generated_from_its_field():
    assert _parsed() == PipelineSettings()
    given = _parsed("--model", "sets/a", "--screen", "none", "--backend", "onnxruntime", "--polarity", "dark",
                    "--classifier", "c.onnx", "--scenes", "ferrite, pearlite", "--follow-rounds", "1",
                    "--measure-starts", "1", "--measure-threads", "2")  # fmt: skip
    scenes = ("ferrite", "pearlite")
    assert given == PipelineSettings("onnxruntime", "dark", "none", Path("c.onnx"), scenes, Path("sets/a"), 1, 1, 2)
    assert _parsed("--screen", "my.onnx").screen == Path("my.onnx")


def test_a_wrong_value_is_refused_with_one_line(capsys):
    with pytest.raises(SystemExit):
        _parsed("--polarity", "sideways")
    assert "invalid choice: 'sideways'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="screen must be"):
        PipelineSettings(screen="my.onnx")  # a file is a Path, so "default" and "none" cannot be mistaken for one
    with pytest.raises(ValueError, match="follow_rounds must be a whole number from 0 to 10"):
        PipelineSettings.parse({"follow_rounds": "-1"})
    with pytest.raises(ValueError, match="follow_rounds: cannot read"):
        PipelineSettings.parse({"follow_rounds": "two"})
    with pytest.raises(ValueError, match=r"measure_starts must be one of \(1, 3, 5\), got 2"):
        PipelineSettings.parse({"measure_starts": "2"})
    with pytest.raises(ValueError, match="measure_threads must be a whole number from 1 to 64, got 0"):
        PipelineSettings.parse({"measure_threads": "0"})


def test_settings_travel_as_json_and_with_absolute_paths():
    settings = PipelineSettings(screen=Path("s.onnx"), model=Path("sets/a"))
    assert settings.as_json() == {"backend": "auto", "polarity": "auto", "screen": "s.onnx", "classifier": None,
                                  "analysed_scenes": [], "model": "sets/a", "follow_rounds": 3,
                                  "measure_starts": 5, "measure_threads": 1}  # fmt: skip
    absolute = settings.with_absolute_paths()
    assert absolute.model == Path("sets/a").resolve() and absolute.screen.is_absolute()
    assert PipelineSettings().with_absolute_paths() == PipelineSettings()


def test_a_missing_model_set_fails_in_one_line(tmp_path, capsys):
    image = sample_paths()[0]
    assert main(["analyse", str(image), "--model", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "nowhere: no such folder" in error
