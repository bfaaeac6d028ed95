"""Inference backends for the CNNs: one small interface, ONNX Runtime (CPU) and TensorRT (GPU)."""

import json
import logging
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnxruntime", "tensorrt")
FP16_SUFFIX = ".fp16"  # a float16 export beside its model: model.fp16.onnx for model.onnx
DEFAULT_BATCHES = (256, 1024)  # a frame's screening candidates: a few hundred, at most about a thousand


class InferenceBackend(Protocol):
    """Runs a model with one input and one output on a whole batch at once."""

    name: str
    sample_shape: tuple[int, ...]  # one input, without the batch axis

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Outputs for a float32 batch ``(N, ...)``, in one call."""
        ...


def tensorrt_available() -> str | None:
    """None when TensorRT and a CUDA GPU can be used here, else the reason why not."""
    try:
        import tensorrt  # noqa: F401
        from cuda.bindings import runtime as cudart
    except ImportError as error:
        return f"TensorRT or cuda-python is not installed ({error.name})"
    status, count = cudart.cudaGetDeviceCount()
    if status != cudart.cudaError_t.cudaSuccess or count == 0:
        return "no CUDA GPU is present"
    return None


def batch_profile(model: str | Path) -> tuple[int, int]:
    """The batch sizes a GPU engine of ``model`` is optimised for and built up to: its record's
    ``batch_profile`` (``{"optimal": N, "largest": M}``; a scene classifier's tiles of a frame)
    where it has one, else ``DEFAULT_BATCHES`` (a frame's screening candidates)."""
    record = Path(model).with_suffix(".json")
    if not record.is_file():
        return DEFAULT_BATCHES
    try:
        profile = json.loads(record.read_text()).get("batch_profile")
    except (OSError, json.JSONDecodeError):
        return DEFAULT_BATCHES  # load_model reports an unreadable record
    if profile is None:
        return DEFAULT_BATCHES
    optimal, largest = profile.get("optimal"), profile.get("largest")
    if not (isinstance(optimal, int) and isinstance(largest, int) and 1 <= optimal <= largest):
        raise ValueError(f"{record}: batch_profile must give 1 <= optimal <= largest, got {profile!r}")
    return optimal, largest


def load_backend(model: str | Path, backend: str = "auto") -> InferenceBackend:
    """The backend ``backend`` for the ONNX file ``model``; "auto" takes TensorRT where a GPU
    and TensorRT are present, ONNX Runtime on the CPU otherwise."""
    model = Path(model)
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if not model.is_file():
        raise FileNotFoundError(f"model {model} not found")
    if backend == "auto":
        reason = tensorrt_available()
        backend = "onnxruntime" if reason else "tensorrt"
        if reason:
            log.info("using ONNX Runtime on the CPU: %s", reason)
    if backend == "tensorrt":
        reason = tensorrt_available()
        if reason:
            raise RuntimeError(f"the TensorRT backend cannot run here: {reason}")
        from edge.pipeline.backends.tensorrt import TensorRTBackend

        return TensorRTBackend(model)
    from edge.pipeline.backends.onnxruntime import OnnxRuntimeBackend

    return OnnxRuntimeBackend(model)


def record_path(model: str | Path) -> Path:
    """The record of the ONNX file ``model``, the JSON file beside it that training wrote
    (``model.json`` for ``model.onnx``, and for its float16 export ``model.fp16.onnx`` too, where
    no ``model.fp16.json`` is)."""
    record = Path(model).with_suffix(".json")
    if not record.exists() and record.name.endswith(FP16_SUFFIX + ".json"):
        record = record.with_name(record.name[: -len(FP16_SUFFIX + ".json")] + ".json")
    return record


def load_model(model: str | Path, backend: str, needs: tuple[str, ...]) -> tuple[InferenceBackend, dict]:
    """The backend for the ONNX file ``model`` and its record (``record_path``), which must hold
    every key of ``needs`` (a model that needs nothing of it may come without one)."""
    record = record_path(model)
    if not needs and not record.exists():
        return load_backend(model, backend), {}
    try:
        saved = json.loads(record.read_text())
    except OSError as error:
        raise FileNotFoundError(f"{record}: the model's record cannot be read ({error.strerror})") from error
    except json.JSONDecodeError as error:
        raise ValueError(f"{record}: the model's record is not JSON ({error})") from error
    missing = [key for key in needs if key not in saved]
    if missing:
        raise ValueError(f"{record}: the model's record lacks {', '.join(missing)}")
    return load_backend(model, backend), saved
