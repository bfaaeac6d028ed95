"""A model set: one folder with the cascade (module I), the screening CNN (module II) and the
settings derived from the boxes they were trained on, loaded together.

    <folder>/cascade.xml      edge train cascade --out <folder>/cascade.xml  (also writes settings.json)
    <folder>/settings.json    the detector's scan range and working resolution, the screen's
                              crop size and the evaluation's centre tolerance, with the
                              box statistics they were derived from
    <folder>/screen.onnx      edge train screen --cascade <folder>/cascade.xml --out <folder>/screen.onnx
                              (its record screen.json holds the threshold)

The bundled set, trained on li2018, is ``edge/models/li2018`` and the default everywhere.
"""

import json
from dataclasses import dataclass, fields
from pathlib import Path

from edge.io.bundled import BUNDLED_SET
from edge.pipeline.detect import DetectorSettings

CASCADE, SCREEN, SETTINGS = "cascade.xml", "screen.onnx", "settings.json"
DEFAULT_CENTRE_TOLERANCE_PX = 20.0  # li2018's reference protocol
DEFAULT_CROP_PX = 32


class ModelSetError(ValueError):
    """A model-set folder that is missing, lacks its cascade, or has unreadable settings."""


@dataclass(frozen=True)
class ModelSet:
    """A loaded model set: where its models are and the settings they were trained with."""

    folder: Path
    detector: DetectorSettings
    crop_px: int
    centre_tolerance_px: float
    record: dict

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
        detector_fields = {f.name for f in fields(DetectorSettings)}
        unknown = sorted(set(record.get("detector", {})) - detector_fields)
        if unknown:
            raise ModelSetError(f"{folder / SETTINGS}: unknown detector settings {unknown}")
        try:
            detector = DetectorSettings(**record.get("detector", {}))
            crop_px = int(record.get("screen", {}).get("crop_px", DEFAULT_CROP_PX))
            tolerance = float(record.get("evaluation", {}).get("centre_tolerance_px", DEFAULT_CENTRE_TOLERANCE_PX))
        except (TypeError, ValueError) as error:
            raise ModelSetError(f"{folder / SETTINGS}: {error}") from error
        return cls(folder, detector, crop_px, tolerance, record)


def _read_settings(path: Path) -> dict:
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelSetError(f"{path}: not JSON ({error})") from error
    if not isinstance(record, dict):
        raise ModelSetError(f"{path}: expected a JSON object")
    return record
