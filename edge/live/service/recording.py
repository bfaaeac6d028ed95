"""``edge serve --record DIR``: each series' defect and image tables, written as it runs.

A series gets ``DIR/<opened at>-<series>.defects.<format>`` (a row per defect) and
``.images.<format>`` (a row per frame), with the columns of ``edge analyse --table`` and
``--image-table`` (``edge.pipeline.tables``), and where it is tracked ``.tracks.<format>`` (a row
per track as it ends, ``edge.track.table``). CSV rows are flushed as each frame is published, so the
file can be opened while the series runs; Parquet gets a row group each ``flush_every`` frames
and is readable once its series has ended."""

import re
import time
from pathlib import Path

from edge.pipeline.result import FrameResult
from edge.pipeline.tables import DEFECT_COLUMNS, IMAGE_COLUMNS, TableWriter, defect_rows, image_row
from edge.track.linking import Track
from edge.track.table import TRACK_COLUMNS, track_rows


class _SeriesTables:
    def __init__(self, stem: Path, suffix: str, flush_every: int):
        self.defects = TableWriter(stem.with_name(f"{stem.name}.defects{suffix}"), DEFECT_COLUMNS)
        self.images = TableWriter(stem.with_name(f"{stem.name}.images{suffix}"), IMAGE_COLUMNS)
        self.tracks: TableWriter | None = None  # opened with the first track that ends
        self._stem, self._suffix = stem, suffix
        self._flush_every = flush_every
        self._defect_rows: list[dict] = []
        self._image_rows: list[dict] = []

    def add(self, name: str, frame: int, shape: tuple[int, ...], result: FrameResult, track_ids=None) -> None:
        self._defect_rows += defect_rows(name, frame, result, track_ids)
        self._image_rows.append(image_row(name, frame, shape, result))
        if len(self._image_rows) >= self._flush_every:
            self.flush()

    def flush(self) -> None:
        if self._image_rows:
            self.defects.append(self._defect_rows)
            self.images.append(self._image_rows)
            self._defect_rows, self._image_rows = [], []

    def add_tracks(self, name: str, tracks: list[Track]) -> None:
        if self.tracks is None:
            self.tracks = TableWriter(self._stem.with_name(f"{self._stem.name}.tracks{self._suffix}"), TRACK_COLUMNS)
        self.tracks.append(track_rows(name, tracks))

    def close(self) -> None:
        self.flush()
        self.defects.close()
        self.images.close()
        if self.tracks is not None:
            self.tracks.close()


class Recorder:
    """Writes the tables of each series into ``directory``, as Parquet or CSV (``table_format``)."""

    def __init__(self, directory: str | Path, table_format: str = "parquet", flush_every: int = 10):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._suffix = f".{table_format}"
        # CSV is flushed per frame (readable while it grows); Parquet in row groups
        self._flush_every = 1 if table_format == "csv" else flush_every
        self._open: dict[int, tuple[str, _SeriesTables]] = {}

    def open(self, series_id: int, name: str) -> None:
        opened = time.strftime("%Y%m%dT%H%M%S")
        safe = re.sub(r"[^\w.-]+", "_", name)[:80] or "series"
        stem, n = self.directory / f"{opened}-{safe}", 1
        while any(stem.parent.glob(f"{stem.name}.*")):
            n += 1
            stem = self.directory / f"{opened}-{safe}-{n}"
        self._open[series_id] = (name, _SeriesTables(stem, self._suffix, self._flush_every))

    def add(
        self,
        series_id: int,
        frame: int,
        shape: tuple[int, ...],
        result: FrameResult,
        track_ids: list[int] | None = None,
    ) -> None:
        """One published frame's rows (with its defects' tracks, where tracked)."""
        name, tables = self._open[series_id]
        tables.add(name, frame, shape, result, track_ids)

    def add_tracks(self, series_id: int, tracks: list[Track]) -> None:
        """Rows of tracks that have just ended."""
        name, tables = self._open[series_id]
        tables.add_tracks(name, tracks)

    def close(self, series_id: int) -> None:
        _, tables = self._open.pop(series_id)
        tables.close()

    def close_all(self) -> None:
        for series_id in list(self._open):
            self.close(series_id)
