"""The li2018 data set layout: images/, boxes/, and split lists (train.txt, test.txt, ...)."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.io.boxes import read_boxes


@dataclass(frozen=True)
class LabelledImage:
    """An image path with its labelled boxes ``[x0, y0, x1, y1]``."""

    image: Path
    boxes: np.ndarray


def read_split(data_dir: str | Path, split: str) -> list[LabelledImage]:
    """The images listed in ``<data_dir>/<split>.txt`` with their boxes."""
    data_dir = Path(data_dir)
    listing = data_dir / f"{split}.txt"
    if not listing.is_file():
        splits = sorted(p.stem for p in data_dir.glob("*.txt"))
        raise FileNotFoundError(f"{listing}: no such split (found: {', '.join(splits) or 'none'})")
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    return [
        LabelledImage(data_dir / "images" / name, read_boxes(data_dir / "boxes" / f"{Path(name).stem}.txt")[0])
        for name in names
    ]
