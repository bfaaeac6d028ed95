"""``edge analyse``: each file read, analysed and drawn by one task (``analyse_file``), here in
turn or as Dask tasks on a cluster; the same function either way, so a cluster's results are
the serial run's."""

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from tqdm import tqdm

from edge.archive.files import Done, Journal, stamp
from edge.pipeline.result import FrameResult
from edge.pipeline.settings import PipelineSettings, loaded
from edge.pipeline.stats import FrameStats
from edge.pipeline.tables import defect_rows, image_row


@dataclass(frozen=True)
class FileSettings:
    """How each file is analysed and what is drawn for it.

    Attributes
    ----------
    pipeline : PipelineSettings
        The pipeline (unused where ``boxes`` gives the candidates).
    out : str
        The folder for each image's JSON, overlay and histogram.
    pixel_size_nm : float or None
        Overrides the files' own pixel sizes.
    boxes : str or None
        A box file or a folder of ``<image stem>.txt``: measure these instead of detecting.
    gallery : bool
        Also draw each image's gallery of loop crops.
    """

    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    out: str = "edge-out"
    pixel_size_nm: float | None = None
    boxes: str | None = None
    gallery: bool = False

    def record(self) -> dict:
        """What decides a file's results (the journal's test of whether they still hold), as
        the journal's JSON gives it back: not the threads a frame is measured on, which change
        no result."""
        pipeline = {name: value for name, value in self.pipeline.as_json().items() if name != "measure_threads"}
        return json.loads(json.dumps({**pipeline, "pixel_size_nm": self.pixel_size_nm, "boxes": self.boxes}))


def analyse_file(path: Path, settings: FileSettings) -> Done:
    """Read ``path`` (rosettasciio for microscope formats, so the pixel size is the file's),
    find and measure its defects, write its JSON, overlay and histogram; its table rows.

    Raises ``ValueError`` or ``OSError`` for a file that cannot be read or analysed."""
    from edge.eval.charts import write_histogram
    from edge.eval.overlay import write_gallery, write_overlay
    from edge.eval.rois import write_roi_set
    from edge.io.boxes import box_file_for, check_boxes_fit, read_boxes
    from edge.io.images import read_frame
    from edge.pipeline.measure import LoopMeasurer
    from edge.pipeline.result import summarise

    size, mtime_ns = stamp(path) if path.is_file() else (0, 0)
    frame = read_frame(path, settings.pixel_size_nm)
    if settings.boxes:
        box_file = box_file_for(path, settings.boxes)
        boxes, scores = read_boxes(box_file)
        check_boxes_fit(boxes, frame.pixels.shape, box_file)
        defects = LoopMeasurer.from_settings(settings.pipeline).measure(frame.pixels, boxes, scores)
        result = summarise(defects, frame.pixels.shape, frame.pixel_size_nm)
    else:
        result = loaded(settings.pipeline).analyse(frame.pixels, frame.pixel_size_nm)
    out = Path(settings.out)
    (out / f"{path.stem}.json").write_text(json.dumps({"image": str(path), **result.as_json()}, indent=1))
    write_overlay(out / f"{path.stem}.png", frame.pixels, result.defects, frame.pixel_size_nm)
    write_roi_set(out / f"{path.stem}.rois.zip", result.defects)
    if settings.gallery and result.defects:
        write_gallery(out / f"{path.stem}.gallery.png", frame.pixels, result.defects)
    write_histogram(out / f"{path.stem}.histogram.png", result.defects, frame.pixel_size_nm, path.name)
    image = image_row(str(path), 0, frame.pixels.shape, result)
    return Done(str(path), size, mtime_ns, settings.record(), image, defect_rows(str(path), 0, result), _line(result))


def _line(result: FrameResult) -> str:
    scene = "" if result.scene is None else f"[{result.scene.label} {result.scene.confidence:.2f}] "
    flagged = sum(bool(d.flags) for d in result.defects)
    checks = f"; {flagged} flagged to check (JSON 'flags')" if flagged else ""
    return scene + (summary_line(result.stats) + checks if result.stats else "not analysed (scene)")


def summary_line(stats: FrameStats) -> str:
    """One human line: count, mean and sd of the diameter, density (nm where known)."""
    if stats.count == 0:
        return "0 defects"
    if stats.mean_diameter_nm is not None:
        return (
            f"{stats.count} defects, diameter {stats.mean_diameter_nm:.1f} ± {stats.std_diameter_nm:.1f} nm, "
            f"{stats.density_per_um2:.1f} per µm²"
        )
    return (
        f"{stats.count} defects, diameter {stats.mean_diameter_px:.1f} ± {stats.std_diameter_px:.1f} px, "
        f"{stats.density_per_mpx:.1f} per Mpx (no pixel size)"
    )


@dataclass
class ArchiveRun:
    """What a run found: each file done (in the order given) and each that failed, with why."""

    done: list[Done]
    failed: dict[str, str]
    skipped: int


def analyse_files(
    files: list[Path], settings: FileSettings, journal: Journal | None = None, cluster=None
) -> ArchiveRun:
    """Analyse ``files``: those the journal holds as done are skipped, the others analysed here
    in turn, or on ``cluster`` (an ``edge.cluster.connect.Cluster``); each finished file is
    journaled as it finishes and its line printed, with a progress bar on a terminal."""
    record = settings.record()
    finished: dict[str, Done] = {}
    todo = []
    for path in files:
        done = journal.done(path, record) if journal is not None else None
        if done is not None:
            finished[str(path)] = done
        else:
            todo.append(path)
    failed: dict[str, str] = {}
    outcomes = _on_cluster(todo, settings, cluster) if cluster is not None else _here(todo, settings)
    with tqdm(total=len(files), initial=len(finished), unit="file", disable=None, file=sys.stderr) as progress:
        for path, outcome in outcomes:
            if isinstance(outcome, Done):
                finished[str(path)] = outcome
                if journal is not None:
                    journal.add(outcome)
                progress.write(f"{path}: {outcome.line}", file=sys.stdout)
            else:
                failed[str(path)] = outcome
                progress.write(f"{path}: {outcome}", file=sys.stderr)
            progress.update()
    return ArchiveRun([finished[str(p)] for p in files if str(p) in finished], failed, len(files) - len(todo))


Outcome = Done | str  # a file's rows, or why it failed


def _here(files: list[Path], settings: FileSettings) -> Iterator[tuple[Path, Outcome]]:
    if files and not settings.boxes:
        loaded(settings.pipeline)  # a model that cannot load stops the run here, not once per file
    for path in files:
        yield path, _failure_text(path, partial(analyse_file, path, settings))


def _on_cluster(files: list[Path], settings: FileSettings, cluster) -> Iterator[tuple[Path, Outcome]]:
    from distributed import as_completed

    from edge.cluster.worker import PLUGIN_NAME, PipelinePlugin, on_one_thread, one_thread_a_task

    settings = replace(settings, pipeline=one_thread_a_task(settings.pipeline))
    if not settings.boxes:
        cluster.client.register_plugin(PipelinePlugin(settings.pipeline), name=PLUGIN_NAME)
    futures = {cluster.client.submit(on_one_thread, analyse_file, path, settings, pure=False): path for path in files}
    for future in as_completed(futures):
        yield futures[future], _failure_text(futures[future], future.result)


def _failure_text(path: Path, run: Callable[[], Done]) -> Outcome:
    """``run``'s result, or the text of the error that stopped it, without the path of the file,
    which is printed beside it."""
    try:
        return run()
    except (ValueError, OSError) as error:
        return str(error).removeprefix(f"{path}: ")
    except Exception as error:  # on a cluster: a worker lost, an error no reader foresaw
        return f"{type(error).__name__}: {error}"
