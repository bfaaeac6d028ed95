"""Service settings: defaults, a TOML file, then command-line flags, in that order."""

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from edge.live.inputs import INPUT_FORMATS
from edge.pipeline.settings import PipelineSettings
from edge.track.settings import TrackSettings

log = logging.getLogger(__name__)

KEEP_POLICIES = ("newest", "oldest")
# Named sets of settings, applied before the config file's own entries and the flags.
PRESETS = {
    "default": {},
    # a live view: the newest frame within about a frame's time; under overload all but one
    # waiting frame are dropped (counted), where the default queue of 8 keeps up to 8 frames'
    # time of latency to drop fewer
    "live": {"queue_size": 1, "keep": "newest"},
}
INPUT_SOCKETS = ("pull", "sub")
RECORD_FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``edge serve`` can be told; deploy/edge.toml documents each entry."""

    input: str = "bind:tcp://127.0.0.1:5555"  # loopback unless told otherwise (deploy/edge.toml: every interface)
    output: str = "bind:tcp://127.0.0.1:5556"
    input_socket: str = "pull"
    input_format: str = "edge"
    input_channel: str = ""
    input_series: str = "adzmq"
    workers: int = 2
    queue_size: int = 8
    keep: str = "newest"
    drain_on_stop: bool = True
    ordered: bool = False
    track: bool = False
    track_search_px: float = 20.0
    track_memory: int = 2
    track_max_open: int = 5000
    track_history: int = 200
    summary_every: int = 10
    max_series: int = 1024
    heartbeat_s: float = 1.0
    preview_per_s: float = 2.0
    preview_max_side: int = 512
    viewer: str = ""
    max_frame_bytes: int = 256 * 1024 * 1024
    receive_high_water_mark: int = 16
    send_high_water_mark: int = 10_000
    linger_s: float = 1.0
    pixel_size_nm: float | None = None
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    dask: str = ""
    dask_retries: int = 3
    dask_in_flight: int = 0
    dask_timeout_s: float = 30.0
    record: str = ""
    record_format: str = "parquet"

    def __post_init__(self):
        _one_of("input_socket", self.input_socket, INPUT_SOCKETS)
        _one_of("input_format", self.input_format, INPUT_FORMATS)
        _one_of("keep", self.keep, KEEP_POLICIES)
        if not isinstance(self.pipeline, PipelineSettings):
            raise ValueError(f"config: pipeline must be PipelineSettings, got {self.pipeline!r}")
        _one_of("record_format", self.record_format, RECORD_FORMATS)
        if self.dask:
            from edge.cluster.connect import check_address

            check_address(self.dask)
        for name in ("dask_retries", "dask_in_flight"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ValueError(f"config: {name} must be an integer >= 0, got {getattr(self, name)!r}")
        if not (isinstance(self.dask_timeout_s, int | float) and 0 < self.dask_timeout_s < float("inf")):
            raise ValueError(f"config: dask_timeout_s must be a finite number > 0, got {self.dask_timeout_s!r}")
        positive = (
            "workers",
            "queue_size",
            "summary_every",
            "max_series",
            "max_frame_bytes",
            "receive_high_water_mark",
            "send_high_water_mark",
            "preview_max_side",
        )
        for name in positive:
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"config: {name} must be a positive integer, got {getattr(self, name)!r}")
        if not (isinstance(self.linger_s, int | float) and 0 <= self.linger_s < float("inf")):
            raise ValueError(f"config: linger_s must be a finite number >= 0, got {self.linger_s!r}")
        if not (isinstance(self.preview_per_s, int | float) and 0 <= self.preview_per_s < float("inf")):
            raise ValueError(
                f"config: preview_per_s must be a finite number >= 0 (0: none), got {self.preview_per_s!r}"
            )
        for name in ("drain_on_stop", "ordered", "track"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"config: {name} must be true or false, got {getattr(self, name)!r}")
        if not self.heartbeat_s > 0:
            raise ValueError(f"config: heartbeat_s must be positive, got {self.heartbeat_s!r}")
        if self.pixel_size_nm is not None and not self.pixel_size_nm > 0:
            raise ValueError(f"config: pixel_size_nm must be positive, got {self.pixel_size_nm!r}")
        try:
            self.track_settings()
        except ValueError as error:
            raise ValueError(f"config: {error}") from error

    def track_settings(self) -> TrackSettings:
        """How each series' loops are linked from frame to frame, where ``track`` is set."""
        return TrackSettings(self.track_search_px, self.track_memory, self.track_max_open, self.track_history)


def load_config(
    path: str | Path | None = None,
    preset: str | None = None,
    pipeline: Mapping[str, Any] | None = None,
    **overrides,
) -> ServiceConfig:
    """Defaults, updated by the ``preset`` (a key of ``PRESETS``; else the file's ``preset``
    entry), then by the TOML file at ``path`` (a ``[serve]`` table or top-level keys, and a
    ``[pipeline]`` table read by ``PipelineSettings.parse``), then by the ``overrides`` and the
    ``pipeline`` entries (as the command line gives them) that are not None.

    Pipeline settings among the ``[serve]`` entries, where files before the ``[pipeline]`` table
    put them, are still read, with a warning saying where they now go."""
    values: dict = {}
    pipeline_values: dict = {}
    if path is not None:
        try:
            document = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"config {path}: {error}") from error
        pipeline_values = dict(document.get("pipeline", {}))
        values = dict(document.get("serve", {k: v for k, v in document.items() if k != "pipeline"}))
        flat = {item.name for item in fields(PipelineSettings)} & set(values)
        if flat:
            log.warning("config %s: %s belong in a [pipeline] table now; read from [serve] this time",
                        path, ", ".join(sorted(flat)))  # fmt: skip
            pipeline_values = {**{name: values.pop(name) for name in flat}, **pipeline_values}
        known = {f.name for f in fields(ServiceConfig)} - {"pipeline"} | {"preset"}
        unknown = sorted(set(values) - known)
        if unknown:
            known_list = ", ".join(sorted(known))
            raise ValueError(f"config {path}: unknown setting(s) {', '.join(unknown)} (known: {known_list})")
    preset = preset or values.pop("preset", "default")
    values.pop("preset", None)
    if preset not in PRESETS:
        raise ValueError(f"config: preset must be one of {tuple(PRESETS)}, got {preset!r}")
    try:
        settings = PipelineSettings.parse(pipeline_values)
        settings = PipelineSettings.parse({k: v for k, v in (pipeline or {}).items() if v is not None}, settings)
    except ValueError as error:
        raise ValueError(f"config: {error}") from error
    config = ServiceConfig(**{**PRESETS[preset], **values}, pipeline=settings)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"config: {name} must be one of {allowed}, got {value!r}")
