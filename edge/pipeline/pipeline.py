"""The frame pipeline: detect -> screen -> measure -> summarise, with time per stage."""

import time
from dataclasses import dataclass, field, replace

import numpy as np

from edge.io.images import check_frame, to_uint8
from edge.pipeline.detect import LoopDetector
from edge.pipeline.measure import LoopMeasurer
from edge.pipeline.model_set import ModelSet, ModelSetError
from edge.pipeline.orientation import best_orientation, orientations, shown
from edge.pipeline.polarity import LoopPolarity, Polarity
from edge.pipeline.result import FrameResult, summarise
from edge.pipeline.scale import zoom_to_models, zoomed_view
from edge.pipeline.scene import SceneClassifier
from edge.pipeline.screen import Screener
from edge.pipeline.settings import PipelineSettings
from edge.pipeline.stages import Detector, Measurer, Screen
from edge.pipeline.synthetic import warm_up_frame


@dataclass
class Pipeline:
    """Runs the three modules on one frame; each stage releases the GIL for most of its time.

    Attributes
    ----------
    detector : Detector
        Module I: candidate boxes in the frame's 8-bit view.
    screener : Screen or None
        Module II: the candidates that are loops; None keeps every candidate.
    measurer : Measurer
        Module III: each loop's outline and ellipse, measured in the frame itself.
    scene : SceneClassifier or None
        Labels each frame with its scene, where a classifier is given.
    analysed_scenes : frozenset of str or None
        The scenes whose frames get defect analysis; None: every frame's.
    models_pixel_size_nm : float or None
        The pixel size the models were trained at: a frame of a known other pixel size is
        brought to it for detection and screening (``edge.pipeline.scale``); None: unknown.
    polarity : "auto", "dark" or "bright"
        The frames' loop contrast, as the settings give it: with ``models_polarity``, which way
        up each frame is shown to the detector and the screen (``edge.pipeline.orientation``).
    models_polarity : "dark", "bright" or None
        The contrast of the loops the models were trained on; None: unknown (frames are shown
        as they are).
    """

    detector: Detector
    screener: Screen | None = None
    measurer: Measurer = field(default_factory=LoopMeasurer)
    scene: SceneClassifier | None = None
    analysed_scenes: frozenset[str] | None = None
    models_pixel_size_nm: float | None = None
    polarity: Polarity = "auto"
    models_polarity: LoopPolarity | None = None

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
        measurer = LoopMeasurer.from_settings(settings)
        return cls(
            detector,
            screener,
            measurer,
            scene,
            analysed_scenes,
            models.pixel_size_nm,
            settings.polarity,
            models.loop_polarity,
        )

    def candidates(self, view: np.ndarray, pixel_size_nm: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Modules I and II on a frame's 8-bit view: the boxes that are loops, with their scores
        (a frame of a known pixel size is brought to the models', see ``models_pixel_size_nm``,
        and shown to them the way up its loops' contrast asks, see ``polarity``)."""
        boxes, scores, _ = self._candidates(view, pixel_size_nm)
        return boxes, scores

    def _candidates(
        self, view: np.ndarray, pixel_size_nm: float | None
    ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """``candidates``, and the milliseconds detection and screening took."""
        stage_ms = {"detect": 0.0, "screen": 0.0}

        def detected_and_screened(inverted: bool) -> tuple[np.ndarray, np.ndarray]:
            started = time.perf_counter()
            view_shown = shown(view, inverted)
            boxes, scores = self.detector.detect(view_shown, self.screener.min_support if self.screener else 1)
            detected = time.perf_counter()
            if self.screener is not None:
                boxes, scores = self.screener.screen(view_shown, boxes)
            stage_ms["detect"] += 1e3 * (detected - started)
            stage_ms["screen"] += 1e3 * (time.perf_counter() - detected)
            return boxes, scores

        started = time.perf_counter()
        zoom = zoom_to_models(pixel_size_nm, self.models_pixel_size_nm)
        view = zoomed_view(view, zoom)
        stage_ms["detect"] += 1e3 * (time.perf_counter() - started)
        ways = orientations(self.polarity, self.models_polarity, self.screener is not None)
        boxes, scores = best_orientation(ways, detected_and_screened)
        return boxes / zoom, scores, stage_ms  # in the frame's own pixels

    def warm_up(self) -> None:
        """Run every stage once on a synthetic frame (``edge.pipeline.synthetic.warm_up_frame``)
        and measure its rings and discs of each zoom level in their boxes, so the models are
        loaded and the kernels of both kinds of loop compiled before the first real frame; then
        let the detector and the screen grow their buffers to a full frame's (the first real
        frame took ~80 ms longer without)."""
        frame, boxes = warm_up_frame()
        self.analyse(frame, None)
        self.measurer.measure(frame, boxes)
        self.detector.warm_up()
        if self.screener is not None:
            self.screener.warm_up()

    def analyse(self, pixels: np.ndarray, pixel_size_nm: float | None = None) -> FrameResult:
        """Find and measure the loops in one frame.

        Parameters
        ----------
        pixels : ndarray
            One greyscale frame, 2-D: uint8, uint16 (what detectors send), other integers, or floats.
        pixel_size_nm : float, optional
            The pixel size; without it sizes and densities are given in pixels only. Where the
            models' is known too, the frame is brought to it for detection and screening.

        Returns
        -------
        FrameResult
            The defects, the frame's statistics, its scene (when a classifier runs) and the
            milliseconds each stage took.

        Notes
        -----
        The frame's 8-bit view (``edge.io.images.to_uint8``) is made once, here, and handed to
        the scene classifier, the detector and the screen; the measurer crops the frame itself.

        Examples
        --------
        >>> from edge import Pipeline, read_frame
        >>> from edge.io.bundled import sample_paths
        >>> frame = read_frame(sample_paths()[0])
        >>> result = Pipeline.from_settings().analyse(frame.pixels, pixel_size_nm=0.474)
        >>> result.stats.count == len(result.defects) > 0
        True
        """
        check_frame(pixels)
        started = time.perf_counter()
        view = to_uint8(pixels)
        scene = self.scene.classify(view) if self.scene is not None else None
        classify_ms = 1e3 * (time.perf_counter() - started)
        if scene is not None and self.analysed_scenes is not None and scene.label not in self.analysed_scenes:
            return FrameResult([], None, pixel_size_nm, scene, {"classify": classify_ms})
        boxes, scores, stage_ms = self._candidates(view, pixel_size_nm)
        measuring = time.perf_counter()
        defects = self.measurer.measure(pixels, boxes, scores)
        measure_ms = 1e3 * (time.perf_counter() - measuring)
        result = summarise(defects, pixels.shape, pixel_size_nm)
        return replace(result, scene=scene, stage_ms={"classify": classify_ms, **stage_ms, "measure": measure_ms})
