"""The benchmark's baselines, composed from the pipeline's stages rather than switched on in
them: a measurer flooding with scikit-image's watershed, a screen that runs one crop at a time,
and the floods the measurement runs, recorded to time each flood on the same inputs."""

from dataclasses import dataclass, field, replace

import numpy as np
from skimage.segmentation import watershed as skimage_watershed

from edge.io.bundled import MODELS_DIR, sample_frames
from edge.kernels.watershed import flood
from edge.pipeline.crops import screen_inputs
from edge.pipeline.measure import LoopMeasurer
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.screen import Screener, keep_screened

PREVIOUS_CLASSIFIER = MODELS_DIR / "uhcs_scenes_cnn.onnx"  # the scene classifier before the pretrained probe


@dataclass
class PerCropScreener:
    """``Screener``, with one inference call per candidate instead of one per frame."""

    screener: Screener

    @property
    def min_support(self) -> int:
        return self.screener.min_support

    def warm_up(self) -> None:
        self.screener.warm_up()

    def probabilities(self, view: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The loop probability of each box: the frame's crops made once, as the screener makes
        them, then one inference call each."""
        if len(boxes) == 0:
            return np.zeros(0)
        crops = screen_inputs(view, boxes, self.screener.crop_px, self.screener.least_crop_px)
        return np.concatenate([self.screener.backend.run(crop[None]).ravel() for crop in crops]).astype(np.float64)

    def screen(self, view: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return keep_screened(boxes, self.probabilities(view, boxes), self.screener.threshold)


def baseline_pipeline(ours: Pipeline) -> Pipeline:
    """``ours`` with the plain baselines: scikit-image's watershed and one inference call per crop."""
    measurer = replace(ours.measurer, flood_with=skimage_watershed)
    screener = None if ours.screener is None else PerCropScreener(ours.screener)
    return replace(ours, measurer=measurer, screener=screener)


@dataclass
class RecordedFloods:
    """A flood that keeps each landscape and markers it floods, with our kernel."""

    inputs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def __call__(self, landscape: np.ndarray, markers: np.ndarray) -> np.ndarray:
        self.inputs.append((landscape, markers.copy()))
        return flood(landscape, markers)


def sample_floods(count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` floods (landscape, markers) as the measurement runs them on the labelled boxes
    of the bundled samples, in order, repeated where the samples hold fewer."""
    recorded = RecordedFloods()
    measurer = LoopMeasurer(flood_with=recorded)
    for frame, boxes in sample_frames():
        measurer.measure(frame.pixels, boxes)
    if not recorded.inputs:
        raise ValueError("the bundled samples hold no boxes")
    return [recorded.inputs[i % len(recorded.inputs)] for i in range(count)]
