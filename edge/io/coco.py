"""COCO instance files, as CVAT, labelme (labelme2coco), napari plugins and Fiji converters
export them: ``images``, ``annotations`` (``bbox`` as ``[x, y, width, height]``, optional
polygon ``segmentation``) and ``categories``.

Images are looked up in ``images_dir`` when given, else beside the JSON file, then in its
``images/`` folder, then in an ``images/`` folder beside the JSON file's own folder (CVAT); a
``file_name`` is also tried by its bare name. A box is ``[x0, y0, x1, y1]`` inside the project;
a polygon, where an annotation has one, is the loop's drawn outline, ``(K, 2)`` points ``x, y``.
"""

import json
import logging
import os
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np

from edge.io.dataset import LabelledImage, check_unique_names
from edge.io.images import read_frame

log = logging.getLogger(__name__)

EDGE_TOLERANCE_PX = 1.0  # a box may stick out of its frame by this much (rounding in the exporters)


class CocoError(ValueError):
    """A COCO file that cannot be used: not COCO, a missing image, a box outside its frame, an
    unknown or empty category."""


def read_coco(
    path: str | Path, images_dir: str | Path | None = None, category: str | None = None
) -> list[LabelledImage]:
    """The images of the COCO file ``path`` with the boxes (and outlines) of one category.

    Parameters
    ----------
    path : str or Path
        A COCO instances JSON file.
    images_dir : str or Path, optional
        Where the images are; without it, beside ``path``, in its ``images/`` folder, then in
        ``../images`` (CVAT's ``annotations/`` layout).
    category : str, optional
        The category to read; may be left out when the file has only one.

    Returns
    -------
    list of LabelledImage
        In the file's order of images; an image without annotations has no boxes (all of it is
        background). ``outlines`` holds each box's polygon, or None where it has none.

    Raises
    ------
    CocoError
        For a file that is not COCO instances, an unknown or empty category, a missing image
        or a box outside its frame.
    """
    path = Path(path)
    document = _load(path)
    category_id = _category_id(document["categories"], category, path)
    by_image: dict[int, list[dict]] = defaultdict(list)
    for annotation in document["annotations"]:
        if annotation.get("category_id") == category_id:
            by_image[annotation.get("image_id")].append(annotation)
    if not by_image:
        raise CocoError(f"{path}: category {_category_name(document['categories'], category_id)!r} has no annotations")
    known = {image.get("id") for image in document["images"]}
    unknown = sorted(set(by_image) - known, key=str)
    if unknown:
        raise CocoError(f"{path}: annotations refer to images not in 'images': ids {unknown[:5]}")
    folders = _image_folders(path, images_dir)
    items = [_labelled(image, by_image[image.get("id")], folders, path) for image in document["images"]]
    empty = [item.image.name for item in items if len(item.boxes) == 0]
    if empty:
        name = _category_name(document["categories"], category_id)
        log.warning("%s: %d of %d images have no %r annotations and are used as background, every loop in them "
                    "unlabelled (%s%s)", path, len(empty), len(items), name, ", ".join(empty[:3]),
                    ", ..." if len(empty) > 3 else "")  # fmt: skip
    return items


def write_coco(items: list[LabelledImage], path: str | Path, category: str = "loop", copy_images: bool = False) -> None:
    """Write ``items`` as a COCO instances file; image names are relative to ``path``'s folder
    (``copy_images``: the images are copied into its ``images/`` folder first, so their names
    must differ)."""
    path = Path(path)
    if copy_images:
        check_unique_names(items)
    path.parent.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for image_id, item in enumerate(items, start=1):
        source = item.image
        if copy_images:
            (path.parent / "images").mkdir(exist_ok=True)
            source = path.parent / "images" / item.image.name
            if source.resolve() != item.image.resolve():
                shutil.copyfile(item.image, source)
        shape = read_frame(item.image).pixels.shape
        file_name = Path(os.path.relpath(source, path.parent)).as_posix()
        images.append({"id": image_id, "file_name": file_name, "width": int(shape[1]), "height": int(shape[0])})
        outlines = item.outlines or [None] * len(item.boxes)
        for box, outline in zip(item.boxes, outlines, strict=True):
            x0, y0, x1, y1 = (float(v) for v in box)
            annotation = {
                "id": len(annotations) + 1,
                "image_id": image_id,
                "category_id": 1,
                "bbox": [x0, y0, x1 - x0, y1 - y0],
                "area": (x1 - x0) * (y1 - y0),
                "iscrowd": 0,
            }
            if outline is not None:
                annotation["segmentation"] = [np.asarray(outline, np.float64).ravel().tolist()]
                annotation["area"] = float(_polygon_area(outline))
            annotations.append(annotation)
    document = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": category}]}
    path.write_text(json.dumps(document, indent=1))


def _load(path: Path) -> dict:
    if not path.is_file():
        raise CocoError(f"{path}: no such file")
    try:
        document = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CocoError(f"{path}: not a COCO file (not JSON: {error})") from error
    missing = [
        key for key in ("images", "annotations", "categories") if not isinstance(document, dict) or key not in document
    ]
    if missing:
        raise CocoError(f"{path}: not a COCO instances file (no {', '.join(repr(k) for k in missing)})")
    return document


def _category_id(categories: list[dict], name: str | None, path: Path) -> int:
    names = {category.get("name"): category.get("id") for category in categories}
    if name is None:
        if len(names) != 1:
            raise CocoError(f"{path}: {len(names)} categories ({', '.join(map(str, names))}): pick one with --category")
        return next(iter(names.values()))
    if name not in names:
        raise CocoError(f"{path}: no category {name!r} (categories: {', '.join(map(str, names)) or 'none'})")
    return names[name]


def _category_name(categories: list[dict], category_id: int) -> str:
    return next(category.get("name") for category in categories if category.get("id") == category_id)


def coco_images(path: str | Path, images_dir: str | Path | None = None) -> list[Path]:
    """The image files the COCO file ``path`` names, in its order, found as ``read_coco`` finds
    them (whatever their annotations).

    Raises
    ------
    CocoError
        For a file that is not COCO instances, or a missing image.
    """
    path = Path(path)
    folders = _image_folders(path, images_dir)
    return [_image_file(image, folders, path) for image in _load(path)["images"]]


def _image_folders(path: Path, images_dir: str | Path | None) -> list[Path]:
    """Where a COCO file's images are looked for: ``images_dir``, else beside the file, in its
    images/ folder, or (CVAT: annotations/instances_default.json) the images/ folder beside the
    file's own folder."""
    if images_dir is not None:
        return [Path(images_dir)]
    return [path.parent, path.parent / "images", path.parent.parent / "images"]


def _image_file(image: dict, folders: list[Path], path: Path) -> Path:
    file_name = image.get("file_name")
    if not file_name or not isinstance(file_name, str):
        raise CocoError(f"{path}: image id {image.get('id')} has no file_name")
    file_name = file_name.replace("\\", "/")  # written on Windows
    candidates = [folder / file_name for folder in folders] + [folder / Path(file_name).name for folder in folders]
    found = next((candidate for candidate in candidates if candidate.is_file()), None)
    if found is None:
        tried = ", ".join(str(c) for c in dict.fromkeys(candidates))
        raise CocoError(f"{path}: image {file_name!r} not found (looked for {tried}; give its folder with --images)")
    return found


def _labelled(image: dict, annotations: list[dict], folders: list[Path], path: Path) -> LabelledImage:
    found = _image_file(image, folders, path)
    file_name = image["file_name"]
    width, height = image.get("width"), image.get("height")
    if not width or not height:  # not every exporter writes them
        height, width = read_frame(found).pixels.shape
    boxes, outlines = [], []
    for annotation in annotations:
        where = f"{path}: annotation {annotation.get('id')} in {file_name}"
        outline = _outline(annotation.get("segmentation"), where)
        boxes.append(_box(annotation.get("bbox"), outline, width, height, where))
        outlines.append(outline)
    boxes = np.array(boxes, np.float64).reshape(-1, 4)
    return LabelledImage(found, boxes, outlines if any(o is not None for o in outlines) else None)


def _box(bbox, outline: np.ndarray | None, width: float, height: float, where: str) -> list[float]:
    if bbox is None and outline is not None:  # a polygon without its box: the polygon's extent
        (x0, y0), (x1, y1) = outline.min(axis=0), outline.max(axis=0)
        bbox = [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(isinstance(v, int | float) for v in bbox):
        raise CocoError(f"{where}: bbox is not [x, y, width, height]")
    x, y, w, h = (float(v) for v in bbox)
    inside = (
        w > 0 and h > 0 and x >= -EDGE_TOLERANCE_PX and y >= -EDGE_TOLERANCE_PX
        and x + w <= width + EDGE_TOLERANCE_PX and y + h <= height + EDGE_TOLERANCE_PX
    )  # fmt: skip
    if not inside:
        raise CocoError(
            f"{where}: box [x {x:g}, y {y:g}, width {w:g}, height {h:g}] is empty or outside the {width}x{height} frame"
        )
    return [max(x, 0.0), max(y, 0.0), min(x + w, width), min(y + h, height)]


def _outline(segmentation, where: str) -> np.ndarray | None:
    """The largest polygon of a COCO segmentation (a list of ``[x, y, x, y, ...]`` parts, or one
    such flat list), ``(K, 2)``; None for none or for an RLE mask (outlines come from polygons)."""
    if not isinstance(segmentation, list) or not segmentation:
        return None
    parts = [segmentation] if all(isinstance(v, int | float) for v in segmentation) else segmentation
    for part in parts:
        if not isinstance(part, list) or len(part) % 2 or not all(isinstance(v, int | float) for v in part):
            raise CocoError(f"{where}: segmentation is not a list of [x, y, x, y, ...] polygons")
    polygons = [np.asarray(part, np.float64).reshape(-1, 2) for part in parts if len(part) >= 6]
    if not polygons:
        return None
    return max(polygons, key=_polygon_area)


def _polygon_area(points: np.ndarray) -> float:
    x, y = np.asarray(points, np.float64).T
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)
