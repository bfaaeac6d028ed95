"""Live defect analysis for electron-microscope frames.

The public API for notebooks and integrators::

    from edge import Pipeline, read_frame

    frame = read_frame("scan.dm4")
    result = Pipeline.from_settings().analyse(frame.pixels, pixel_size_nm=frame.pixel_size_nm)
    print(result.stats.count, result.stats.mean_diameter_nm)

The names are imported on first use, so that ``import edge`` (and ``edge --help``) needs
neither Numba nor a model.
"""

import importlib

__version__ = "0.1.0"
__all__ = ["Defect", "Frame", "FrameResult", "Pipeline", "PipelineSettings", "read_frame"]

_HOMES = {
    "Defect": "edge.pipeline.measure",
    "Frame": "edge.io.images",
    "FrameResult": "edge.pipeline.result",
    "Pipeline": "edge.pipeline.pipeline",
    "PipelineSettings": "edge.pipeline.settings",
    "read_frame": "edge.io.images",
}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'edge' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
