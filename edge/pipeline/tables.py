"""Tables people can open: one row per defect, one row per image, as Parquet or CSV.

Column names carry their units. Parquet (through pyarrow) keeps the types and empty cells as
nulls; CSV is for spreadsheets, with empty cells where a value is not known (sizes in nm
without a pixel size, a score without a screen, a scene without a classifier)."""

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from edge.pipeline.result import FrameResult

# name -> pyarrow type name; the order is the tables' column order
DEFECT_COLUMNS = {
    "image": "string",
    "frame": "int64",
    "x_px": "float64",
    "y_px": "float64",
    "major_axis_px": "float64",
    "minor_axis_px": "float64",
    "major_axis_nm": "float64",
    "minor_axis_nm": "float64",
    "angle_deg": "float64",
    "area_px2": "float64",
    "hollow": "bool_",
    "score": "float64",
    "scene": "string",
    "number": "int64",  # the defect's number in its image: its ROI's name, its row in the image's JSON
    "flags": "string",  # quality flags to check, ";"-separated (edge.pipeline.quality.FLAGS); empty: none
    "track": "int64",  # the loop's track in its series (edge.track); empty where the series is not tracked
}
IMAGE_COLUMNS = {
    "image": "string",
    "frame": "int64",
    "width_px": "int64",
    "height_px": "int64",
    "pixel_size_nm": "float64",
    "count": "int64",
    "mean_diameter_px": "float64",
    "sd_diameter_px": "float64",
    "mean_diameter_nm": "float64",
    "sd_diameter_nm": "float64",
    "density_per_um2": "float64",
    "density_per_mpx": "float64",
    "scene": "string",
    "scene_confidence": "float64",
}
TABLE_FORMATS = (".parquet", ".csv")


def defect_rows(image: str, frame: int, result: FrameResult, track_ids: Sequence[int] | None = None) -> list[dict]:
    """One row per defect of ``result`` (``DEFECT_COLUMNS``), with each defect's track where
    ``track_ids`` gives them."""
    nm = result.pixel_size_nm
    scene = None if result.scene is None else result.scene.label
    tracks = track_ids if track_ids is not None else [None] * len(result.defects)
    return [
        {
            "image": image,
            "frame": frame,
            "x_px": d.x,
            "y_px": d.y,
            "major_axis_px": d.major_px,
            "minor_axis_px": d.minor_px,
            "major_axis_nm": None if nm is None else d.major_px * nm,
            "minor_axis_nm": None if nm is None else d.minor_px * nm,
            "angle_deg": d.angle_deg,
            "area_px2": d.area_px,
            "hollow": bool(d.hollow),
            "score": d.score,
            "scene": scene,
            "number": number,
            "flags": ";".join(d.flags),
            "track": track,
        }
        for number, (d, track) in enumerate(zip(result.defects, tracks, strict=True), start=1)
    ]


def image_row(image: str, frame: int, shape: tuple[int, ...], result: FrameResult) -> dict:
    """The row of one image (``IMAGE_COLUMNS``); the statistics are empty for a frame whose scene
    was not analysed."""
    stats = result.stats.as_json() if result.stats is not None else {}
    return {
        "image": image,
        "frame": frame,
        "width_px": int(shape[1]),
        "height_px": int(shape[0]),
        "pixel_size_nm": result.pixel_size_nm,
        "count": stats.get("count"),
        "mean_diameter_px": stats.get("mean_diameter_px"),
        "sd_diameter_px": stats.get("std_diameter_px"),
        "mean_diameter_nm": stats.get("mean_diameter_nm"),
        "sd_diameter_nm": stats.get("std_diameter_nm"),
        "density_per_um2": stats.get("density_per_um2"),
        "density_per_mpx": stats.get("density_per_mpx"),
        "scene": None if result.scene is None else result.scene.label,
        "scene_confidence": None if result.scene is None else result.scene.confidence,
    }


def check_table_path(path: Path) -> Path:
    """``path`` if its suffix names a table format, else a ``ValueError`` saying which do."""
    if path.suffix.lower() not in TABLE_FORMATS:
        raise ValueError(f"{path}: a table is .parquet or .csv, not {path.suffix or 'no suffix'!r}")
    return path


def write_table(path: Path, columns: dict[str, str], rows: Iterable[dict]) -> None:
    """Write ``rows`` as a table at ``path``, Parquet or CSV by its suffix."""
    with TableWriter(path, columns) as table:
        table.append(list(rows))


def read_table(path: Path) -> list[dict]:
    """The rows of a table written by ``write_table`` (Parquet: typed; CSV: strings)."""
    if check_table_path(path).suffix.lower() == ".parquet":
        import pyarrow.parquet

        return pyarrow.parquet.read_table(path).to_pylist()
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


class TableWriter:
    """A table written as rows come: each ``append`` adds them (a CSV's lines, flushed, so the
    file can be read while it grows; a Parquet row group, readable once closed)."""

    def __init__(self, path: Path, columns: dict[str, str]):
        self.path, self._columns = check_table_path(Path(path)), columns
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.suffix.lower() == ".parquet":
            import pyarrow
            import pyarrow.parquet

            self._schema = pyarrow.schema([(name, getattr(pyarrow, kind)()) for name, kind in columns.items()])
            self._parquet = pyarrow.parquet.ParquetWriter(self.path, self._schema)
            self._csv = None
        else:
            self._parquet = None
            self._handle = open(self.path, "w", newline="")
            self._csv = csv.DictWriter(self._handle, list(columns))
            self._csv.writeheader()
            self._handle.flush()

    def append(self, rows: Sequence[dict]) -> None:
        if self._parquet is not None:
            import pyarrow

            self._parquet.write_table(pyarrow.Table.from_pylist(list(rows), schema=self._schema))
            return
        self._csv.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        self._handle.flush()

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        else:
            self._handle.close()

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
