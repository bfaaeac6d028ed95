"""An overlay PNG: the frame with each defect's fitted ellipse drawn on it, numbered as the
defect's rows, with a legend and, where the pixel size is known, a scale bar."""

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from edge.io.images import to_uint8
from edge.pipeline.measure import Defect

ELLIPSE_COLOUR = (0, 220, 0)
FLAGGED_COLOUR = (0, 165, 255)  # orange: a measurement with quality flags, to check
BOX_COLOUR = (0, 0, 230)
TEXT_COLOUR = (255, 255, 255)
MIN_SIDE_PX = 512  # smaller frames (a vendor file's 68 px thumbnail) are enlarged to this, pixels kept sharp
SCALE_BAR_LENGTHS_NM = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


def draw_overlay(
    pixels: np.ndarray, defects: Sequence[Defect], pixel_size_nm: float | None = None, show_boxes: bool = True
) -> np.ndarray:
    """A BGR image of the frame with each defect's ellipse (green; orange where flagged, to
    check), its number (its row in the image's JSON and its ROI's name) and its candidate box
    (red, thin); a legend, and a scale bar where ``pixel_size_nm`` is known. Lines and text grow
    with the frame, so that they stay visible when a large frame is viewed whole."""
    view = to_uint8(pixels)
    zoom = max(1, int(np.ceil(MIN_SIDE_PX / max(view.shape))))
    enlarged = cv2.resize(view, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
    canvas = cv2.cvtColor(enlarged, cv2.COLOR_GRAY2BGR)
    side = max(canvas.shape)
    thickness = max(1, round(side / 700))
    font_scale = side / 2200
    for number, defect in enumerate(defects, start=1):
        if show_boxes:
            x0, y0, x1, y1 = (zoom * v for v in defect.bbox)
            cv2.rectangle(canvas, (x0, y0), (x1 - 1, y1 - 1), BOX_COLOUR, max(1, thickness // 2))
        centre = (round(zoom * (defect.x + 0.5) - 0.5), round(zoom * (defect.y + 0.5) - 0.5))
        axes = (max(1, round(zoom * defect.major_px / 2)), max(1, round(zoom * defect.minor_px / 2)))
        colour = FLAGGED_COLOUR if defect.flags else ELLIPSE_COLOUR
        cv2.ellipse(canvas, centre, axes, defect.angle_deg, 0, 360, colour, thickness, cv2.LINE_AA)
        _text(canvas, str(number), (centre[0] + axes[0] // 2, centre[1] - axes[1] // 2), font_scale, colour)
    _legend(canvas, font_scale, thickness, show_boxes)
    if pixel_size_nm is not None:
        _scale_bar(canvas, pixel_size_nm / zoom, font_scale, thickness)
    return canvas


def _text(canvas: np.ndarray, text: str, origin: tuple[int, int], scale: float, colour: tuple) -> None:
    """``text`` at ``origin`` in ``colour``, on a dark outline so it reads on any background."""
    weight = max(1, round(scale * 2))
    cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), weight + 2, cv2.LINE_AA)
    cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, weight, cv2.LINE_AA)


def _legend(canvas: np.ndarray, scale: float, thickness: int, show_boxes: bool) -> None:
    """What the colours mean, in the top-left corner."""
    entries = [(ELLIPSE_COLOUR, "loop: fitted ellipse, numbered"), (FLAGGED_COLOUR, "loop flagged to check")]
    entries += [(BOX_COLOUR, "candidate box")] if show_boxes else []
    line = round(40 * scale) + 4
    width = line * 3 + max(cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] for _, label in entries)
    panel = canvas[: line * len(entries) + line // 2, :width]
    panel[:] = panel // 2  # darkened behind the legend, so it reads on any frame
    for row, (colour, label) in enumerate(entries):
        y = round(line * (row + 1))
        cv2.line(canvas, (line // 2, y - line // 4), (line * 2, y - line // 4), colour, thickness + 1)
        _text(canvas, label, (line * 2 + line // 2, y), scale, TEXT_COLOUR)


def _scale_bar(canvas: np.ndarray, nm_per_px: float, scale: float, thickness: int) -> None:
    """A bar of a round length near a fifth of the frame's width, in the bottom-right corner."""
    height, width = canvas.shape[:2]
    fitting = [length for length in SCALE_BAR_LENGTHS_NM if length / nm_per_px <= width / 5]
    length_nm = fitting[-1] if fitting else SCALE_BAR_LENGTHS_NM[0]
    length_px = round(length_nm / nm_per_px)
    margin = round(width / 40)
    x1, y = width - margin, height - margin
    cv2.line(canvas, (x1 - length_px, y), (x1, y), (0, 0, 0), 3 * thickness + 2)
    cv2.line(canvas, (x1 - length_px, y), (x1, y), TEXT_COLOUR, 3 * thickness)
    label = f"{length_nm / 1000:g} um" if length_nm >= 1000 else f"{length_nm:g} nm"  # OpenCV's fonts have no µ
    (text_width, text_height), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    origin = (x1 - length_px // 2 - text_width // 2, y - 2 * thickness - text_height // 2)
    _text(canvas, label, origin, scale, TEXT_COLOUR)


def write_overlay(
    path: str | Path, pixels: np.ndarray, defects: Sequence[Defect], pixel_size_nm: float | None = None
) -> None:
    """Write the overlay of ``defects`` on ``pixels`` (see ``draw_overlay``) as a PNG."""
    if not cv2.imwrite(str(path), draw_overlay(pixels, defects, pixel_size_nm)):
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
