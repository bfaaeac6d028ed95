"""SEM scene classification of whole frames, with the ONNX model of ``edge train classify``."""

from pathlib import Path

import cv2
import numpy as np

from edge.io.bundled import MODELS_DIR
from edge.io.images import to_uint8
from edge.pipeline.backends import InferenceBackend, load_model

DEFAULT_CLASSIFIER = MODELS_DIR / "uhcs_scenes.onnx"


class SceneClassifier:
    """Labels a frame with what it shows; class names come from the model's JSON record."""

    def __init__(self, model: str | Path = DEFAULT_CLASSIFIER, backend: str = "auto"):
        self.backend: InferenceBackend
        self.backend, details = load_model(model, backend, needs=("classes", "input"))
        self.classes: list[str] = details["classes"]
        self._input = details["input"]

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """Class probabilities of one frame: the mean over tiles of its working-resolution
        version, all tiles in one batched call."""
        frame = scaled(to_uint8(pixels), self._input["scale"])
        batch = tiles(frame, self._input["tile"], self._input["stride"])[:, None].astype(np.float32) / 255
        return self.backend.run(batch).mean(axis=0)

    def classify(self, pixels: np.ndarray) -> dict:
        """``{label, confidence, top: [[label, p], ...]}`` for one frame."""
        probabilities = self.probabilities(pixels)
        order = np.argsort(probabilities)[::-1]
        top = [[self.classes[i], float(probabilities[i])] for i in order]
        return {"label": top[0][0], "confidence": top[0][1], "top": top}


def scaled(frame: np.ndarray, scale: float) -> np.ndarray:
    """The frame resized by ``scale`` (the classifier's working resolution)."""
    if scale == 1:
        return frame
    size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def tiles(frame: np.ndarray, size: int, stride: int) -> np.ndarray:
    """``(N, size, size)`` tiles covering the frame (the last row and column flush with its
    edges); a frame smaller than a tile is first enlarged to fit."""
    height, width = frame.shape
    if min(height, width) < size:
        factor = size / min(height, width)
        frame = cv2.resize(frame, (max(size, round(width * factor)), max(size, round(height * factor))))
        height, width = frame.shape
    tops = sorted({*range(0, height - size + 1, stride), height - size})
    lefts = sorted({*range(0, width - size + 1, stride), width - size})
    return np.array([frame[top : top + size, left : left + size] for top in tops for left in lefts])
