"""An overlay PNG: the frame with each defect's fitted ellipse drawn on it."""

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from edge.io.images import to_uint8
from edge.pipeline.measure import Defect

ELLIPSE_COLOUR = (0, 220, 0)
FLAGGED_COLOUR = (0, 165, 255)  # orange: a measurement with quality flags, to check
BOX_COLOUR = (0, 0, 230)


def draw_overlay(pixels: np.ndarray, defects: Sequence[Defect], show_boxes: bool = True) -> np.ndarray:
    """A BGR image of the frame with ellipses (green; orange where flagged) and candidate boxes
    (red, thin)."""
    canvas = cv2.cvtColor(to_uint8(pixels), cv2.COLOR_GRAY2BGR)
    thickness = max(1, round(max(pixels.shape) / 1024))
    for defect in defects:
        if show_boxes:
            x0, y0, x1, y1 = defect.bbox
            cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), BOX_COLOUR, 1)
        centre = (round(defect.x), round(defect.y))
        axes = (max(1, round(defect.major_px / 2)), max(1, round(defect.minor_px / 2)))
        colour = FLAGGED_COLOUR if defect.flags else ELLIPSE_COLOUR
        cv2.ellipse(canvas, centre, axes, defect.angle_deg, 0, 360, colour, thickness, cv2.LINE_AA)
    return canvas


def write_overlay(path: str | Path, pixels: np.ndarray, defects: Sequence[Defect]) -> None:
    """Write the overlay of ``defects`` on ``pixels`` as a PNG."""
    if not cv2.imwrite(str(path), draw_overlay(pixels, defects)):
        raise OSError(f"could not write overlay {path}")


def draw_gallery(
    pixels: np.ndarray, defects: Sequence[Defect], per_row: int = 6, zoom: int = 2, margin: float = 0.3
) -> np.ndarray:
    """A BGR sheet of ``zoom``-times enlarged crops: first a row of the flagged defects (up to
    ``per_row``, most flags first), then defects of every size, a row per size quartile with
    hollow loops first and filled ones after; each with its fitted ellipse drawn one pixel wide
    (orange where flagged) and its number, mode and major axis written under it: for checking by
    eye that the ellipse follows the loop's outline."""
    if not defects:
        raise ValueError("no defects to draw a gallery of")
    frame = to_uint8(pixels)
    numbers = {id(d): number for number, d in enumerate(defects, start=1)}
    flagged = sorted((d for d in defects if d.flags), key=lambda d: -len(d.flags))[:per_row]
    ordered = sorted((d for d in defects if not d.flags), key=lambda d: d.major_px)
    quartiles = [ordered[i * len(ordered) // 4 : (i + 1) * len(ordered) // 4] for i in range(4)]
    rows = [[_gallery_tile(frame, d, numbers[id(d)], zoom, margin) for d in flagged]] if flagged else []
    for quartile in (q for q in quartiles if q):
        picks = _spread(sorted([d for d in quartile if d.hollow], key=lambda d: d.major_px), per_row // 2)
        picks += _spread(sorted([d for d in quartile if not d.hollow], key=lambda d: d.major_px), per_row - len(picks))
        rows.append([_gallery_tile(frame, d, numbers[id(d)], zoom, margin) for d in picks])
    gap = 4
    heights = [max(t.shape[0] for t in row) + gap for row in rows]
    widths = [sum(t.shape[1] + gap for t in row) for row in rows]
    sheet = np.full((sum(heights) + gap, max(widths) + gap, 3), 255, np.uint8)
    y = gap
    for row, height in zip(rows, heights, strict=True):
        x = gap
        for tile in row:
            sheet[y : y + tile.shape[0], x : x + tile.shape[1]] = tile
            x += tile.shape[1] + gap
        y += height
    return sheet


def _spread(candidates: list[Defect], count: int) -> list[Defect]:
    """Up to ``count`` of the (sorted) candidates, evenly spread over their range."""
    if len(candidates) <= count:
        return candidates
    return [candidates[round(i * (len(candidates) - 1) / max(count - 1, 1))] for i in range(count)]


def _gallery_tile(frame: np.ndarray, defect: Defect, number: int, zoom: int, margin: float) -> np.ndarray:
    height, width = frame.shape
    half = 0.5 * max(defect.major_px, 8) * (1 + 2 * margin)
    x0, y0 = max(int(defect.x - half), 0), max(int(defect.y - half), 0)
    x1, y1 = min(int(defect.x + half) + 1, width), min(int(defect.y + half) + 1, height)
    crop = cv2.resize(frame[y0:y1, x0:x1], None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    tile = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    shift = 4  # cv2.ellipse takes fixed-point coordinates: 4 fractional bits
    scale = zoom * (1 << shift)
    # a pixel centre at x lands on the enlarged pixel centre zoom * (x + 0.5) - 0.5
    centre = tuple(
        round(((v - origin + 0.5) * zoom - 0.5) * (1 << shift)) for v, origin in ((defect.x, x0), (defect.y, y0))
    )
    axes = (round(defect.major_px / 2 * scale), round(defect.minor_px / 2 * scale))
    colour = FLAGGED_COLOUR if defect.flags else ELLIPSE_COLOUR
    cv2.ellipse(tile, centre, axes, defect.angle_deg, 0, 360, colour, 1, cv2.LINE_AA, shift)
    label = f"#{number} {'hollow' if defect.hollow else 'filled'} {defect.major_px:.0f}px"
    label += "".join(f" {flag}" for flag in defect.flags)
    (text_width, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_PLAIN, 0.8, 1)
    width = max(tile.shape[1], text_width + 2)
    framed = np.full((tile.shape[0] + 14, width, 3), 255, np.uint8)
    framed[: tile.shape[0], : tile.shape[1]] = tile
    cv2.putText(framed, label, (1, tile.shape[0] + 11), cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 0, 0), 1, cv2.LINE_AA)
    return framed


def write_gallery(path: str | Path, pixels: np.ndarray, defects: Sequence[Defect]) -> None:
    """Write the gallery of ``defects`` on ``pixels`` (see ``draw_gallery``) as a PNG."""
    if not cv2.imwrite(str(path), draw_gallery(pixels, defects)):
        raise OSError(f"could not write gallery {path}")
