"""What a pipeline is built from: the one description of a pipeline, as a value that can travel
to a thread, a Dask worker, a record or a config file. The command line's pipeline options and
the ``[pipeline]`` table of ``edge serve``'s TOML are read through ``PipelineSettings.parse``.
Each process builds and warms a pipeline once per settings (``loaded``)."""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from edge.pipeline.backends import BACKENDS
from edge.pipeline.polarity import POLARITIES, Polarity

FOLLOW_ROUNDS = 3  # the default; edge.pipeline.measure's kernels load only when a pipeline is built
MEASURE_STARTS = 5  # the default number of windows each loop is measured from (edge.pipeline.measure)
MAX_THREADS = 64  # the most threads a frame's loops are measured on
STARTS = (1, 3, 5)


def check_starts(value: object, name: str) -> None:
    """``ValueError`` unless ``value`` (the setting ``name``) is one of ``STARTS``, as a whole number."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in STARTS:
        raise ValueError(f"{name} must be one of {STARTS}, got {value!r}")


def check_threads(value: object, name: str) -> None:
    """``ValueError`` unless ``value`` (the setting ``name``) is a whole number from 1 to ``MAX_THREADS``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_THREADS:
        raise ValueError(f"{name} must be a whole number from 1 to {MAX_THREADS}, got {value!r}")


if TYPE_CHECKING:  # the pipeline's modules load models and kernels: imported when one is built
    from edge.pipeline.pipeline import Pipeline

Backend = Literal["auto", "onnxruntime", "tensorrt"]
ScreenChoice = Literal["default", "none"] | Path
"""The screening CNN: "default" (the model set's), "none" (every cascade candidate), or an ONNX file."""

_loaded: dict["PipelineSettings", "Pipeline"] = {}
_loading = threading.Lock()


def _screen_from_text(text: str) -> ScreenChoice:
    return text if text in ("default", "none") else Path(text)


def _optional_path(text: str) -> Path | None:
    return Path(text) if text else None  # "" is how older config files said "none"


def _scenes_from_text(text: str | list[str]) -> tuple[str, ...]:
    names = text.split(",") if isinstance(text, str) else text
    return tuple(name.strip() for name in names if name.strip())


def _option(flag: str, help: str, parse: Callable[[Any], Any], metavar: str | None = None, choices=None) -> dict:
    """A field's metadata: how its command-line option and config entry are spelled and read."""
    return {"flag": flag, "help": help, "parse": parse, "metavar": metavar, "choices": choices}


@dataclass(frozen=True)
class PipelineSettings:
    """Everything that decides how a frame is analysed.

    Attributes
    ----------
    backend : "auto", "onnxruntime" or "tensorrt"
        CNN inference; "auto" takes TensorRT where a GPU and TensorRT are present.
    polarity : "auto", "dark" or "bright"
        Loop contrast: dark (bright-field TEM), bright (HAADF STEM), or decided per frame. A
        frame whose loops are of the other contrast than the model set's training loops is shown
        to the detector and the screen inverted; with "auto", a screen and a set of known contrast,
        the frame is scanned both ways up, and shown inverted where that way's screened candidates
        score twice as much in total (``edge.pipeline.orientation``). The measurement goes the way
        most of the frame's boxes do (each box's own on an even split).
    screen : "default", "none" or Path
        The screening CNN: the model set's, none (every cascade candidate is a loop), or this ONNX file.
    classifier : Path or None
        A scene classifier ONNX file: each frame also gets its scene; None for none.
    analysed_scenes : tuple of str
        The scene labels whose frames get defect analysis; () for every frame.
    model : Path or None
        A model-set folder (cascade.xml, screen.onnx, settings.json; ``edge.pipeline.model_set``);
        None for the bundled li2018 set.
    follow_rounds : int
        Module III measures each loop again, up to this many times, in a crop centred and sized
        on the outline it found, so that its size does not depend on where the detector's box
        fell; 0 measures in the detector's box alone (the measuring stage 3-4x faster; ``edge.pipeline.measure``).
    measure_starts : 1, 3 or 5
        Module III measures each loop from up to this many windows and keeps the median size:
        the detector's box and that box grown by 1.19x, and where those two differ by over 1 %,
        that box shrunk by 1.19x (3), and also scaled by 0.7 and 1.4 (5). On faint, blurred blobs
        the outline followed from one window can differ from another's; 1, the detector's box
        alone (the measuring stage about 2x faster than with 3).
    measure_threads : int
        Module III measures a frame's loops on this many threads (1 to ``MAX_THREADS``, 64). Its
        floods, rays and OpenCV calls release Python's lock, so on a machine with cores to spare a
        frame is measured sooner; the results are the same on any number of threads.
    """

    backend: Backend = field(
        default="auto",
        metadata=_option(
            "--backend",
            "CNN inference: auto takes TensorRT where a GPU and TensorRT are present, else ONNX Runtime",
            str,
            choices=BACKENDS,
        ),
    )
    polarity: Polarity = field(
        default="auto",
        metadata=_option("--polarity", "loop contrast (default: auto)", str, choices=POLARITIES),
    )
    screen: ScreenChoice = field(
        default="default",
        metadata=_option(
            "--screen",
            "screening CNN: the model set's (default), an ONNX file, or 'none' to keep every cascade candidate",
            _screen_from_text,
            "ONNX|none",
        ),
    )
    classifier: Path | None = field(
        default=None,
        metadata=_option("--classifier", "scene classifier ONNX: each frame gets a scene label", _optional_path),
    )
    analysed_scenes: tuple[str, ...] = field(
        default=(),
        metadata=_option(
            "--scenes",
            "comma-separated scene labels whose frames get defect analysis (default: all frames)",
            _scenes_from_text,
        ),
    )

    model: Path | None = field(
        default=None,
        metadata=_option(
            "--model",
            "model set folder: cascade.xml, screen.onnx, settings.json (default: the bundled li2018 set)",
            _optional_path,
            "DIR",
        ),
    )

    follow_rounds: int = field(
        default=FOLLOW_ROUNDS,
        metadata=_option(
            "--follow-rounds",
            f"measure each loop again up to N times in a crop about its outline (default: {FOLLOW_ROUNDS}; "
            "0: in the detector's box alone, faster, its size then depends on the box)",
            int,
            "N",
        ),
    )

    measure_starts: int = field(
        default=MEASURE_STARTS,
        metadata=_option(
            "--measure-starts",
            f"measure each loop from up to N (1, 3 or 5) windows, keeping the median size: the detector's box "
            f"and it grown by 1.19x, and where those differ, it shrunk by 1.19x (3; 5 also scales it by 0.7 and "
            f"1.4) (default: {MEASURE_STARTS}; 1: the detector's box alone, faster)",
            int,
            "N",
        ),
    )

    measure_threads: int = field(
        default=1,
        metadata=_option(
            "--measure-threads",
            f"measure a frame's loops on N threads, 1 to {MAX_THREADS} (default: 1); the same results on any number, "
            "sooner where cores are spare (the service's --workers already analyse frames side by side)",
            int,
            "N",
        ),
    )

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")
        if not (isinstance(self.follow_rounds, int) and 0 <= self.follow_rounds <= 10):
            raise ValueError(f"follow_rounds must be a whole number from 0 to 10, got {self.follow_rounds!r}")
        check_starts(self.measure_starts, "measure_starts")
        check_threads(self.measure_threads, "measure_threads")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if not (self.screen in ("default", "none") or isinstance(self.screen, Path)):
            raise ValueError(f"screen must be 'default', 'none' or a path, got {self.screen!r}")
        for name in ("model", "classifier"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), Path):
                raise ValueError(f"{name} must be a path or None, got {getattr(self, name)!r}")
        if not isinstance(self.analysed_scenes, tuple):
            raise ValueError(f"analysed_scenes must be a tuple of labels, got {self.analysed_scenes!r}")

    @classmethod
    def parse(cls, values: Mapping[str, Any], base: "PipelineSettings | None" = None) -> "PipelineSettings":
        """``base`` (default: the defaults) with the entries of ``values`` (field name to the
        text of a command-line option or a config file's value) read as each field reads them.

        Raises ``ValueError`` naming an unknown entry."""
        known = {item.name: item for item in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown pipeline setting(s) {', '.join(unknown)} (known: {', '.join(known)})")
        parsed = {}
        for name, value in values.items():
            try:
                parsed[name] = known[name].metadata["parse"](value)
            except (TypeError, AttributeError, ValueError) as error:
                raise ValueError(f"pipeline setting {name}: cannot read {value!r} ({error})") from error
        return replace(base or cls(), **parsed)

    def with_absolute_paths(self) -> "PipelineSettings":
        """These settings with the model set, screen and classifier files as absolute paths, so
        that processes with other working directories (Dask workers) find them."""

        def absolute(path):
            return path.resolve() if isinstance(path, Path) else path

        return replace(
            self, model=absolute(self.model), screen=absolute(self.screen), classifier=absolute(self.classifier)
        )

    def as_json(self) -> dict:
        """The settings as JSON values: paths as text, None where there is none."""
        return {
            item.name: str(value) if isinstance(value, Path) else list(value) if isinstance(value, tuple) else value
            for item in fields(self)
            for value in [getattr(self, item.name)]
        }


def warm_on_this_thread(settings: PipelineSettings) -> None:
    """This process's pipeline for ``settings``, built and warmed here, or, if another thread
    built it, warmed again on this one (OpenCV and ONNX Runtime grow some buffers per thread)."""
    with _loading:
        built = settings in _loaded
    pipeline = loaded(settings)
    if built:
        pipeline.warm_up()


def loaded(settings: PipelineSettings) -> "Pipeline":
    """This process's pipeline for ``settings``, built and warmed up on first use (so the first
    frame it analyses pays for no loading or compiling); safe to call from any thread."""
    from edge.pipeline.pipeline import Pipeline

    with _loading:
        if settings not in _loaded:
            pipeline = Pipeline.from_settings(settings)
            pipeline.warm_up()
            _loaded[settings] = pipeline
        return _loaded[settings]
