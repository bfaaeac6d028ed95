"""A labelled data set, whichever way it is stored: a COCO instances file (``.json``) or a
folder in the li2018 layout (images/, boxes/, <split>.txt)."""

from pathlib import Path

from edge.io.coco import CocoError, read_coco
from edge.io.dataset import LabelledImage, read_split


def read_labelled(
    data: str | Path, split: str = "train", images: str | Path | None = None, category: str | None = None
) -> list[LabelledImage]:
    """The labelled images of ``data``: a COCO file (with ``images``, its image folder, and
    ``category``; it is one split already, so ``split`` is not used) or an li2018-layout folder
    (its ``split``; ``images`` and ``category`` do not apply)."""
    data = Path(data)
    if data.suffix.lower() == ".json":
        return read_coco(data, images, category)
    if data.is_dir():
        if images is not None or category is not None:
            raise ValueError(f"{data}: --images and --category apply to COCO files, not to a data set folder")
        return read_split(data, split)
    if not data.exists():
        raise FileNotFoundError(f"{data}: no such file or folder")
    raise CocoError(f"{data}: unknown data set format (give a COCO .json file or a folder with images/, boxes/)")
