"""``edge analyse --track``: the files analysed, taken in the order given as one series whose
loops are followed from file to file (``edge.track``), as the live service follows a series."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.archive.files import Done
from edge.io.images import read_frame
from edge.track.linking import FrameTracks, SeriesTracker
from edge.track.settings import TrackSettings
from edge.track.table import track_rows

SERIES = "files"


@dataclass(frozen=True)
class TrackedFiles:
    """The files' tracks: a row per track (``edge.track.table``), each track's size history (its
    frames and major axes, the latest ``TrackSettings.history``), each file's drift and counts
    of tracks alive, born and ended, and the series' ``tracks`` summary (docs/protocol.md)."""

    tracks: list[dict]
    histories: list[dict]
    frames: list[dict]
    summary: dict


def track_files(done: list[Done], out: Path, settings: TrackSettings) -> TrackedFiles:
    """Link the defects of ``done``, the files in the order given, numbered from 1: each defect
    row gets its ``track``, and each file's JSON in ``out`` its defects' tracks and its
    ``drift_px`` and ``tracks``. The files are read again for the drift. A file whose scene was
    not analysed is a frame with nothing seen."""
    tracker, ended, frames = SeriesTracker(settings), [], []
    for number, item in enumerate(done, start=1):
        if item.image["count"] is None:
            continue
        pixels = read_frame(Path(item.path)).pixels
        positions = np.array([(row["x_px"], row["y_px"]) for row in item.defects], np.float64).reshape(-1, 2)
        majors = np.array([row["major_axis_px"] for row in item.defects], np.float64)
        linked = tracker.add(number, None, pixels, positions, majors, item.image["pixel_size_nm"])
        for row, track_id in zip(item.defects, linked.track_ids, strict=True):
            row["track"] = track_id
        _add_to_json(out / f"{Path(item.path).stem}.json", linked)
        frames.append({"image": item.path, "frame": number, **linked.as_json()})
        ended += linked.ended
    ended = sorted(ended + tracker.finish(), key=lambda track: track.track_id)
    histories = [
        {"track": t.track_id, "frames": list(t.frames), "major_axis_px": [round(m, 3) for m in t.majors_px]}
        for t in ended
    ]
    return TrackedFiles(track_rows(SERIES, ended), histories, frames, tracker.summary())


def _add_to_json(path: Path, linked: FrameTracks) -> None:
    """A file's JSON with its defects' ``track`` and ``track_age``, and the frame's drift and counts."""
    body = json.loads(path.read_text())
    for defect, fields in zip(body["defects"], linked.defect_fields(), strict=True):
        defect.update(fields)
    path.write_text(json.dumps({**body, **linked.as_json()}, indent=1))


def summary_line(tracked: TrackedFiles) -> str:
    """One human line: tracks born, how many have a growth rate, and its median."""
    growth = tracked.summary["growth"]
    median = "" if growth["median"] is None else f", median growth {growth['median']:.3g} {growth['unit']}"
    return (
        f"{tracked.summary['born']} tracks over {len(tracked.frames)} frames; {growth['tracks']} seen often enough "
        f"for a growth rate{median}"
    )
