"""edge analyse over many files: tables, resuming, failures, and the same rows on a Dask cluster."""

import os
import shutil

import numpy as np
import pytest

from edge.archive.files import expand
from edge.cli import main
from edge.io.bundled import sample_paths
from edge.io.coco import write_coco
from edge.io.dataset import LabelledImage
from edge.pipeline.tables import DEFECT_COLUMNS, IMAGE_COLUMNS, read_table


@pytest.fixture
def archive(tmp_path, em_formats):
    """Three bundled samples and a DM3 file with its own pixel size, in a folder tree."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    for path in sample_paths()[:2]:
        shutil.copy(path, tmp_path / "a" / path.name)
    shutil.copy(sample_paths()[2], tmp_path / "a" / "b" / sample_paths()[2].name)
    shutil.copy(em_formats / "test_STEM_image.dm3", tmp_path / "a" / "b" / "stem.dm3")
    return tmp_path


def test_globs_folders_and_files_expand_once_each_in_order(archive):
    files = expand([str(archive / "a" / "**" / "*.jpg"), str(archive / "a"), str(archive / "a" / "b" / "stem.dm3")])
    names = [path.name for path in files]
    assert len(names) == len(set(names)) == 4 and names[-1] == "stem.dm3"
    with pytest.raises(ValueError, match="no file matches"):
        expand([str(archive / "*.tif")])


def test_a_coco_labels_file_expands_to_the_images_it_names_in_its_order(archive):
    first, second = sorted((archive / "a").glob("*.jpg"))
    labels = archive / "a" / "test.json"
    write_coco([LabelledImage(second, np.array([[10.0, 10, 40, 40]])), LabelledImage(first, np.zeros((0, 4)))], labels)
    assert expand([str(labels)]) == [second, first]
    labels.write_text(labels.read_text().replace(second.name, "gone.jpg"))
    with pytest.raises(ValueError, match="gone.jpg"):
        expand([str(labels)])


def test_tables_have_a_row_per_defect_and_per_image_with_units_in_the_names(archive, capsys):
    out = archive / "out"
    code = main(["analyse", str(archive / "a" / "**" / "*"), "--out", str(out), "--pixel-size", "0.5",
                 "--table", str(archive / "d.parquet"), "--image-table", str(archive / "i.csv")])  # fmt: skip
    assert code == 0
    defects, images = read_table(archive / "d.parquet"), read_table(archive / "i.csv")
    assert list(defects[0]) == list(DEFECT_COLUMNS) and list(images[0]) == list(IMAGE_COLUMNS)
    assert len(images) == 4 and len(defects) == sum(int(row["count"]) for row in images) > 0
    assert all(row["major_axis_nm"] == pytest.approx(0.5 * row["major_axis_px"]) for row in defects)
    assert all(row["frame"] == 0 and row["scene"] is None for row in defects)
    assert {row["pixel_size_nm"] for row in images} == {"0.5"} and images[0]["scene"] == ""
    assert read_table(out / "defects.csv")[0]["image"] == defects[0]["image"]


def test_the_pixel_size_comes_from_the_files_own_metadata(archive):
    out = archive / "out"
    assert main(["analyse", str(archive / "a" / "b" / "stem.dm3"), "--out", str(out),
                 "--image-table", str(archive / "i.parquet")]) == 0  # fmt: skip
    (row,) = read_table(archive / "i.parquet")
    assert row["pixel_size_nm"] == pytest.approx(0.2485, rel=1e-3) and row["width_px"] == 68


def test_a_second_run_skips_the_files_done_and_redoes_a_changed_one(archive, capsys):
    arguments = ["analyse", str(archive / "a" / "*.jpg"), "--out", str(archive / "out"),
                 "--table", str(archive / "d.csv")]  # fmt: skip
    assert main(arguments) == 0
    first = read_table(archive / "d.csv")
    capsys.readouterr()
    assert main(arguments) == 0
    output = capsys.readouterr()
    assert "2 of 2 files done before" in output.err and "defects" not in output.out
    assert read_table(archive / "d.csv") == first
    changed = archive / "a" / sample_paths()[0].name
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    assert main(arguments) == 0
    output = capsys.readouterr()
    assert "1 of 2 files done before" in output.err and changed.name in output.out
    assert read_table(archive / "d.csv") == first


def test_a_run_on_more_measuring_threads_keeps_the_files_done(archive, capsys):
    """The threads a frame is measured on change no result, so they are not part of what the
    journal holds a file's results to."""
    arguments = ["analyse", str(archive / "a" / "*.jpg"), "--out", str(archive / "out")]
    assert main(arguments) == 0
    capsys.readouterr()
    assert main([*arguments, "--measure-threads", "2"]) == 0
    assert "2 of 2 files done before" in capsys.readouterr().err


def test_a_failed_file_is_reported_with_its_error_and_the_rest_are_written(archive, capsys):
    (archive / "a" / "broken.png").write_bytes(b"not a png")
    code = main(["analyse", str(archive / "a"), "--out", str(archive / "out"), "--table", str(archive / "d.csv")])
    assert code == 1
    assert "1 of 3 files failed" in capsys.readouterr().err
    assert {row["image"] for row in read_table(archive / "d.csv")} == {
        str(archive / "a" / p.name) for p in sample_paths()[:2]
    }


def test_a_table_of_another_format_is_refused_before_any_work(tmp_path, capsys):
    assert main(["analyse", str(sample_paths()[0]), "--out", str(tmp_path / "out"), "--table", "d.xlsx"]) == 1
    assert ".parquet or .csv" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_a_dask_run_writes_exactly_the_serial_runs_rows(archive):
    files = [str(archive / "a" / "**" / "*")]
    assert main(["analyse", *files, "--out", str(archive / "s"), "--table", str(archive / "s.parquet"),
                 "--image-table", str(archive / "si.parquet")]) == 0  # fmt: skip
    assert main(["analyse", *files, "--out", str(archive / "d"), "--table", str(archive / "d.parquet"),
                 "--image-table", str(archive / "di.parquet"), "--dask", "local:2"]) == 0  # fmt: skip
    assert read_table(archive / "d.parquet") == read_table(archive / "s.parquet")
    assert read_table(archive / "di.parquet") == read_table(archive / "si.parquet")
