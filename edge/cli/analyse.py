"""``edge analyse``: the defects of image files, as tables, a JSON and an overlay per image."""

import argparse
import sys
from pathlib import Path

from edge.cli.options import add_pipeline_options, pipeline_settings, pixel_size_nm

NAME = "analyse"
ALIASES = ("analyze",)
HELP = "measure the defects in image files: tables of every defect and image, a JSON and an overlay per image"
DESCRIPTION = (
    "Measure each defect (watershed flood + moment ellipse; diameter = major axis) and write "
    "<out>/<name>.json, <out>/<name>.png and <out>/<name>.rois.zip (the ellipses as an ImageJ/Fiji ROI set, "
    "named by defect number) per image, <out>/defects.csv and <out>/summary.png for the batch. "
    "Reads TIFF, PNG, JPEG, DM3/DM4, SER, EMD, MRC (rosettasciio: the pixel size comes from the file). "
    "Resumable: files already done (in <out>/journal.jsonl, same size, time and settings) are skipped. "
    "The batch tables and summary hold every file analysed into <out>, by this run or earlier ones "
    "(the latest analysis of each); --redo starts the folder's batch afresh."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "images",
        nargs="+",
        metavar="PATH_OR_GLOB",
        help="image files, folders, globs ('**' recurses) or COCO labels files (.json: the images they name)",
    )
    parser.add_argument(
        "--boxes",
        type=Path,
        help="candidate boxes: one box file, or a folder of <image stem>.txt (default: detect them with the cascade)",
    )
    parser.add_argument(
        "--pixel-size", type=pixel_size_nm, metavar="NM", help="pixel size in nm (overrides the file's)"
    )
    add_pipeline_options(parser)
    parser.add_argument("--out", type=Path, default=Path("edge-out"), help="output folder (default: edge-out)")
    parser.add_argument(
        "--gallery",
        action="store_true",
        help="also write <out>/<name>.gallery.png: 2x crops of loops of every size, hollow and filled, each with "
        "its fitted ellipse, to check by eye that the ellipse follows the outline",
    )
    parser.add_argument(
        "--table", type=Path, metavar="FILE", help="a row per defect, .parquet or .csv (units in the column names)"
    )
    parser.add_argument("--image-table", type=Path, metavar="FILE", help="a row per image, .parquet or .csv")
    parser.add_argument(
        "--track",
        action="store_true",
        help="the files are one series in the order given: follow each loop from file to file (a track per defect "
        "in the tables and JSON, each file's drift; <out>/tracks.csv, and <out>/tracks.json with each track's size "
        "history)",
    )
    parser.add_argument(
        "--track-table", type=Path, metavar="FILE", help="with --track: a row per track, .parquet or .csv"
    )
    parser.add_argument(
        "--track-search-px",
        type=float,
        default=20.0,
        metavar="PX",
        help="with --track: how far a loop may move between files once the drift is taken out (default: 20)",
    )
    parser.add_argument(
        "--track-memory",
        type=int,
        default=2,
        metavar="N",
        help="with --track: files a loop may go unseen and keep its track (default: 2)",
    )
    parser.add_argument(
        "--dask",
        metavar="SCHEDULER|local[:N]",
        help="spread the files over a Dask cluster: a scheduler's address, or N local single-threaded worker processes",
    )
    parser.add_argument(
        "--redo", action="store_true", help="analyse every file again, done or not, and forget earlier runs' files"
    )


def run(args: argparse.Namespace) -> int:
    from edge.archive.files import Journal, expand
    from edge.archive.run import FileSettings, analyse_files
    from edge.eval.charts import write_summary
    from edge.pipeline.tables import DEFECT_COLUMNS, IMAGE_COLUMNS, check_table_path, write_table

    tables = [(path, columns) for path, columns in ((args.table, DEFECT_COLUMNS), (args.image_table, IMAGE_COLUMNS))]
    tables = [(check_table_path(path), columns) for path, columns in tables if path is not None]
    track_settings = _track_settings(args)
    files = expand(args.images)
    pipeline = pipeline_settings(args).with_absolute_paths()  # workers elsewhere need no working directory
    boxes = str(args.boxes) if args.boxes else None
    settings = FileSettings(pipeline, str(args.out), args.pixel_size, boxes, args.gallery)
    args.out.mkdir(parents=True, exist_ok=True)
    journal_path = args.out / "journal.jsonl"
    if args.redo:
        journal_path.unlink(missing_ok=True)
    journal = Journal(journal_path)
    cluster = None
    if args.dask:
        from edge.cluster.connect import check_address, connect
        from edge.pipeline.pipeline import Pipeline

        check_address(args.dask)
        if not boxes:
            Pipeline.from_settings(pipeline)  # a bad model or setting fails here, before a cluster starts
        cluster = connect(args.dask)
    try:
        run = analyse_files(files, settings, journal, cluster)
    finally:
        if cluster is not None:
            cluster.close()
    if track_settings is not None:
        _track(run.done, args, track_settings)
    batch = _batch(files, run.done, journal)
    images = [done.image for done in batch]
    defects = [row for done in batch for row in done.defects]
    write_table(args.out / "defects.csv", DEFECT_COLUMNS, defects)
    for path, columns in tables:
        write_table(path, columns, defects if columns is DEFECT_COLUMNS else images)
    if images:
        write_summary(args.out / "summary.png", images, defects)
    earlier = len(batch) - len(run.done)
    if earlier:
        print(f"the tables and summary also hold {earlier} files analysed into {args.out} by earlier runs "
              "(--redo starts afresh)", file=sys.stderr)  # fmt: skip
    if run.skipped:
        print(f"{run.skipped} of {len(files)} files done before (in {journal_path}): skipped", file=sys.stderr)
    if run.failed:
        print(f"{len(run.failed)} of {len(files)} files failed:", file=sys.stderr)
        for path, error in run.failed.items():
            print(f"  {path}: {error}", file=sys.stderr)
    return 1 if run.failed else 0


def _track_settings(args: argparse.Namespace):
    """The tracking settings ``--track`` asks for (checked before any file is analysed); None without it."""
    from edge.track.settings import TrackSettings

    if args.track_table is not None and not args.track:
        raise ValueError("--track-table needs --track")
    if not args.track:
        return None
    if args.track_table is not None:
        from edge.pipeline.tables import check_table_path

        check_table_path(args.track_table)
    return TrackSettings(search_px=args.track_search_px, memory=args.track_memory)


def _track(done: list, args: argparse.Namespace, settings) -> None:
    """Link the files analysed this run, in the order given; write the track tables and JSON."""
    import json

    from edge.archive.tracked import summary_line, track_files
    from edge.pipeline.tables import write_table
    from edge.track.table import TRACK_COLUMNS

    tracked = track_files(done, args.out, settings)
    write_table(args.out / "tracks.csv", TRACK_COLUMNS, tracked.tracks)
    if args.track_table is not None:
        write_table(args.track_table, TRACK_COLUMNS, tracked.tracks)
    document = {"frames": tracked.frames, "tracks": tracked.summary, "histories": tracked.histories}
    (args.out / "tracks.json").write_text(json.dumps(document, indent=1))
    print(summary_line(tracked))


def _batch(files: list[Path], this_run: list, journal) -> list:
    """The files of the folder's batch: those done into it by earlier runs and not named this
    time, in the order they were first done, then this run's, in the order given."""
    named = {str(path) for path in files}
    return [done for done in journal.entries() if done.path not in named] + this_run
