"""The frame pipeline: detect -> screen -> measure -> summarise, with time per stage."""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.analysis import FrameResult, analyse_boxes
from edge.detect import LoopDetector
from edge.measure import Polarity
from edge.screen import DEFAULT_SCREEN, Screener


@dataclass
class Pipeline:
    """Runs the three modules on one frame; each stage releases the GIL for most of its time."""

    detector: LoopDetector
    screener: Screener | None = None
    polarity: Polarity = "auto"

    @classmethod
    def default(cls, backend: str = "auto", polarity: Polarity = "auto", screen: str = "default") -> "Pipeline":
        """The bundled cascade and, unless ``screen`` is "none", the bundled screening CNN
        (or the ONNX file ``screen`` names)."""
        if screen == "none":
            return cls(LoopDetector(), None, polarity)
        model = DEFAULT_SCREEN if screen == "default" else Path(screen)
        return cls(LoopDetector(), Screener(model, backend=backend), polarity)

    def candidates(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Modules I and II: the boxes that are loops, with their scores."""
        boxes, scores = self.detector.detect(pixels)
        if self.screener is None:
            return boxes, scores
        return self.screener.screen(pixels, boxes)

    def analyse(self, pixels: np.ndarray, pixel_size_nm: float | None) -> tuple[FrameResult, dict]:
        """The frame's result and the milliseconds each stage took."""
        started = time.perf_counter()
        boxes, scores = self.detector.detect(pixels)
        detected = time.perf_counter()
        if self.screener is not None:
            boxes, scores = self.screener.screen(pixels, boxes)
        screened = time.perf_counter()
        result = analyse_boxes(pixels, boxes, pixel_size_nm, scores, self.polarity)
        measured = time.perf_counter()
        stage_ms = {
            "detect": 1e3 * (detected - started),
            "screen": 1e3 * (screened - detected),
            "measure": 1e3 * (measured - screened),
        }
        return result, stage_ms
