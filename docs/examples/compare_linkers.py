"""Which library links loops across frames better: trackpy's incremental ``Linker`` (what
``edge.track`` uses, live) or laptrack (a whole series at once), on series whose truth is known.

Each series is a li2018 *train* frame cut by a moving, slowly zooming window
(``edge.track.synthetic.window_series``), analysed by the bundled pipeline; both linkers get the
same defects and the same drift correction. "thinned" drops a third of each fifth frame's
defects, to test gap closing. Needs laptrack (``pip install laptrack``) and ../shared beside the
checkout. Run from the checkout: ``python docs/examples/compare_linkers.py``."""

import time

import numpy as np
import pandas as pd

from edge.io.dataset import read_split
from edge.io.images import read_frame
from edge.pipeline.pipeline import Pipeline
from edge.track.drift import DriftEstimator
from edge.track.linking import SeriesTracker
from edge.track.settings import TrackSettings
from edge.track.synthetic import score_tracking, window_series

IMAGES = ("200kV_500kx_p2nm_8cmCL_grain1_0129 - Copy.jpg", "ROI14_100kx_4200CL_foil1.jpg", "map3_70kx_onzap_CL4100.jpg")
SETTINGS = TrackSettings()


def detections(series, pipeline, thinned: bool, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    found = []
    for index, frame in enumerate(series.frames):
        defects = pipeline.analyse(frame).defects
        positions = np.array([[d.x, d.y] for d in defects]).reshape(-1, 2)
        majors = np.array([d.major_px for d in defects])
        if thinned and index % 5 == 4:
            keep = rng.random(len(majors)) >= 1 / 3
            positions, majors = positions[keep], majors[keep]
        found.append((positions, majors))
    return found


def with_trackpy(series, found) -> tuple[list, float]:
    tracker, linked = SeriesTracker(SETTINGS), []
    started = time.perf_counter()
    for index, (frame, (positions, majors)) in enumerate(zip(series.frames, found, strict=True)):
        linked.append((positions, majors, tracker.add(index, None, frame, positions, majors).track_ids))
    return linked, time.perf_counter() - started


def with_laptrack(series, found) -> tuple[list, float]:
    from laptrack import LapTrack

    started = time.perf_counter()
    drift, rows = DriftEstimator(), []
    for index, (frame, (positions, _)) in enumerate(zip(series.frames, found, strict=True)):
        dx, dy = drift.update(frame)
        rows += [{"frame": index, "x": x - dx, "y": y - dy, "row": n} for n, (x, y) in enumerate(positions)]
    cutoff = SETTINGS.search_px**2
    tracker = LapTrack(cutoff=cutoff, gap_closing_cutoff=cutoff, gap_closing_max_frame_count=SETTINGS.memory + 1)
    tracks = tracker.predict_dataframe(pd.DataFrame(rows), coordinate_cols=["y", "x"], frame_col="frame",
                                       only_coordinate_cols=False)[0]  # fmt: skip
    elapsed = time.perf_counter() - started
    linked = []
    for index, (positions, majors) in enumerate(found):
        mine = tracks[tracks["frame"] == index].sort_values("row")
        linked.append((positions, majors, mine["track_id"].tolist()))
    return linked, elapsed


def main() -> None:
    items = {item.image.name: item for item in read_split("../shared/data/li2018", "train")}
    pipeline = Pipeline.from_settings()
    rng = np.random.default_rng(0)
    print("| series | linker | kept | purity | growth / true | tracks >= 5 | ms a frame |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in IMAGES:
        item = items[name]
        series = window_series(read_frame(item.image).pixels, item.boxes, frames=30)
        for thinned in (False, True):
            found = detections(series, pipeline, thinned, rng)
            for linker, link in (("trackpy", with_trackpy), ("laptrack", with_laptrack)):
                linked, seconds = link(series, found)
                scores = score_tracking(series.truth, linked, min_sightings=SETTINGS.min_sightings)
                label = f"{name[:28]}{', thinned' if thinned else ''}"
                print(f"| {label} | {linker} | {scores.kept:.3f} | {scores.purity:.3f} | {scores.growth_ratio:.3f} | "
                      f"{scores.tracks} | {1e3 * seconds / len(series.frames):.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
