"""The frame pipeline: detect -> (screen) -> measure -> summarise, with time per stage."""

import time
from dataclasses import dataclass

import numpy as np

from edge.analysis import FrameResult, analyse_boxes
from edge.detect import LoopDetector
from edge.measure import Polarity


@dataclass
class Pipeline:
    """Runs the modules on one frame; every stage releases the GIL for most of its time."""

    detector: LoopDetector
    polarity: Polarity = "auto"

    def candidates(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Module I: candidate boxes and their scores."""
        return self.detector.detect(pixels)

    def analyse(self, pixels: np.ndarray, pixel_size_nm: float | None) -> tuple[FrameResult, dict]:
        """The frame's result and the milliseconds each stage took."""
        started = time.perf_counter()
        boxes, scores = self.candidates(pixels)
        detected = time.perf_counter()
        result = analyse_boxes(pixels, boxes, pixel_size_nm, scores, self.polarity)
        measured = time.perf_counter()
        stage_ms = {"detect": 1e3 * (detected - started), "screen": 0.0, "measure": 1e3 * (measured - detected)}
        return result, stage_ms
