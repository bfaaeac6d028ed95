"""Reading frames from image files and microscope formats, with their pixel size."""

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

# File extension -> rosettasciio plugin module holding ``file_reader``.
MICROSCOPE_READERS = {
    ".dm3": "rsciio.digitalmicrograph",
    ".dm4": "rsciio.digitalmicrograph",
    ".ser": "rsciio.tia",
    ".emi": "rsciio.tia",
    ".emd": "rsciio.emd",
    ".mrc": "rsciio.mrc",
    ".tif": "rsciio.tiff",
    ".tiff": "rsciio.tiff",
}
PLAIN_IMAGES = {".png", ".jpg", ".jpeg", ".bmp", ".pgm"}
NM_PER_UNIT = {"nm": 1.0, "µm": 1e3, "um": 1e3, "μm": 1e3, "mm": 1e6, "m": 1e9, "Å": 0.1, "A": 0.1, "pm": 1e-3}


class ImageReadError(ValueError):
    """A file could not be read as one greyscale frame."""


@dataclass(frozen=True)
class Frame:
    """One greyscale frame: 2-D pixels, the pixel size if known, and where it came from."""

    pixels: np.ndarray
    pixel_size_nm: float | None
    source: str


def read_frame(path: str | Path, pixel_size_nm: float | None = None) -> Frame:
    """Read ``path`` as one greyscale frame.

    Parameters
    ----------
    path : str or Path
        A plain image (PNG, TIFF, JPEG, ...) or a microscope file (``MICROSCOPE_READERS``:
        Digital Micrograph, TIA, EMD, MRC, ...) read with rosettasciio.
    pixel_size_nm : float, optional
        Overrides the file's own pixel size.

    Returns
    -------
    Frame
        ``pixels`` (2-D, the file's own dtype; colour is converted to luminance),
        ``pixel_size_nm`` (from the file's calibration, None where it has none) and ``source``.

    Raises
    ------
    ImageReadError
        For a missing, unreadable or unknown file, or one that holds no 2-D image.

    Examples
    --------
    >>> from edge.io.bundled import sample_paths
    >>> frame = read_frame(sample_paths()[0], pixel_size_nm=0.474)
    >>> frame.pixels.shape, frame.pixels.dtype.name, frame.pixel_size_nm
    ((1024, 1024), 'uint8', 0.474)
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in PLAIN_IMAGES:
        pixels, stored_size = _read_plain(path), None
    elif suffix in MICROSCOPE_READERS:
        pixels, stored_size = _read_microscope(path, MICROSCOPE_READERS[suffix])
    else:
        known = ", ".join(sorted(PLAIN_IMAGES | set(MICROSCOPE_READERS)))
        raise ImageReadError(f"{path}: unknown image format {suffix!r} (known: {known})")
    pixels = _to_greyscale(pixels, path)
    if pixel_size_nm is not None and not pixel_size_nm > 0:
        raise ImageReadError(f"pixel size must be positive, got {pixel_size_nm}")
    return Frame(pixels, pixel_size_nm if pixel_size_nm is not None else stored_size, str(path))


def _read_plain(path: Path) -> np.ndarray:
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise ImageReadError(f"{path}: not a readable image (corrupt or truncated?)")
    if pixels.ndim == 3 and pixels.shape[2] >= 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA if pixels.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    return pixels


def _read_microscope(path: Path, module_name: str) -> tuple[np.ndarray, float | None]:
    import importlib

    reader = importlib.import_module(module_name).file_reader
    try:
        signals = reader(str(path))
    except Exception as error:  # the readers raise many types for a bad file
        raise ImageReadError(f"{path}: could not be read as {path.suffix} ({error})") from error
    images = [s for s in signals if np.asarray(s["data"]).ndim in (2, 3)]
    if not images:
        raise ImageReadError(f"{path}: holds no 2-D image")
    if len(images) > 1:
        log.warning("%s holds %d images: the first is read", path, len(images))
    signal = images[0]
    return np.asarray(signal["data"]), _pixel_size_nm(signal["axes"], path)


def _pixel_size_nm(axes: list[dict], path: Path) -> float | None:
    spatial = [a for a in axes[-2:] if a.get("units")]
    if len(spatial) != 2:
        return None
    units = str(spatial[-1]["units"]).strip()
    if units not in NM_PER_UNIT:
        log.warning("%s: pixel size unit %r is not a length this reader knows: sizes in px", path, units)
        return None
    return float(spatial[-1]["scale"]) * NM_PER_UNIT[units]


def _to_greyscale(pixels: np.ndarray, path: Path) -> np.ndarray:
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        log.warning("%s: colour image converted to greyscale (luminance)", path)
        rgb = pixels[..., :3].astype(np.float32)
        grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
        pixels = np.rint(grey).astype(np.uint8) if pixels.dtype == np.uint8 else grey
    if pixels.ndim != 2:
        raise ImageReadError(f"{path}: expected one 2-D image, got an array of shape {pixels.shape}")
    if pixels.dtype.kind not in "uif":
        raise ImageReadError(f"{path}: unsupported pixel type {pixels.dtype}")
    return pixels


MIN_FRAME_SIDE = 32  # px: smaller frames hold no loop the cascade's smallest window (24 px) could find


def check_frame(pixels: np.ndarray) -> None:
    """Raise ``ValueError``, saying why, unless ``pixels`` is a frame the pipeline can analyse:
    a 2-D array of integers or finite floats, at least ``MIN_FRAME_SIDE`` px on each side."""
    if not isinstance(pixels, np.ndarray):
        raise ValueError(f"a frame is a NumPy array, got {type(pixels).__name__}")
    if pixels.ndim != 2:
        raise ValueError(f"a frame is 2-D (height, width), got shape {pixels.shape}")
    if pixels.dtype.kind not in "uif":
        raise ValueError(f"a frame holds integers or floats, got {pixels.dtype}")
    if min(pixels.shape) < MIN_FRAME_SIDE:
        raise ValueError(f"a frame is at least {MIN_FRAME_SIDE} px on each side, got shape {pixels.shape}")
    if pixels.dtype.kind == "f" and not np.isfinite(pixels).all():
        raise ValueError("the frame holds NaN or infinite values")


def check_view(view: np.ndarray, stage: str) -> None:
    """Raise ``ValueError``, saying why, unless ``view`` is a frame's 8-bit view, 2-D uint8: what
    ``stage`` (detection, screening, scene classification) takes. The pipeline makes the view
    once (``to_uint8``) and hands it to each."""
    if not (isinstance(view, np.ndarray) and view.ndim == 2 and view.dtype == np.uint8):
        got = f"{view.dtype} of shape {view.shape}" if isinstance(view, np.ndarray) else type(view).__name__
        raise ValueError(f"{stage} takes a frame's 8-bit view (2-D uint8, edge.io.images.to_uint8), got {got}")


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """The 8-bit view of a frame that detection, screening and scene classification see.

    - uint8: the frame as is;
    - other unsigned integers: scaled by their bit depth, the fewest bits from 8 up that hold
      the frame's largest value (so a 12-bit camera's frame in a uint16 container spans 0-255,
      and a uint8 image scaled by 257 gives its own pixels back);
    - signed integers and floats: stretched between the 0.5 and 99.5 percentiles.
    """
    if pixels.dtype == np.uint8:
        return pixels
    if pixels.dtype.kind == "u":
        scale = 255.0 / (2 ** max(8, int(pixels.max()).bit_length()) - 1)
        if pixels.dtype == np.uint16:
            return cv2.convertScaleAbs(pixels, alpha=scale)
        return np.rint(pixels * scale).astype(np.uint8)
    low, high = np.percentile(pixels, [0.5, 99.5])
    if high <= low:
        return np.zeros(pixels.shape, np.uint8)
    scaled = (pixels.astype(np.float32) - low) * (255.0 / (high - low))
    return np.clip(scaled, 0, 255).astype(np.uint8)
