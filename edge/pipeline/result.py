"""One frame in, its defects and statistics out: the result shared by the CLI and the service."""

from dataclasses import dataclass, field, fields

from edge.pipeline.measure import Defect
from edge.pipeline.scene import Scene
from edge.pipeline.stats import FrameStats, frame_stats

DEFECT_FIELDS = tuple(f.name for f in fields(Defect))


@dataclass(frozen=True)
class FrameResult:
    """What the pipeline found in one frame.

    Attributes
    ----------
    defects : list of Defect
        The loops, each with its box, outline ellipse and screening score.
    stats : FrameStats or None
        The frame's count, mean and standard deviation of the diameter and areal density; None
        when the frame's scene was not analysed.
    pixel_size_nm : float or None
        The pixel size the nm figures use; None where it is not known.
    scene : Scene or None
        The scene classifier's label, confidence and probabilities, when one ran.
    stage_ms : dict
        Milliseconds each stage took (classify, detect, screen, measure), when the pipeline ran.
    """

    defects: list[Defect]
    stats: FrameStats | None
    pixel_size_nm: float | None
    scene: Scene | None = None
    stage_ms: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """The frame's result as a JSON-ready dict, the one shape that ``edge analyse`` writes
        and the service publishes (docs/protocol.md, ``frame``): ``pixel_size_nm``, the stats'
        fields at the top level (``count`` None when the frame was not analysed), ``scene``
        (label and confidence, or None), ``defects`` and ``stage_ms``."""
        scene = None if self.scene is None else {"label": self.scene.label, "confidence": self.scene.confidence}
        return {
            "pixel_size_nm": self.pixel_size_nm,
            **(self.stats.as_json() if self.stats is not None else {"count": None}),
            "scene": scene,
            "defects": [defect_json(d, self.pixel_size_nm) for d in self.defects],
            "stage_ms": self.stage_ms,
        }


def summarise(defects: list[Defect], shape: tuple[int, int], pixel_size_nm: float | None) -> FrameResult:
    """The frame's result: its defects and their statistics over a frame of ``shape``."""
    return FrameResult(defects, frame_stats(defects, shape, pixel_size_nm), pixel_size_nm)


def defect_json(defect: Defect, pixel_size_nm: float | None) -> dict:
    """One defect as a JSON-ready dict (see the README for the fields)."""
    # a shallow copy of the fields: dataclasses.asdict deep-copies each value, and was a sixth of
    # a service's own time per frame (py-spy)
    record = {name: getattr(defect, name) for name in DEFECT_FIELDS}
    record["bbox"] = list(defect.bbox)
    record["major_nm"] = None if pixel_size_nm is None else defect.major_px * pixel_size_nm
    record["minor_nm"] = None if pixel_size_nm is None else defect.minor_px * pixel_size_nm
    return record
