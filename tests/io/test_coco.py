"""COCO instance files: read, written, converted to and from the li2018 layout, and refused
with a clear message when they cannot be used."""

import json
import shutil

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.io.bundled import sample_paths
from edge.io.coco import CocoError, read_coco, write_coco
from edge.io.dataset import LabelledImage, read_split, write_split
from edge.io.labels import read_labelled


@pytest.fixture
def li2018_layout(tmp_path):
    """The bundled sample frames as a data set folder: 4 in train, 2 in test."""
    folder = tmp_path / "li2018"
    (folder / "images").mkdir(parents=True)
    (folder / "boxes").mkdir()
    names = []
    for path in sample_paths():
        shutil.copy(path, folder / "images" / path.name)
        shutil.copy(path.with_suffix(".txt"), folder / "boxes" / f"{path.stem}.txt")
        names.append(path.name)
    (folder / "train.txt").write_text("\n".join(names[:4]) + "\n")
    (folder / "test.txt").write_text("\n".join(names[4:]) + "\n")
    return folder


def coco_file(tmp_path, annotations, categories=({"id": 1, "name": "loop"},), images=None) -> object:
    """A COCO file over one blank 64x48 PNG, ``frame.png``, beside it."""
    cv2.imwrite(str(tmp_path / "frame.png"), np.full((48, 64), 128, np.uint8))
    images = images if images is not None else [{"id": 7, "file_name": "frame.png", "width": 64, "height": 48}]
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": list(categories)}))
    return path


def annotation(bbox, category=1, **extra) -> dict:
    return {"id": 1, "image_id": 7, "category_id": category, "bbox": bbox, **extra}


def test_li2018_layout_to_coco_and_back_keeps_every_box_and_split(li2018_layout, tmp_path):
    original = read_split(li2018_layout, "train")
    assert main(["convert", "--data", str(li2018_layout), "--to", str(tmp_path / "coco" / "train.json"),
                 "--copy-images", "--category", "dislocation loop"]) == 0  # fmt: skip
    from_coco = read_labelled(tmp_path / "coco" / "train.json", category="dislocation loop")
    assert [item.image.name for item in from_coco] == [item.image.name for item in original]
    assert (tmp_path / "coco" / "images" / original[0].image.name).is_file()
    for ours, theirs in zip(from_coco, original, strict=True):
        np.testing.assert_array_equal(ours.boxes, theirs.boxes)
    assert main(["convert", "--data", str(tmp_path / "coco" / "train.json"), "--to", str(tmp_path / "back")]) == 0
    back = read_split(tmp_path / "back", "train")
    for ours, theirs in zip(back, original, strict=True):
        assert ours.image.name == theirs.image.name
        np.testing.assert_array_equal(ours.boxes, theirs.boxes)


def test_coco_boxes_are_corners_and_polygons_are_outlines(tmp_path):
    square = [10, 5, 30, 5, 30, 25, 10, 25]
    sliver = [0, 0, 1, 0, 1, 1]
    path = coco_file(tmp_path, [annotation([10, 5, 20, 20], segmentation=[sliver, square]),
                                annotation([40, 10, 8, 6], segmentation={"counts": [], "size": [48, 64]})])  # fmt: skip
    (item,) = read_coco(path)
    np.testing.assert_array_equal(item.boxes, [[10, 5, 30, 25], [40, 10, 48, 16]])
    np.testing.assert_array_equal(item.outlines[0], np.reshape(square, (-1, 2)))  # the larger part
    assert item.outlines[1] is None  # an RLE mask gives no polygon


def test_a_polygon_without_a_bbox_gives_its_extent(tmp_path):
    (item,) = read_coco(coco_file(tmp_path, [{"id": 1, "image_id": 7, "category_id": 1,
                                              "segmentation": [[10, 5, 30, 5, 30, 25]]}]))  # fmt: skip
    np.testing.assert_array_equal(item.boxes, [[10, 5, 30, 25]])


def test_images_are_found_in_the_images_folder_or_where_told(tmp_path):
    path = coco_file(tmp_path, [annotation([1, 1, 5, 5])])
    (tmp_path / "images").mkdir()
    shutil.move(tmp_path / "frame.png", tmp_path / "images" / "frame.png")
    assert read_coco(path)[0].image == tmp_path / "images" / "frame.png"
    elsewhere = tmp_path / "elsewhere"
    shutil.move(tmp_path / "images", elsewhere)
    assert read_coco(path, images_dir=elsewhere)[0].image == elsewhere / "frame.png"


def test_an_image_without_annotations_is_all_background(tmp_path):
    images = [{"id": 7, "file_name": "frame.png", "width": 64, "height": 48},
              {"id": 8, "file_name": "frame.png", "width": 64, "height": 48}]  # fmt: skip
    first, second = read_coco(coco_file(tmp_path, [annotation([1, 1, 5, 5])], images=images))
    assert len(first.boxes) == 1 and second.boxes.shape == (0, 4)


@pytest.mark.parametrize(
    ("annotations", "categories", "category", "message"),
    [
        ([annotation([60, 10, 10, 10])], None, None, "outside the 64x48 frame"),
        ([annotation([5, 5, 0, 10])], None, None, "empty or outside"),
        ([annotation([5, 5, 10, 10], category=2)], None, None, "'loop' has no annotations"),
        ([annotation([5, 5, 10, 10])], None, "void", r"no category 'void' \(categories: loop\)"),
        ([annotation([5, 5, 10, 10])], [{"id": 1, "name": "loop"}, {"id": 2, "name": "line"}], None, "--category"),
    ],
)
def test_unusable_labels_are_refused_with_the_reason(tmp_path, annotations, categories, category, message):
    path = coco_file(tmp_path, annotations, categories or ({"id": 1, "name": "loop"},))
    with pytest.raises(CocoError, match=message):
        read_coco(path, category=category)


def test_a_missing_image_is_named_with_where_it_was_looked_for(tmp_path):
    images = [{"id": 7, "file_name": "gone.png", "width": 64, "height": 48}]
    with pytest.raises(CocoError, match=r"image 'gone.png' not found \(looked for .*gone.png.*--images"):
        read_coco(coco_file(tmp_path, [annotation([1, 1, 5, 5])], images=images))


def test_files_that_are_not_coco_are_refused(tmp_path):
    (tmp_path / "a.json").write_text('{"images": []}')
    with pytest.raises(CocoError, match="not a COCO instances file \\(no 'annotations', 'categories'\\)"):
        read_labelled(tmp_path / "a.json")
    (tmp_path / "b.json").write_text("{oops")
    with pytest.raises(CocoError, match="not JSON"):
        read_labelled(tmp_path / "b.json")
    (tmp_path / "labels.xml").write_text("<annotations/>")
    with pytest.raises(CocoError, match="unknown data set format"):
        read_labelled(tmp_path / "labels.xml")


def test_the_command_line_reports_a_bad_file_without_a_traceback(tmp_path, capsys):
    path = coco_file(tmp_path, [annotation([60, 10, 10, 10])])
    assert main(["evaluate", "--data", str(path), "--screen", "none"]) == 1
    assert "outside the 64x48 frame" in capsys.readouterr().err


def test_outlines_survive_a_coco_round_trip(tmp_path):
    cv2.imwrite(str(tmp_path / "frame.png"), np.zeros((48, 64), np.uint8))
    outline = np.array([[10, 5], [30, 5], [30, 25], [10, 25]], float)
    item = LabelledImage(tmp_path / "frame.png", np.array([[10, 5, 30, 25]], float), [outline])
    write_coco([item], tmp_path / "out.json")
    (back,) = read_coco(tmp_path / "out.json")
    np.testing.assert_array_equal(back.outlines[0], outline)
    write_split([back], tmp_path / "layout", "train")  # the layout has no room for outlines
    assert read_split(tmp_path / "layout", "train")[0].outlines is None
