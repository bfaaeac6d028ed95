import tomllib
from dataclasses import fields
from pathlib import Path

from edge.live.service.config import ServiceConfig, load_config
from edge.pipeline.settings import PipelineSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_deployed_config_loads_and_sets_every_setting_to_its_default():
    written = tomllib.loads((DEPLOY / "edge.toml").read_text())
    # None: left out
    assert {f.name for f in fields(ServiceConfig)} == set(written["serve"]) | {"pixel_size_nm", "pipeline"}
    assert {f.name for f in fields(PipelineSettings)} == set(written["pipeline"]) | {"model", "classifier"}
    config = load_config(DEPLOY / "edge.toml")
    defaults = ServiceConfig(input=config.input, output=config.output)
    assert config == defaults
