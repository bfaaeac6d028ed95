"""A model set: one folder with the cascade (module I), the screening CNN (module II) and the
settings derived from the boxes they were trained on, loaded together.

    <folder>/cascade.xml      edge train cascade --out <folder>/cascade.xml  (also writes settings.json)
    <folder>/settings.json    the detector's scan range and working resolution, the screen's
                              crop size, the evaluation's centre tolerance, the padding
                              of its boxes around measured outlines, the training
                              frames' pixel size where known and their loops' contrast,
                              with the box statistics they were derived from
    <folder>/screen.onnx      edge train screen --cascade <folder>/cascade.xml --out <folder>/screen.onnx
                              (its record screen.json holds the threshold, the support and
                              the least side of its crops)

The bundled set, trained on li2018, is ``edge/models/li2018`` and the default everywhere.
"""

import json
from dataclasses import dataclass, fields
from pathlib import Path

from edge.io.bundled import BUNDLED_SET
from edge.pipeline.detect import DetectorSettings
from edge.pipeline.polarity import LOOP_POLARITIES, LoopPolarity

CASCADE, SCREEN, SETTINGS = "cascade.xml", "screen.onnx", "settings.json"
DEFAULT_CENTRE_TOLERANCE_PX = 20.0  # li2018's reference protocol
DEFAULT_CROP_PX = 32
PADDING_RANGE = (0.5, 4.0)  # a label box from half to four times its loop's outline


class ModelSetError(ValueError):
    """A model-set folder that is missing, lacks its cascade, or has unreadable settings."""


@dataclass(frozen=True)
class ModelSet:
    """A loaded model set: where its models are and the settings they were trained with."""

    folder: Path
    detector: DetectorSettings
    crop_px: int
    centre_tolerance_px: float
    outline_padding: float | None = None  # edge evaluate's box of a loop: its outline padded so; None: the window
    pixel_size_nm: float | None = None  # the training frames' (edge.pipeline.scale); None: unknown
    loop_polarity: LoopPolarity | None = None  # the training loops' contrast (edge.pipeline.orientation); None: unknown

    @property
    def cascade(self) -> Path:
        return self.folder / CASCADE

    @property
    def screen(self) -> Path:
        return self.folder / SCREEN

    @property
    def has_screen(self) -> bool:
        return self.screen.is_file()

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "ModelSet":
        """The set in ``folder`` (None: the bundled li2018 set). A set without ``settings.json``
        gets li2018's settings; one without ``screen.onnx`` can only detect (``--screen none``).

        Raises
        ------
        ModelSetError
            For a folder that does not exist or has no ``cascade.xml``, or unreadable settings.
        """
        folder = Path(folder) if folder else BUNDLED_SET
        if not folder.is_dir():
            raise ModelSetError(f"model set {folder}: no such folder")
        if not (folder / CASCADE).is_file():
            raise ModelSetError(f"model set {folder}: no {CASCADE} (train one with 'edge train cascade --out "
                                f"{folder / CASCADE}')")  # fmt: skip
        record = _read_settings(folder / SETTINGS) if (folder / SETTINGS).is_file() else {}
        return cls(folder, *_checked_settings(record, folder / SETTINGS))


def _checked_settings(
    record: dict, path: Path
) -> tuple[DetectorSettings, int, float, float | None, float | None, LoopPolarity | None]:
    """The detector settings, crop size, centre tolerance, outline padding, training pixel
    size and training loops' contrast of a ``settings.json``, checked."""
    sections = {name: record.get(name, {}) for name in ("detector", "screen", "evaluation", "boxes", "frames")}
    for name, section in sections.items():
        if not isinstance(section, dict):
            raise ModelSetError(f"{path}: {name!r} must be a table of settings, got {section!r}")
    unknown = sorted(set(sections["detector"]) - {f.name for f in fields(DetectorSettings)})
    if unknown:
        raise ModelSetError(f"{path}: unknown detector settings {unknown}")
    detector = DetectorSettings(**sections["detector"])
    crop_px = sections["screen"].get("crop_px", DEFAULT_CROP_PX)
    tolerance = sections["evaluation"].get("centre_tolerance_px", DEFAULT_CENTRE_TOLERANCE_PX)
    padding = sections["boxes"].get("outline_padding")
    pixel_size = sections["frames"].get("pixel_size_nm")
    loop_polarity = sections["frames"].get("loop_polarity")
    number = int | float
    sizes = [getattr(detector, name) for name in ("min_size_px", "max_size_px", "working_side_px")]
    checks = [  # in turn: a later check may assume an earlier one's types
        (lambda: all(isinstance(size, int) and size >= 1 for size in sizes), "sizes must be whole pixels >= 1"),
        (lambda: detector.min_size_px < detector.max_size_px, "min_size_px must be below max_size_px"),
        (lambda: isinstance(detector.scale_factor, number) and detector.scale_factor > 1, "scale_factor must be > 1"),
        (lambda: isinstance(detector.overlap_iou, number) and 0 < detector.overlap_iou <= 1, "overlap_iou: 0 to 1"),
        (lambda: isinstance(crop_px, int) and crop_px >= 16 and crop_px % 16 == 0, "crop_px must be a multiple of 16"),
        (lambda: isinstance(tolerance, number) and tolerance > 0, "centre_tolerance_px must be > 0"),
        (lambda: padding is None or (isinstance(padding, number) and PADDING_RANGE[0] <= padding <= PADDING_RANGE[1]),
         f"outline_padding: {PADDING_RANGE[0]} to {PADDING_RANGE[1]}, or null"),
        (lambda: pixel_size is None or (isinstance(pixel_size, number) and pixel_size > 0),
         "frames' pixel_size_nm must be > 0, or null (unknown)"),
        (lambda: loop_polarity is None or loop_polarity in LOOP_POLARITIES,
         f"frames' loop_polarity: one of {LOOP_POLARITIES}, or null (unknown)"),
    ]  # fmt: skip
    for holds, message in checks:
        if not holds():
            raise ModelSetError(f"{path}: {message}")
    return detector, crop_px, float(tolerance), _float_or_none(padding), _float_or_none(pixel_size), loop_polarity


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)


def _read_settings(path: Path) -> dict:
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelSetError(f"{path}: not JSON ({error})") from error
    if not isinstance(record, dict):
        raise ModelSetError(f"{path}: expected a JSON object")
    return record
