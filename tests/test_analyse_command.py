import json

import cv2
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
