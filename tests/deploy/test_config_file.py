import tomllib
from dataclasses import fields
from pathlib import Path

from edge.live.config import ServiceConfig, load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_deployed_config_loads_and_sets_every_setting_to_its_default():
    written = tomllib.loads((DEPLOY / "edge.toml").read_text())
    settings = written.get("serve", written)
    assert {f.name for f in fields(ServiceConfig)} == set(settings) | {"pixel_size_nm"}  # None: left out
    config = load_config(DEPLOY / "edge.toml")
    defaults = ServiceConfig(input=config.input, output=config.output)
    assert config == defaults
