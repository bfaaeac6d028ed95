"""The frame pipeline: detect -> screen -> measure -> summarise, with time per stage."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from edge.io.images import check_frame, to_uint8
from edge.kernels.watershed import flood
from edge.pipeline.detect import LoopDetector
from edge.pipeline.measure import Polarity
from edge.pipeline.model_set import ModelSet, ModelSetError
from edge.pipeline.result import FrameResult, analyse_boxes
from edge.pipeline.scene import SceneClassifier
from edge.pipeline.screen import Screener
from edge.pipeline.settings import PipelineSettings
from edge.pipeline.synthetic import warm_up_frame

MAX_WARM_SIDE_PX = 2048  # the warm-up scans a frame of the detector's working side, at most this
WARM_BATCH = 512  # candidates screened at once in warming up (a 1024x1024 frame has a few hundred)


@dataclass
class Pipeline:
    """Runs the three modules on one frame; each stage releases the GIL for most of its time."""

    detector: LoopDetector
    screener: Screener | None = None
    polarity: Polarity = "auto"
    # the benchmark's baseline swaps these for skimage's watershed and one inference call per crop
    flood_function: Callable = flood
    batched_screening: bool = True
    scene: SceneClassifier | None = None
    analysed_scenes: frozenset[str] | None = None  # None: every frame's defects are analysed

    @classmethod
    def from_settings(
        cls, settings: PipelineSettings = PipelineSettings(), models: ModelSet | None = None
    ) -> "Pipeline":
        """The pipeline ``settings`` describe (default: the bundled li2018 model set, its
        screening CNN, no scene classifier): the model set's cascade with its detector settings,
        the screening CNN unless ``settings.screen`` is "none", and the scene classifier where
        ``settings.classifier`` names one. ``models`` is the model set ``settings.model`` names,
        where the caller has loaded it already.

        Raises ``ModelSetError`` for a model set without the screen asked for, and ``ValueError``
        for analysed scenes the classifier does not know."""
        models = models or ModelSet.load(settings.model)
        if settings.screen == "default" and not models.has_screen:
            raise ModelSetError(f"model set {models.folder} has no {models.screen.name}: train one with 'edge train "
                                "screen', or analyse with the cascade alone (--screen none)")  # fmt: skip
        screen_model = models.screen if settings.screen == "default" else settings.screen
        screener = None if settings.screen == "none" else Screener(screen_model, settings.backend)
        scene = SceneClassifier(settings.classifier, settings.backend) if settings.classifier else None
        analysed_scenes = frozenset(settings.analysed_scenes) if settings.analysed_scenes else None
        if analysed_scenes is not None and scene is not None:
            unknown = sorted(analysed_scenes - set(scene.classes))
            if unknown:
                raise ValueError(f"scene labels {unknown} are not among the classifier's {scene.classes}")
        detector = LoopDetector(models.cascade, models.detector)
        return cls(detector, screener, settings.polarity, scene=scene, analysed_scenes=analysed_scenes)

    def candidates(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Modules I and II: the boxes that are loops, with their scores."""
        view = to_uint8(pixels)
        boxes, scores = self._detect(view)
        if self.screener is None:
            return boxes, scores
        return self.screener.screen(view, boxes)

    def _detect(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The cascade's boxes, less those with too little support to be worth screening."""
        return self.detector.detect(pixels, self.screener.min_support if self.screener else 1)

    def warm_up(self) -> None:
        """Run every stage once on a synthetic frame (``edge.pipeline.synthetic.warm_up_frame``)
        and measure its rings and discs of each zoom level in their boxes, so the models are
        loaded and the kernels of both kinds of loop compiled before the first real frame; then
        scan a frame of the detector's working size and screen a full frame's batch of candidates,
        so the first real frame does not pay for growing the cascade's and the network's buffers
        either (it took ~80 ms longer without)."""
        frame, boxes = warm_up_frame()
        self.analyse(frame, None)
        analyse_boxes(frame, boxes, None, None, self.polarity, self.flood_function)
        tiles = math.ceil(min(self.detector.settings.working_side_px, MAX_WARM_SIDE_PX) / frame.shape[0])
        self.detector.detect(np.tile(frame, (tiles, tiles)))
        if self.screener is not None:
            self.screener.backend.run(np.zeros((WARM_BATCH, *self.screener.backend.sample_shape), np.float32))

    def analyse(self, pixels: np.ndarray, pixel_size_nm: float | None = None) -> FrameResult:
        """Find and measure the loops in one frame.

        Parameters
        ----------
        pixels : ndarray
            One greyscale frame, 2-D: uint8, uint16 (what detectors send), other integers, or floats.
        pixel_size_nm : float, optional
            The pixel size; without it sizes and densities are given in pixels only.

        Returns
        -------
        FrameResult
            The defects, the frame's statistics, its scene (when a classifier runs) and the
            milliseconds each stage took.

        Notes
        -----
        The frame's 8-bit view (``edge.io.images.to_uint8``) is made once, here, and is what the
        scene classifier, the cascade and the screen see; the measurement crops the frame itself.

        Examples
        --------
        >>> from edge import Pipeline, read_frame
        >>> from edge.io.bundled import sample_paths
        >>> frame = read_frame(sample_paths()[0])
        >>> result = Pipeline.from_settings().analyse(frame.pixels, pixel_size_nm=0.474)
        >>> result.stats["count"] == len(result.defects) > 0
        True
        """
        check_frame(pixels)
        started = time.perf_counter()
        view = to_uint8(pixels)
        scene = self.scene.classify(view) if self.scene is not None else None
        if scene is not None and self.analysed_scenes is not None and scene["label"] not in self.analysed_scenes:
            return FrameResult([], None, pixel_size_nm, scene, {"classify": 1e3 * (time.perf_counter() - started)})
        classified = time.perf_counter()
        boxes, scores = self._detect(view)
        detected = time.perf_counter()
        if self.screener is not None:
            boxes, scores = self.screener.screen(view, boxes, self.batched_screening)
        screened = time.perf_counter()
        result = analyse_boxes(pixels, boxes, pixel_size_nm, scores, self.polarity, self.flood_function)
        measured = time.perf_counter()
        stage_ms = {
            "classify": 1e3 * (classified - started),
            "detect": 1e3 * (detected - classified),
            "screen": 1e3 * (screened - detected),
            "measure": 1e3 * (measured - screened),
        }
        return replace(result, scene=scene, stage_ms=stage_ms)
