"""SEM scene classification of whole frames, with the ONNX model of ``edge train classify``."""

import json
from pathlib import Path

import numpy as np

from edge.backends import InferenceBackend, load_backend
from edge.images import to_uint8
from edge.scene_data import scaled, tiles

DEFAULT_CLASSIFIER = Path(__file__).parent / "models" / "uhcs_scenes.onnx"


class SceneClassifier:
    """Labels a frame with what it shows; class names come from the model's JSON record."""

    def __init__(self, model: str | Path = DEFAULT_CLASSIFIER, backend: str = "auto"):
        model = Path(model)
        self.backend: InferenceBackend = load_backend(model, backend)
        record = model.with_suffix(".json")
        if not record.is_file():
            raise FileNotFoundError(f"{record}: no record with the model's class names")
        details = json.loads(record.read_text())
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
