"""Box files in the li2018 layout: one box a line, ``y_min x_min y_max x_max [score]``.

Inside the project boxes are arrays of ``[x0, y0, x1, y1]`` (pixels), with an optional
score array beside them.
"""

from pathlib import Path

import numpy as np


class BoxFileError(ValueError):
    """A box file that does not hold 4 or 5 numbers a line, or boxes of another image."""


def read_boxes(path: str | Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Boxes ``(N, 4)`` as ``x0, y0, x1, y1`` and scores ``(N,)`` (None without a 5th column)."""
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            values = [float(v) for v in line.split()]
        except ValueError as error:
            raise BoxFileError(f"{path}:{number}: not numbers: {line!r}") from error
        if len(values) not in (4, 5):
            raise BoxFileError(f"{path}:{number}: expected 'y_min x_min y_max x_max [score]', got {line!r}")
        rows.append(values)
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise BoxFileError(f"{path}: some lines have a score and some do not")
    table = np.array(rows, np.float64).reshape(-1, widths.pop() if widths else 4)
    boxes = table[:, [1, 0, 3, 2]]
    scores = table[:, 4] if table.shape[1] == 5 else None
    return boxes, scores


def check_boxes_fit(boxes: np.ndarray, shape: tuple[int, int], box_file: str | Path) -> None:
    """Raise ``BoxFileError`` when a box of ``box_file`` lies wholly outside a frame of
    ``shape``: boxes that cannot be of this image, as those of another, larger one."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    height, width = shape
    outside = (boxes[:, 0] >= width) | (boxes[:, 1] >= height) | (boxes[:, 2] <= 0) | (boxes[:, 3] <= 0)
    if outside.any():
        raise BoxFileError(
            f"{box_file}: {int(outside.sum())} of {len(boxes)} boxes lie outside this {width}x{height} image "
            "(the box file of another image?)"
        )


def write_boxes(path: str | Path, boxes: np.ndarray, scores: np.ndarray | None = None) -> None:
    """Write boxes ``x0, y0, x1, y1`` in the li2018 layout (with scores as a 5th column)."""
    lines = []
    for index, (x0, y0, x1, y1) in enumerate(np.asarray(boxes).reshape(-1, 4)):
        line = f"{y0:g} {x0:g} {y1:g} {x1:g}"
        if scores is not None:
            line += f" {scores[index]:.4f}"
        lines.append(line)
    Path(path).write_text("\n".join(lines) + ("\n" if lines else ""))


def box_file_for(image: str | Path, boxes: str | Path) -> Path:
    """The box file of ``image``: ``boxes`` itself, or ``boxes/<image stem>.txt`` for a folder."""
    boxes = Path(boxes)
    return boxes / f"{Path(image).stem}.txt" if boxes.is_dir() else boxes


def box_iou(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """IoU of every box in ``first`` with every box in ``second`` (``[x0, y0, x1, y1]``)."""
    first, second = first.reshape(-1, 4), second.reshape(-1, 4)
    left = np.maximum(first[:, None, 0], second[None, :, 0])
    top = np.maximum(first[:, None, 1], second[None, :, 1])
    right = np.minimum(first[:, None, 2], second[None, :, 2])
    bottom = np.minimum(first[:, None, 3], second[None, :, 3])
    overlap = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_first = (first[:, 2] - first[:, 0]) * (first[:, 3] - first[:, 1])
    area_second = (second[:, 2] - second[:, 0]) * (second[:, 3] - second[:, 1])
    union = area_first[:, None] + area_second[None, :] - overlap
    return np.where(union > 0, overlap / np.where(union > 0, union, 1), 0.0)
