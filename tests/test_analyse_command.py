import json

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.io.bundled import sample_paths


def test_analyse_writes_json_and_overlay_per_image(tmp_path, capsys):
    image = sample_paths()[0]
    assert main(["analyse", str(image), "--boxes", str(image.parent), "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / f"{image.stem}.json").read_text())
    assert record["image"] == str(image) and record["pixel_size_nm"] is None
    labelled = len(image.with_suffix(".txt").read_text().split("\n")) - 1
    assert record["count"] == len(record["defects"]) >= 0.95 * labelled
    defect = record["defects"][0]
    assert set(defect) >= {"x", "y", "bbox", "major_px", "minor_px", "angle_deg", "major_nm", "score"}
    assert defect["major_nm"] is None and record["mean_diameter_nm"] is None
    overlay = cv2.imread(str(tmp_path / f"{image.stem}.png"))
    assert overlay.shape[:2] == cv2.imread(str(image), cv2.IMREAD_GRAYSCALE).shape
    assert f"{image.name}: {record['count']} defects" in capsys.readouterr().out


def test_pixel_size_gives_nm_figures(tmp_path):
    image = sample_paths()[0]
    assert (
        main(["analyse", str(image), "--boxes", str(image.parent), "--out", str(tmp_path), "--pixel-size", "0.5"]) == 0
    )
    record = json.loads((tmp_path / f"{image.stem}.json").read_text())
    stats = record
    assert stats["mean_diameter_nm"] == pytest.approx(0.5 * stats["mean_diameter_px"])
    area_um2 = 1024 * 1024 * 0.0005**2
    assert stats["density_per_um2"] == pytest.approx(stats["count"] / area_um2)
    assert record["defects"][0]["major_nm"] == pytest.approx(0.5 * record["defects"][0]["major_px"])


def test_a_bad_image_is_reported_and_the_others_still_analysed(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    good = sample_paths()[0]
    assert main(["analyse", str(bad), str(good), "--boxes", str(good.parent), "--out", str(tmp_path / "o")]) == 1
    assert (tmp_path / "o" / f"{good.stem}.json").is_file()
    assert "bad.png" in capsys.readouterr().err


def test_help_explains_each_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("analyse", "evaluate", "bench"):
        assert command in text


def test_analyse_writes_a_histogram_per_image_a_batch_summary_and_a_defect_table(tmp_path):
    import csv

    images = sample_paths()[:2]
    arguments = ["analyse", *map(str, images), "--boxes", str(images[0].parent), "--out", str(tmp_path)]
    assert main([*arguments, "--pixel-size", "0.5"]) == 0
    records = [json.loads((tmp_path / f"{image.stem}.json").read_text()) for image in images]
    for image in images:
        assert cv2.imread(str(tmp_path / f"{image.stem}.histogram.png")).shape[2] == 3
    assert cv2.imread(str(tmp_path / "summary.png")) is not None
    with open(tmp_path / "defects.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(record["count"] for record in records)
    first = records[0]["defects"][0]
    assert rows[0]["image"] == str(images[0]) and {"major_axis_nm", "x_px", "area_px2"} <= set(rows[0])
    assert float(rows[0]["major_axis_nm"]) == pytest.approx(first["major_nm"])


def test_the_american_spelling_analyze_runs_the_same_command(tmp_path):
    image = sample_paths()[0]
    spellings = ("analyse", "analyze")
    for spelling in spellings:
        assert main([spelling, str(image), "--boxes", str(image.parent), "--out", str(tmp_path / spelling)]) == 0
    british, american = (json.loads((tmp_path / name / f"{image.stem}.json").read_text()) for name in spellings)
    assert british["count"] > 0 and {**british, "stage_ms": None} == {**american, "stage_ms": None}


def _rows(path) -> list[str]:
    return path.read_text().splitlines()[1:]


def test_two_batches_into_one_folder_keep_every_row_and_a_rerun_adds_none(tmp_path, capsys):
    first, second = sample_paths()[:2]
    arguments = ["--boxes", str(first.parent), "--out", str(tmp_path), "--image-table", str(tmp_path / "images.csv")]
    assert main(["analyse", str(first), *arguments]) == 0
    rows_first = _rows(tmp_path / "defects.csv")
    assert main(["analyse", str(second), *arguments]) == 0
    rows_both = _rows(tmp_path / "defects.csv")
    assert rows_both[: len(rows_first)] == rows_first and len(rows_both) > len(rows_first)
    assert {row.split(",")[0] for row in rows_both} == {str(first), str(second)}
    assert [row.split(",")[0] for row in _rows(tmp_path / "images.csv")] == [str(first), str(second)]
    assert "also hold 1 files analysed into" in capsys.readouterr().err
    assert main(["analyse", str(second), *arguments]) == 0  # done before: skipped, nothing doubled
    assert _rows(tmp_path / "defects.csv") == rows_both
    assert main(["analyse", str(second), *arguments, "--redo"]) == 0  # a fresh batch of one file
    assert {row.split(",")[0] for row in _rows(tmp_path / "defects.csv")} == {str(second)}


def test_an_empty_folder_is_an_error_in_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["analyse", str(tmp_path / "empty"), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no image files in this folder" in error


def test_boxes_of_another_image_are_refused(tmp_path, capsys):
    image = sample_paths()[0]
    (tmp_path / f"{image.stem}.txt").write_text("1500 1500 1600 1600\n10 10 50 50\n")  # y0 x0 y1 x1, past 1024 px
    assert main(["analyse", str(image), "--boxes", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert "1 of 2 boxes lie outside this 1024x1024 image (the box file of another image?)" in error


def test_a_failed_files_path_is_printed_once(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert main(["analyse", str(bad), "--boxes", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert f"{bad}: not a readable image" in error and error.count(str(bad)) == 2  # as it fails, and in the summary


def test_the_roi_set_holds_each_ellipse_named_by_its_row_as_imagej_reads_it(tmp_path):
    import struct
    import zipfile

    image = sample_paths()[0]
    assert main(["analyse", str(image), "--boxes", str(image.parent), "--out", str(tmp_path)]) == 0
    defects = json.loads((tmp_path / f"{image.stem}.json").read_text())["defects"]
    with zipfile.ZipFile(tmp_path / f"{image.stem}.rois.zip") as rois:
        names = rois.namelist()
        assert names == [f"{number:04d}.roi" for number in range(1, len(defects) + 1)]
        for name, defect in zip(names, defects, strict=True):
            # ImageJ's RoiDecoder: "Iout", version, type (7: freehand), then top, left, bottom, right
            data = rois.read(name)
            magic, _, kind, top, left, bottom, right = struct.unpack(">4shBxhhhh", data[:16])
            assert magic == b"Iout" and kind == 7
            half = defect["major_px"] / 2  # the ellipse's extent lies within its major axis of its centre
            centre_x, centre_y = defect["x"] + 0.5, defect["y"] + 0.5  # ImageJ's pixel centres are at +0.5
            assert left >= int(centre_x - half) - 1 and right <= int(centre_x + half) + 2
            assert top >= int(centre_y - half) - 1 and bottom <= int(centre_y + half) + 2
            assert right - left >= int(defect["minor_px"]) - 1


def test_an_independent_imagej_reader_reads_each_roi_as_its_defects_ellipse(tmp_path):
    from read_roi import read_roi_zip  # written apart from roifile, which writes the set

    image = sample_paths()[1]
    assert main(["analyse", str(image), "--boxes", str(image.parent), "--out", str(tmp_path)]) == 0
    defects = json.loads((tmp_path / f"{image.stem}.json").read_text())["defects"]
    rois = read_roi_zip(str(tmp_path / f"{image.stem}.rois.zip"))
    assert list(rois) == [f"{number:04d}" for number in range(1, len(defects) + 1)]
    for roi, defect in zip(rois.values(), defects, strict=True):
        assert roi["type"] == "freehand"
        points = np.column_stack([roi["x"], roi["y"]]) - 0.5  # ImageJ's pixel centres are at +0.5
        assert points.mean(axis=0) == pytest.approx([defect["x"], defect["y"]], abs=0.5)
        reach = np.linalg.norm(points - points.mean(axis=0), axis=1)
        assert reach.max() == pytest.approx(defect["major_px"] / 2, abs=0.75)
        assert reach.min() == pytest.approx(defect["minor_px"] / 2, abs=0.75)


def test_an_image_analysed_again_without_loops_leaves_no_roi_set_of_the_earlier_run(tmp_path):
    image = sample_paths()[0]
    boxes = tmp_path / "boxes"
    boxes.mkdir()
    (boxes / f"{image.stem}.txt").write_text("")  # no candidates this time
    (tmp_path / "out").mkdir()
    earlier = tmp_path / "out" / f"{image.stem}.rois.zip"
    earlier.write_bytes(b"an earlier run's set")
    assert main(["analyse", str(image), "--boxes", str(boxes), "--out", str(tmp_path / "out")]) == 0
    assert json.loads((tmp_path / "out" / f"{image.stem}.json").read_text())["count"] == 0
    assert not earlier.exists()
