"""The li2018 data set layout: images/, boxes/, and split lists (train.txt, test.txt, ...)."""

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.io.boxes import read_boxes, write_boxes


@dataclass(frozen=True)
class LabelledImage:
    """An image path with its labelled boxes ``[x0, y0, x1, y1]``, where the labels have
    them (COCO polygons) each box's drawn outline ``(K, 2)`` as ``x, y`` points (None: none),
    and which boxes an audit added (``edge.train.audit``; None: none), which count for
    precision but not for recall."""

    image: Path
    boxes: np.ndarray
    outlines: list[np.ndarray | None] | None = None
    added: np.ndarray | None = None


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


def write_split(items: list[LabelledImage], data_dir: str | Path, split: str) -> None:
    """Write ``items`` as ``split`` of a data set in this layout (images copied; outlines,
    which the layout cannot hold, are left out)."""
    check_unique_names(items)
    data_dir = Path(data_dir)
    (data_dir / "images").mkdir(parents=True, exist_ok=True)
    (data_dir / "boxes").mkdir(exist_ok=True)
    for item in items:
        target = data_dir / "images" / item.image.name
        if not target.exists() or target.resolve() != item.image.resolve():
            shutil.copyfile(item.image, target)
        write_boxes(data_dir / "boxes" / f"{item.image.stem}.txt", item.boxes)
    (data_dir / f"{split}.txt").write_text("".join(f"{item.image.name}\n" for item in items))


def check_unique_names(items: list[LabelledImage]) -> None:
    """``ValueError`` unless the images' file names, and their stems (box files are named by
    stem), differ: images gathered into one folder would overwrite each other."""
    for key, what in ((lambda item: item.image.name, "name"), (lambda item: item.image.stem, "name less extension")):
        seen: dict[str, Path] = {}
        for item in items:
            if key(item) in seen and seen[key(item)] != item.image:
                raise ValueError(f"{seen[key(item)]} and {item.image} have the same {what}: rename one to gather them")
            seen[key(item)] = item.image


def split_digests(data_dir: str | Path, split: str) -> dict[str, str]:
    """``{content digest: image name}`` of the images ``<data_dir>/<split>.txt`` lists (none
    where there is no such list): a copy of one of them under another name, in another split,
    has the same digest (li2018's train split holds a copy of a test image)."""
    listing = Path(data_dir) / f"{split}.txt"
    if not listing.is_file():
        return {}
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    return {_digest(Path(data_dir) / "images" / name): name for name in names}


def copies_of(items: list[LabelledImage], digests: dict[str, str]) -> dict[Path, str]:
    """``{image: name in digests}`` for the images of ``items`` whose content ``digests`` holds."""
    found = {item.image: digests.get(_digest(item.image)) for item in items}
    return {image: name for image, name in found.items() if name is not None}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
