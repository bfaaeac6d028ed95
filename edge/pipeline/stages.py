"""What the pipeline asks of each of its stages: small protocols, so that a stage can be swapped
for another that keeps the promise (the benchmark composes its baselines so: a scikit-image
measurer, a screener that runs one crop at a time)."""

from typing import Protocol

import numpy as np

from edge.pipeline.measure import Defect


class Detector(Protocol):
    """Module I: candidate boxes in a frame's 8-bit view."""

    def detect(self, view: np.ndarray, min_support: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Boxes ``(N, 4)`` ``[x0, y0, x1, y1]`` in frame pixels and their scores ``(N,)``,
        those with at least ``min_support`` overlapping hits."""
        ...

    def warm_up(self) -> None:
        """Grow this thread's buffers to a full frame's, so the first frame is not slower."""
        ...


class Screen(Protocol):
    """Module II: the candidates that are loops."""

    min_support: int  # hits a candidate needs to be worth screening (1: every candidate)

    def screen(self, view: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The boxes of a frame's 8-bit view that are loops, and their probabilities."""
        ...

    def warm_up(self) -> None:
        """Grow this thread's buffers to a full frame's batch, so the first frame is not slower."""
        ...


class Measurer(Protocol):
    """Module III: each loop's outline and ellipse."""

    def measure(self, frame: np.ndarray, boxes: np.ndarray, scores: np.ndarray | None = None) -> list[Defect]:
        """The defect inside each box of the frame itself (not its 8-bit view), with its score."""
        ...
