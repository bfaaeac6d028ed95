import pytest

from edge.pipeline.measure import Defect
from edge.pipeline.result import FrameResult
from edge.pipeline.stats import frame_stats
from edge.pipeline.tables import DEFECT_COLUMNS, IMAGE_COLUMNS, TableWriter, defect_rows, image_row, read_table


def result(pixel_size_nm):
    defects = [
        Defect(10.0, 20.0, (0, 0, 30, 30), 12.0, 8.0, 30.0, 75.0, 0.9),
        Defect(50, 60, (40, 40, 70, 70), 6, 5, 0, 20),
    ]
    return FrameResult(defects, frame_stats(defects, (100, 200), pixel_size_nm), pixel_size_nm)


def test_rows_give_sizes_in_nm_only_where_the_pixel_size_is_known():
    with_size, without = defect_rows("a.dm4", 3, result(0.5)), defect_rows("b.png", 0, result(None))
    assert with_size[0]["major_axis_nm"] == 6.0 and with_size[0]["frame"] == 3
    assert without[0]["major_axis_nm"] is None and without[1]["score"] is None
    row = image_row("a.dm4", 3, (100, 200), result(0.5))
    assert (row["width_px"], row["height_px"], row["count"], row["mean_diameter_nm"]) == (200, 100, 2, 4.5)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_table_written_in_two_appends_reads_back_whole_with_empty_cells_for_unknowns(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    with TableWriter(path, DEFECT_COLUMNS) as table:
        table.append(defect_rows("a", 0, result(None)))
        table.append(defect_rows("b", 1, result(0.5)))
    rows = read_table(path)
    assert [row["image"] for row in rows] == ["a", "a", "b", "b"]
    if suffix == ".parquet":
        assert rows[0]["major_axis_nm"] is None and rows[2]["major_axis_nm"] == 6.0 and rows[0]["hollow"] is True
    else:
        assert rows[0]["major_axis_nm"] == "" and float(rows[2]["major_axis_nm"]) == 6.0


def test_image_rows_fit_their_columns(tmp_path):
    with TableWriter(tmp_path / "i.parquet", IMAGE_COLUMNS) as table:
        table.append([image_row("a", 0, (100, 200), result(None))])
    assert read_table(tmp_path / "i.parquet")[0]["density_per_um2"] is None
