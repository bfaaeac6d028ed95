"""edge analyse --track: image files as one series, each loop followed from file to file."""

import json

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.io.bundled import sample_paths
from edge.io.images import read_frame
from edge.pipeline.tables import DEFECT_COLUMNS, read_table
from edge.track.table import TRACK_COLUMNS


@pytest.fixture(scope="module")
def drifting_files(tmp_path_factory):
    """Five files: a field of view drifting 8 px a file down a sample frame."""
    folder = tmp_path_factory.mktemp("drifting")
    frame = read_frame(sample_paths()[0]).pixels
    paths = []
    for number in range(5):
        paths.append(folder / f"frame_{number}.png")
        cv2.imwrite(str(paths[-1]), frame[100 + 8 * number : 612 + 8 * number, 200:712])
    return paths


def test_track_follows_each_loop_across_the_files_in_the_order_given(drifting_files, tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "analyse",
        *map(str, drifting_files),
        "--out",
        str(out),
        "--track",
        "--track-table",
        str(tmp_path / "t.parquet"),
    ]
    assert main([*args, "--table", str(tmp_path / "defects.csv")]) == 0
    records = [json.loads((out / f"{path.stem}.json").read_text()) for path in drifting_files]
    for number, record in enumerate(records):
        assert record["tracks"]["alive"] == record["count"] and len(record["drift_px"]) == 2
        assert all(defect["track_age"] <= number for defect in record["defects"])
    assert records[-1]["drift_px"][1] == pytest.approx(-32, abs=1.0)  # 4 steps of 8 px down: the loops moved up
    first = {d["track"]: (d["x"], d["y"]) for d in records[0]["defects"]}
    last = {d["track"]: (d["x"], d["y"]) for d in records[-1]["defects"]}
    kept = first.keys() & last.keys()
    assert len(kept) >= 0.7 * len(first)  # most loops seen in the first file are followed to the last
    moved = np.array([last[t][1] - first[t][1] for t in kept])
    assert np.median(moved) == pytest.approx(-32, abs=0.5)
    # a loop cut by the frame's edge moves less as it comes in; every other moves with the field:
    # those whose whole outline, as the last file shows it, lay inside the first file too
    whole = {d["track"]: d for d in records[-1]["defects"]}
    inside = [
        t
        for t in kept
        if min(whole[t]["x"], whole[t]["y"] + 32, 512 - whole[t]["x"], 480 - whole[t]["y"]) > whole[t]["major_px"] / 2
    ]
    assert len(inside) >= 0.6 * len(first)
    assert all(abs(last[t][1] - first[t][1] + 32) <= 2 for t in inside)
    rows = read_table(tmp_path / "defects.csv")
    assert list(rows[0]) == list(DEFECT_COLUMNS)
    assert [int(row["track"]) for row in rows] == [d["track"] for record in records for d in record["defects"]]
    tracks = read_table(tmp_path / "t.parquet")
    assert list(tracks[0]) == list(TRACK_COLUMNS)
    assert {row["track"] for row in tracks} == {int(row["track"]) for row in rows}
    document = json.loads((out / "tracks.json").read_text())
    assert read_table(out / "tracks.csv") and document["tracks"]["born"] == len(tracks)
    history = {h["track"]: h for h in document["histories"]}
    for number, record in enumerate(records, start=1):  # each sighting is in its track's history
        for defect in record["defects"]:
            sighting = history[defect["track"]]["frames"].index(number)
            assert history[defect["track"]]["major_axis_px"][sighting] == pytest.approx(defect["major_px"], abs=1e-3)
    assert f"{len(tracks)} tracks over 5 frames" in capsys.readouterr().out


def test_a_track_table_without_track_is_refused_before_any_file_is_read(tmp_path, capsys):
    assert main(["analyse", str(sample_paths()[0]), "--out", str(tmp_path), "--track-table", "t.csv"]) != 0
    assert "--track-table needs --track" in capsys.readouterr().err
    assert not (tmp_path / "journal.jsonl").exists()
