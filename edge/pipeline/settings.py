"""What a pipeline is built from, as one value that can travel: to a thread, a Dask worker, a
record. Each process builds and warms a pipeline once per settings (``loaded``)."""

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from edge.pipeline.polarity import POLARITIES

if TYPE_CHECKING:  # the pipeline's modules load models and kernels: imported when one is built
    from edge.pipeline.pipeline import Pipeline

_loaded: dict["PipelineSettings", "Pipeline"] = {}
_loading = threading.Lock()


@dataclass(frozen=True)
class PipelineSettings:
    """The arguments of ``Pipeline.default``.

    Attributes
    ----------
    backend : str
        CNN inference: "auto", "onnxruntime" or "tensorrt".
    polarity : str
        Loop contrast: "auto", "dark" or "bright".
    screen : str
        "default" (the bundled screening CNN), an ONNX file, or "none".
    classifier : str
        A scene classifier ONNX file; "" for none.
    analysed_scenes : tuple of str
        The scene labels whose frames get defect analysis; () for every frame.
    model : str
        A model-set folder (``edge.pipeline.model_set``); "" for the bundled li2018 set.
    """

    backend: str = "auto"
    polarity: str = "auto"
    screen: str = "default"
    classifier: str = ""
    analysed_scenes: tuple[str, ...] = ()
    model: str = ""

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")

    def with_absolute_paths(self) -> "PipelineSettings":
        """These settings with the model set, screen and classifier files as absolute paths, so
        that processes with other working directories (Dask workers) find them."""

        def absolute(path: str) -> str:
            return str(Path(path).resolve()) if path else ""

        screen = self.screen if self.screen in ("default", "none") else absolute(self.screen)
        return replace(self, screen=screen, classifier=absolute(self.classifier), model=absolute(self.model))

    def build(self) -> "Pipeline":
        """A new pipeline with these settings (models loaded, kernels not yet warmed)."""
        from edge.pipeline.pipeline import Pipeline

        scenes = frozenset(self.analysed_scenes) if self.analysed_scenes else None
        return Pipeline.default(
            self.backend, self.polarity, self.screen, self.classifier or None, scenes, self.model or None
        )


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
    with _loading:
        if settings not in _loaded:
            pipeline = settings.build()
            pipeline.warm_up()
            _loaded[settings] = pipeline
        return _loaded[settings]
