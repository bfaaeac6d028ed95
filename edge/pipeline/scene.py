"""SEM scene classification of whole frames, with the ONNX model of ``edge train classify``."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.io.bundled import MODELS_DIR
from edge.io.images import check_view
from edge.pipeline.backends import InferenceBackend, load_model
from edge.pipeline.texture import TextureModel
from edge.pipeline.tiling import chosen_tiles, scaled, view_scales

DEFAULT_CLASSIFIER = MODELS_DIR / "uhcs_scenes.onnx"


@dataclass(frozen=True)
class Scene:
    """What a frame shows: the most probable label, its probability, and every label's, most
    probable first."""

    label: str
    confidence: float
    top: tuple[tuple[str, float], ...]

    def as_json(self) -> dict:
        """``{label, confidence, top: [[label, p], ...]}``."""
        return {"label": self.label, "confidence": self.confidence, "top": [list(pair) for pair in self.top]}


class SceneClassifier:
    """Labels a frame with what it shows; class names come from the model's JSON record."""

    def __init__(self, model: str | Path = DEFAULT_CLASSIFIER, backend: str = "auto"):
        self.backend: InferenceBackend
        self.backend, details = load_model(model, backend, needs=("classes", "input"))
        self.classes: list[str] = details["classes"]
        self._input = details["input"]
        # a record with a texture model: the classifier is the mean of the CNN's and its probabilities
        self._texture = TextureModel(details["texture"]) if "texture" in details else None

    def probabilities(self, view: np.ndarray) -> np.ndarray:
        """Class probabilities of one frame's 8-bit view: the CNN's (``cnn_probabilities``),
        averaged with the texture model's where the record has one."""
        check_view(view, "scene classification")
        cnn = self.cnn_probabilities(view)
        return cnn if self._texture is None else (cnn + self._texture.probabilities(view)) / 2

    def cnn_probabilities(self, frame: np.ndarray) -> np.ndarray:
        """The CNN's half, for an 8-bit frame: the mean of its tiles' probabilities (at most the
        record's ``max_tiles`` of them, where it names one), averaged over the views the record
        names (the working resolution, and a coarser one in some), all tiles in one call."""
        tile, stride, most = self._input["tile"], self._input["stride"], self._input.get("max_tiles", 0)
        views = [chosen_tiles(scaled(frame, scale), tile, stride, most) for scale in view_scales(self._input)]
        probabilities = self.backend.run(np.concatenate(views)[:, None].astype(np.float32) / 255)
        ends = np.cumsum([len(view) for view in views])[:-1]
        return np.mean([part.mean(axis=0) for part in np.split(probabilities, ends)], axis=0)

    def classify(self, view: np.ndarray) -> Scene:
        """The scene of one frame's 8-bit view."""
        probabilities = self.probabilities(view)
        order = np.argsort(probabilities)[::-1]
        top = tuple((self.classes[i], float(probabilities[i])) for i in order)
        return Scene(top[0][0], top[0][1], top)
