"""edge serve --record: each series' tables, written as it runs."""

import pytest

from edge.io.bundled import sample_frames
from edge.live.loopback import LoopbackService
from edge.live.service.config import ServiceConfig
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings
from edge.pipeline.tables import DEFECT_COLUMNS, IMAGE_COLUMNS, read_table


@pytest.mark.parametrize("table_format", ["parquet", "csv"])
def test_each_series_gets_a_defect_and_an_image_table_matching_what_was_published(tmp_path, table_format):
    frames = [(frame.pixels[:512, :512].copy(), 0.5) for frame, _ in list(sample_frames())[:3]]
    config = ServiceConfig(record=str(tmp_path), record_format=table_format, summary_every=2, queue_size=8)
    with LoopbackService(config, Pipeline.from_settings(PipelineSettings(backend="onnxruntime"))) as running:
        for series in ("run 1", "run/2"):
            running.replay(frames, series).join()
            messages = running.receive_until(lambda topic, body: topic == "series" and body["final"])
        published = [body for topic, body in messages if topic == "frame"]
    defects = sorted(tmp_path.glob(f"*run_2.defects.{table_format}"))
    images = sorted(tmp_path.glob(f"*run_2.images.{table_format}"))
    assert len(defects) == len(images) == 1 and len(list(tmp_path.iterdir())) == 4
    image_rows, defect_rows = read_table(images[0]), read_table(defects[0])
    assert list(image_rows[0]) == list(IMAGE_COLUMNS) and list(defect_rows[0]) == list(DEFECT_COLUMNS)
    # rows in the order published (in-process workers may finish frames out of order)
    assert [int(row["frame"]) for row in image_rows] == [body["frame"] for body in published]
    assert sorted(body["frame"] for body in published) == [1, 2, 3]
    assert [int(row["count"]) for row in image_rows] == [body["count"] for body in published]
    assert {row["image"] for row in defect_rows} == {"run/2"}
    majors = [float(row["major_axis_nm"]) for row in defect_rows]
    assert majors == pytest.approx([d["major_nm"] for body in published for d in body["defects"]])


def test_a_bad_record_format_is_refused_by_the_config():
    with pytest.raises(ValueError, match="record_format"):
        ServiceConfig(record="out", record_format="xlsx")
