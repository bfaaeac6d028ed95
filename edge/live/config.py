"""Service settings: defaults, a TOML file, then command-line flags, in that order."""

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from edge.pipeline.backends import BACKENDS
from edge.pipeline.polarity import POLARITIES
from edge.pipeline.settings import PipelineSettings

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
INPUT_FORMATS = ("edge", "dectris", "adzmq")  # edge.live.connection.make_decoder builds each
RECORD_FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``edge serve`` can be told; deploy/edge.toml documents each entry."""

    input: str = "bind:tcp://*:5555"
    output: str = "bind:tcp://*:5556"
    input_socket: str = "pull"
    input_format: str = "edge"
    input_channel: str = ""
    input_series: str = "adzmq"
    workers: int = 2
    queue_size: int = 8
    keep: str = "newest"
    drain_on_stop: bool = True
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
    polarity: str = "auto"
    backend: str = "auto"
    screen: str = "default"
    classifier: str = ""
    analysed_scenes: tuple[str, ...] = ()
    model: str = ""
    dask: str = ""
    dask_retries: int = 3
    dask_in_flight: int = 0
    dask_timeout_s: float = 30.0
    record: str = ""
    record_format: str = "parquet"

    @property
    def pipeline_settings(self) -> PipelineSettings:
        settings = PipelineSettings(
            self.backend, self.polarity, self.screen, self.classifier, self.analysed_scenes, self.model
        )
        return settings.with_absolute_paths()  # Dask workers have working directories of their own

    def __post_init__(self):
        _one_of("input_socket", self.input_socket, INPUT_SOCKETS)
        _one_of("input_format", self.input_format, INPUT_FORMATS)
        _one_of("keep", self.keep, KEEP_POLICIES)
        _one_of("polarity", self.polarity, POLARITIES)
        _one_of("backend", self.backend, BACKENDS)
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
        if not self.heartbeat_s > 0:
            raise ValueError(f"config: heartbeat_s must be positive, got {self.heartbeat_s!r}")
        if self.pixel_size_nm is not None and not self.pixel_size_nm > 0:
            raise ValueError(f"config: pixel_size_nm must be positive, got {self.pixel_size_nm!r}")


def load_config(path: str | Path | None = None, preset: str | None = None, **overrides) -> ServiceConfig:
    """Defaults, updated by the ``preset`` (a key of ``PRESETS``; else the file's ``preset``
    entry), then by the TOML file at ``path`` (a ``[serve]`` table or top-level keys), then by
    the ``overrides`` that are not None."""
    values: dict = {}
    if path is not None:
        try:
            document = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"config {path}: {error}") from error
        values = dict(document.get("serve", document))
        known = {f.name for f in fields(ServiceConfig)} | {"preset"}
        unknown = sorted(set(values) - known)
        if unknown:
            known_list = ", ".join(sorted(known))
            raise ValueError(f"config {path}: unknown setting(s) {', '.join(unknown)} (known: {known_list})")
    preset = preset or values.pop("preset", "default")
    values.pop("preset", None)
    if preset not in PRESETS:
        raise ValueError(f"config: preset must be one of {tuple(PRESETS)}, got {preset!r}")
    if "analysed_scenes" in values:
        values = {**values, "analysed_scenes": tuple(values["analysed_scenes"])}
    config = ServiceConfig(**{**PRESETS[preset], **values})
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"config: {name} must be one of {allowed}, got {value!r}")
