"""Service settings: defaults, a preset, the TOML file (with its [pipeline] table) and the flags."""

from pathlib import Path

import pytest

from edge.live.service.config import load_config
from edge.pipeline.settings import PipelineSettings


def test_config_file_and_flags(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text('[serve]\nworkers = 3\nkeep = "oldest"\npixel_size_nm = 0.474\n')
    config = load_config(path, workers=1, queue_size=None)
    assert (config.workers, config.keep, config.pixel_size_nm, config.queue_size) == (1, "oldest", 0.474, 8)
    path.write_text("[serve]\nworkers = 3\nspeed = 11\n")
    with pytest.raises(ValueError, match="unknown setting"):
        load_config(path)
    path.write_text('[serve]\nkeep = "all"\n')
    with pytest.raises(ValueError, match="keep must be one of"):
        load_config(path)
    path.write_text('[serve]\nordered = "yes"\n')
    with pytest.raises(ValueError, match="ordered must be true or false"):
        load_config(path)
    path.write_text("[serve]\nordered = true\n")
    assert load_config(path).ordered and not load_config(path, ordered=False).ordered
    path.write_text("[serve\n")
    with pytest.raises(ValueError, match="config"):
        load_config(path)


def test_the_live_preset_sits_under_the_file_and_the_flags(tmp_path):
    assert (load_config(preset="live").queue_size, load_config(preset="live").keep) == (1, "newest")
    path = tmp_path / "edge.toml"
    path.write_text('[serve]\npreset = "live"\nkeep = "oldest"\n')
    config = load_config(path)
    assert (config.queue_size, config.keep) == (1, "oldest")
    assert load_config(path, queue_size=4).queue_size == 4
    assert load_config(path, preset="default").queue_size == 8
    path.write_text('[serve]\npreset = "fast"\n')
    with pytest.raises(ValueError, match="preset must be one of"):
        load_config(path)


def test_pipeline_settings_under_serve_are_still_read_with_a_warning(tmp_path, caplog):
    path = tmp_path / "old.toml"
    path.write_text('[serve]\nworkers = 3\npolarity = "dark"\nmodel = ""\nanalysed_scenes = ["ferrite"]\n')
    with caplog.at_level("WARNING"):
        config = load_config(path)
    assert config.workers == 3
    assert config.pipeline == PipelineSettings(polarity="dark", analysed_scenes=("ferrite",))
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and "[pipeline] table" in warnings[0] and "polarity" in warnings[0]


def test_the_pipeline_table_sits_under_the_command_line(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text('[pipeline]\npolarity = "bright"\nscreen = "none"\nmodel = "sets/mine"\n')
    config = load_config(path, pipeline={"screen": "my.onnx", "polarity": None})
    assert config.pipeline == PipelineSettings(polarity="bright", screen=Path("my.onnx"), model=Path("sets/mine"))
    path.write_text('[pipeline]\nspeed = "fast"\n')
    with pytest.raises(ValueError, match="unknown pipeline setting"):
        load_config(path)
    path.write_text('[pipeline]\nbackend = "cuda"\n')
    with pytest.raises(ValueError, match="backend must be one of"):
        load_config(path)


def test_the_service_binds_loopback_unless_told_otherwise():
    from edge.live.service.config import ServiceConfig
    from edge.live.service.sockets import reachable_from_elsewhere

    config = ServiceConfig()
    assert config.input == "bind:tcp://127.0.0.1:5555" and config.output == "bind:tcp://127.0.0.1:5556"
    exposed = ["tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://192.168.1.20:5556", "tcp://microscope-pc:5555"]
    local = ["tcp://127.0.0.1:5555", "tcp://localhost:*", "tcp://[::1]:5555", "ipc:///tmp/edge", "inproc://x"]
    assert [reachable_from_elsewhere(a) for a in exposed] == [True] * 4
    assert [reachable_from_elsewhere(a) for a in local] == [False] * 5
