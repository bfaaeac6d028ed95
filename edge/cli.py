"""The ``edge`` command: one entry point, a subcommand per job."""

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from edge import __version__
from edge.live.config import INPUT_FORMATS, PRESETS
from edge.pipeline.backends import BACKENDS
from edge.pipeline.polarity import POLARITIES

MODEL_HELP = "model set folder: cascade.xml, screen.onnx, settings.json (default: the bundled li2018 set)"

log = logging.getLogger("edge")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``edge`` command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except (ValueError, OSError, RuntimeError) as error:
        print(f"edge {args.command}: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edge",
        description="Find dislocation loops in electron-microscope frames and report their statistics.",
    )
    parser.add_argument("--version", action="version", version=f"edge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and warnings")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    analyze = commands.add_parser(
        "analyze",
        help="measure the defects in image files: tables of every defect and image, a JSON and an overlay per image",
        description="Measure each defect (watershed flood + moment ellipse; diameter = major axis) and write "
        "<out>/<name>.json and <out>/<name>.png per image, <out>/defects.csv and <out>/summary.png for the batch. "
        "Reads TIFF, PNG, JPEG, DM3/DM4, SER, EMD, MRC (rosettasciio: the pixel size comes from the file). "
        "Resumable: files already done (in <out>/journal.jsonl, same size, time and settings) are skipped.",
    )
    analyze.add_argument(
        "images", nargs="+", metavar="PATH_OR_GLOB", help="image files, folders or globs ('**' recurses)"
    )
    analyze.add_argument(
        "--boxes",
        type=Path,
        help="candidate boxes: one box file, or a folder of <image stem>.txt (default: detect them with the cascade)",
    )
    _add_frame_options(analyze)
    analyze.add_argument("--out", type=Path, default=Path("edge-out"), help="output folder (default: edge-out)")
    analyze.add_argument(
        "--gallery",
        action="store_true",
        help="also write <out>/<name>.gallery.png: 2x crops of loops of every size, hollow and filled, each with "
        "its fitted ellipse, to check by eye that the ellipse follows the outline",
    )
    analyze.add_argument("--classifier", type=Path, help="scene classifier ONNX: each frame gets a scene label")
    analyze.add_argument(
        "--scenes", help="comma-separated scene labels whose frames get defect analysis (default: all frames)"
    )
    analyze.add_argument(
        "--table", type=Path, metavar="FILE", help="a row per defect, .parquet or .csv (units in the column names)"
    )
    analyze.add_argument("--image-table", type=Path, metavar="FILE", help="a row per image, .parquet or .csv")
    analyze.add_argument(
        "--dask",
        metavar="SCHEDULER|local[:N]",
        help="spread the files over a Dask cluster: a scheduler's address, or N local single-threaded worker processes",
    )
    analyze.add_argument("--redo", action="store_true", help="analyse every file again, done or not")

    analyze.set_defaults(run=_run_analyze)

    evaluate = commands.add_parser(
        "evaluate",
        help="score detections against labels: a data set folder's split or a COCO file",
        description="Score detections with the li2018 protocol (box centres within the model set's tolerance, "
        "20 px for li2018, in x and in y, one to one, or the paper's many-to-many rule) and at IoU >= 0.4; "
        "prints pooled figures with 95 % bootstrap intervals over images, and per-image figures. Where the "
        "labels have polygons (COCO segmentation), also the measured major axes against the outlines'.",
    )
    _add_data_options(evaluate, "test")
    evaluate.add_argument(
        "--matching",
        choices=("one-to-one", "paper"),
        default="one-to-one",
        help="one-to-one: each label and detection in at most one pair (default); paper: the authors' "
        "many-to-many rule, a label is found if any detection is near it and a detection is right if any "
        "label is near it (duplicates not penalised)",
    )
    evaluate.add_argument(
        "--images",
        type=Path,
        metavar="FILE|DIR",
        help="a file: score only the images named in it, one a line (e.g. docs/li2018-paper-test-images.txt, "
        "the 28 the paper scored); a folder: where a COCO file's images are",
    )
    evaluate.add_argument("--audit", type=Path, action="append", metavar="FILE.csv", help=AUDIT_HELP)
    evaluate.add_argument(
        "--detections",
        type=Path,
        help="folder of detection box files, <image stem>.txt (default: run the pipeline's detector)",
    )
    evaluate.add_argument(
        "--moved-boxes",
        type=int,
        metavar="N",
        help="instead of scoring detections, measure each labelled loop in its box and in N copies of the box "
        "moved by up to 15 %% of its side and resized 0.8-1.25x, as a detector's windows are, and print how much "
        "the measured size depends on the box (median and 90th percentile relative difference, share lost)",
    )
    _add_frame_options(evaluate, pixel_size=False)
    evaluate.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    evaluate.set_defaults(run=_run_evaluate)

    convert = commands.add_parser(
        "convert",
        help="labels from one format to the other: a data set folder's split <-> a COCO file",
        description="Write the labelled images of --data (a COCO file, or a data set folder's --split) as a COCO "
        "instances file (--to FILE.json) or as a split of a data set folder (--to DIR: images/, boxes/, "
        "<split>.txt; polygons, which that layout cannot hold, are left out). From a folder, --category names "
        "the COCO category written (default: loop).",
    )
    _add_data_options(convert, "train", images_folder=True)
    convert.add_argument("--to", type=Path, required=True, metavar="FILE.json|DIR", help="what to write")
    convert.add_argument(
        "--copy-images", action="store_true", help="COCO: copy the images into the JSON's images/ folder"
    )
    convert.set_defaults(run=_run_convert)

    train = commands.add_parser("train", help="train a model from a data set", description="Train a model.")
    models = train.add_subparsers(dest="model", metavar="MODEL", required=True)
    cascade = models.add_parser(
        "cascade",
        help="the LBP cascade of module I (gentle AdaBoost, OpenCV cascade XML)",
        description="Train a boosted multi-block LBP stump cascade on the train split (or a COCO file) and write "
        "it as OpenCV cascade XML (loadable by cv2.CascadeClassifier), with a JSON record and the settings "
        "derived from the training boxes (settings.json) beside it: that folder is a model set.",
    )
    _add_data_options(cascade, "train", images_folder=True)
    cascade.add_argument(
        "--out", type=Path, required=True, help="cascade XML to write; settings.json (derived from the boxes) beside it"
    )
    from edge.train.parameters import CascadeTraining

    _add_parameter_options(cascade, CascadeTraining)
    cascade.set_defaults(run=_run_train_cascade)
    screen = models.add_parser(
        "screen",
        help="the screening CNN of module II (PyTorch, exported to ONNX)",
        description="Train the screening CNN on crops around the cascade's detections on the train split "
        "(or a COCO file) (a validation split of images carved from it chooses the threshold); writes ONNX, "
        "an FP16 ONNX and a JSON record. Needs the 'train' extra (PyTorch).",
    )
    _add_data_options(screen, "train", images_folder=True)
    screen.add_argument(
        "--cascade",
        type=Path,
        metavar="DIR/cascade.xml",
        help="the model set's cascade whose candidates it screens (default: the bundled li2018 set's)",
    )
    screen.add_argument("--out", type=Path, required=True, help="ONNX file to write (DIR/screen.onnx for a model set)")
    screen.add_argument("--audit", type=Path, action="append", metavar="FILE.csv", help=AUDIT_HELP)
    from edge.train.parameters import ScreenTraining

    _add_parameter_options(screen, ScreenTraining)
    screen.set_defaults(run=_run_train_screen)
    audit = models.add_parser(
        "audit",
        help="contact sheets of the crops the labels and the models disagree on, to complete the labels by eye",
        description="Find the candidates the model set keeps (at --confident) that no label is near and the "
        "labelled loops it loses, and draw them, shuffled and without scores, on contact sheets in --out, with "
        "decisions.csv to fill in (loop / not / unsure, and a reason) and index.json. The filled rows, kept "
        "beside the model set, complete the labels of 'edge train screen --audit' and 'edge evaluate --audit'. "
        "The test split is never audited.",
    )
    _add_data_options(audit, "train")
    audit.add_argument("--images", type=Path, metavar="FILE", help="audit only the images named in it, one a line")
    audit.add_argument("--model", type=Path, metavar="DIR", help=MODEL_HELP)
    audit.add_argument(
        "--confident", type=float, default=0.2, help="candidates kept at this CNN probability count (default: 0.2)"
    )
    audit.add_argument(
        "--audit",
        type=Path,
        action="append",
        metavar="FILE.csv",
        help="decisions made before (repeatable): they complete the labels, and boxes they decided are not drawn again",
    )
    audit.add_argument("--per-sheet", type=int, default=30, help="tiles a sheet (default: 30)")
    audit.add_argument("--seed", type=int, default=0, help="the sheets' shuffle (default: 0)")
    audit.add_argument("--out", type=Path, required=True, help="folder for the sheets, decisions.csv and index.json")
    audit.set_defaults(run=_run_train_audit)
    classify_training = models.add_parser(
        "classify",
        help="an SEM scene classifier for a folder-per-class image set",
        description="Train a CNN (CPU; flips, rotations, crops, contrast, noise, progressive resizing) on "
        "FOLDER/<class>/*.jpg with a group-aware validation split, optionally group-aware k-fold "
        "cross-validation first (--folds 5); exports ONNX and writes a JSON record and a confusion-matrix PNG.",
    )
    classify_training.add_argument("--data", type=Path, required=True, help="folder with a subfolder per class")
    classify_training.add_argument("--groups", type=Path, help="CSV with columns image, group (near-duplicates)")
    classify_training.add_argument("--weights", type=Path, help="PyTorch state dict to start from")
    classify_training.add_argument("--out", type=Path, required=True, help="ONNX file to write")
    from edge.train.parameters import ClassifyTraining

    _add_parameter_options(classify_training, ClassifyTraining)
    classify_training.set_defaults(run=_run_train_classify)

    classify = commands.add_parser(
        "classify",
        help="label SEM frames with their scene class",
        description="Print the scene label and confidence of each image; --json writes "
        "[{image, label, confidence, top: [[label, p], ...]}].",
    )
    classify.add_argument("images", nargs="+", type=Path, help="image files")
    classify.add_argument("--model", type=Path, help="classifier ONNX (default: the bundled UHCS example)")
    classify.add_argument("--backend", choices=BACKENDS, default="auto", help="inference backend (default: auto)")
    classify.add_argument("--json", type=Path, help="write the results to this JSON file")
    classify.set_defaults(run=_run_classify)

    demo = commands.add_parser(
        "demo",
        help="the live service on the bundled sample frames: replay -> service -> live statistics",
        description="Starts the service on loopback, replays the bundled sample frames into it as one series "
        "and prints the statistics it publishes as they arrive; ends by itself.",
    )
    demo.add_argument("--repeats", type=int, default=2, help="times the samples are replayed (default: 2)")
    demo.add_argument("--fps", type=float, default=2.0, help="replay rate, frames per second (default: 2)")
    demo.add_argument(
        "--viewer", default="127.0.0.1:0", metavar="HOST:PORT", help="the live page (default: a free loopback port)"
    )
    demo.set_defaults(run=_run_demo)

    view = commands.add_parser(
        "view",
        help="a live web page of a running service's results",
        description="Subscribe to a service's PUB socket (here or on another PC) and serve one page that shows the "
        "latest frame with its loops, the series' diameter histogram, count and density per frame, and the "
        "service's counters, updated live over a WebSocket.",
    )
    view.add_argument("--from", dest="endpoint", default="tcp://127.0.0.1:5556", help="the service's output")
    view.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT", help="(default: 127.0.0.1:8080)")
    view.add_argument(
        "--allow-remote", action="store_true", help="let --listen name a host other than loopback (live data is shown)"
    )
    view.set_defaults(run=_run_view)

    serve = commands.add_parser(
        "serve",
        help="the live service: frames in over ZeroMQ, defect statistics out",
        description="Receive frames (PULL or SUB), run detect -> screen -> measure on worker threads and publish "
        "per-frame results, series summaries and a status heartbeat on a PUB socket. Endpoints take "
        "'bind:' or 'connect:' before the address (bare addresses are bound). SIGINT/SIGTERM stop it cleanly. "
        "See docs/protocol.md and deploy/edge.toml.",
    )
    serve.add_argument("--in", dest="input", help="input endpoint (default: bind:tcp://*:5555)")
    serve.add_argument("--out", dest="output", help="output endpoint (default: bind:tcp://*:5556)")
    serve.add_argument("--config", type=Path, help="TOML file with any of the settings")
    serve.add_argument("--input-socket", choices=("pull", "sub"), help="input socket type (default: pull)")
    serve.add_argument(
        "--in-format",
        dest="input_format",
        choices=INPUT_FORMATS,
        help="what the input speaks: edge (ours, default), dectris (SIMPLON Stream V2), adzmq (areaDetector)",
    )
    serve.add_argument("--workers", type=int, help="worker threads (default: 2)")
    serve.add_argument("--queue-size", type=int, help="frames waiting at most (default: 8)")
    serve.add_argument("--keep", choices=("newest", "oldest"), help="when the queue is full (default: newest)")
    serve.add_argument("--pixel-size", dest="pixel_size_nm", type=float, metavar="NM", help="fallback pixel size")
    serve.add_argument("--polarity", choices=POLARITIES, help="loop contrast (default: auto)")
    serve.add_argument("--backend", choices=BACKENDS, help="CNN inference backend (default: auto)")
    serve.add_argument("--screen", help="screening CNN: ONNX file or 'none' (default: the model set's)")
    serve.add_argument("--model", help=MODEL_HELP)
    serve.add_argument(
        "--files",
        nargs="+",
        type=Path,
        metavar="IMAGE",
        help="instead of the input socket: these image files as one series 'files'; ends when they are done",
    )
    serve.add_argument(
        "--viewer", metavar="HOST:PORT", help="also serve the live page here (loopback unless --allow-remote)"
    )
    serve.add_argument("--allow-remote", action="store_true", help="let --viewer name a host other than loopback")
    serve.add_argument(
        "--dask",
        metavar="SCHEDULER|local[:N]",
        help="analyse each frame as a task on a Dask cluster (a scheduler's address, or N local single-threaded "
        "worker processes); ingest, ordering and publishing stay here (docs/scaling.md)",
    )
    serve.add_argument(
        "--record",
        metavar="DIR",
        help="write each series' tables as it runs: DIR/<time>-<series>.defects.<format> and .images.<format>",
    )
    serve.add_argument("--record-format", choices=("parquet", "csv"), help="tables for --record (default: parquet)")
    serve.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        help="named settings under the file and flags: live = queue of 1 keeping the newest frame (lowest latency)",
    )
    serve.set_defaults(run=_run_serve)

    replay = commands.add_parser(
        "replay",
        help="a stand-in microscope: stream image files to a service as one series",
        description="Send series_start, each image as a frame, then series_end, to a PUSH socket.",
    )
    replay.add_argument("images", nargs="+", type=Path, help="image files")
    replay.add_argument("--to", required=True, help="endpoint of the service's input (default: connect)")
    replay.add_argument("--fps", type=float, help="frames per second (default: as fast as taken)")
    replay.add_argument("--loop", action="store_true", help="repeat the images until interrupted")
    replay.add_argument("--pixel-size", type=float, metavar="NM", help="pixel size in nm (overrides the files')")
    replay.add_argument("--series", default="replay", help="series name (default: replay)")
    replay.set_defaults(run=_run_replay)

    engine = commands.add_parser(
        "build-engine",
        help="build and cache the TensorRT engine of an ONNX model ahead of time (NVIDIA GPU)",
        description="Build the serialized TensorRT engine of MODEL (optimisation profile over the batch size) "
        "and cache it, keyed by TensorRT version, GPU and model hash (EDGE_ENGINE_CACHE, default "
        "~/.cache/edge/engines). For FP16, pass the model's .fp16.onnx export.",
    )
    engine.add_argument("model", type=Path, help="ONNX model")
    engine.set_defaults(run=_run_build_engine)

    bench = commands.add_parser(
        "bench",
        help="benchmark the stages: measurement kernel against its baselines, cascade detection per frame",
        description="Times the Numba flood, skimage.segmentation.watershed and cv2.watershed on the same "
        "crops of the bundled sample frames (medians and ratios measured in this run), the whole measuring "
        "stage per frame on the samples' labelled boxes, the cascade's "
        "detection time per 1024x1024 and 2048x2048 frame, the screening of a frame's candidates in one "
        "batched call against one call per crop, and the scene classification time per frame.",
    )
    bench.add_argument("--crops", type=int, default=100, help="number of crops (default: 100)")
    bench.add_argument("--repeats", type=int, default=15, help="timed repeats (default: 15)")
    bench.add_argument(
        "--service", action="store_true", help="also run the whole service through real sockets, ours against baselines"
    )
    bench.add_argument(
        "--frames",
        type=int,
        help="frames per service run; more give a steadier figure (default: 48; with --dask 144, since a cluster's "
        "workers take a few frames to fill)",
    )
    bench.add_argument(
        "--dask",
        metavar="local:N",
        help="with --service, instead of the stages: the service on local Dask clusters of 1 and N single-threaded "
        "worker processes beside the in-process service (frames/s, p50/p99 latency, the scaling from 1 to N)",
    )
    bench.add_argument(
        "--rounds", type=int, default=3, help="--service: throughput runs of each variant, in turns (default: 3)"
    )
    bench.add_argument(
        "--soak",
        type=float,
        metavar="MINUTES",
        help="instead: a mixed stream of frames and every kind of malformed message against the service for "
        "MINUTES; reports RSS at the start, middle and end, latency and whether the accounting is exact",
    )
    bench.add_argument("--preset", choices=tuple(PRESETS), default="default", help="service settings for --soak")
    bench.add_argument(
        "--presets",
        action="store_true",
        help="instead: latency under moderate overload, the default settings against the live preset",
    )
    bench.set_defaults(run=_run_bench)
    return parser


def _add_parameter_options(parser: argparse.ArgumentParser, parameters: type) -> None:
    """A ``--name`` option for each field of a training-parameters dataclass."""
    for field in dataclasses.fields(parameters):
        default = field.default
        parser.add_argument(
            f"--{field.name.replace('_', '-')}", type=type(default), default=default, help=f"(default: {default})"
        )


def _parameters(args: argparse.Namespace, parameters: type):
    """The training-parameters dataclass filled from the parsed options."""
    return parameters(**{field.name: getattr(args, field.name) for field in dataclasses.fields(parameters)})


AUDIT_HELP = "decisions of 'edge train audit' (CSV; repeatable) that complete the labels; never with the test split"
IMAGES_HELP = "where a COCO file's images are (default: beside it, in its images/ folder, then in ../images)"


def _add_data_options(parser: argparse.ArgumentParser, split: str, images_folder: bool = False) -> None:
    """--data (a COCO file or a data set folder), --split, --category and, with
    ``images_folder``, --images (where a COCO file's images are)."""
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        help="labels: a COCO instances .json file (CVAT, labelme, ...) or a data set folder (images/, boxes/, "
        "<split>.txt)",
    )
    parser.add_argument("--split", default=split, help=f"a data set folder's split (default: {split})")
    parser.add_argument("--category", help="a COCO file's category (needed when it has several)")
    if images_folder:
        parser.add_argument("--images", type=Path, metavar="DIR", help=IMAGES_HELP)


def _add_frame_options(parser: argparse.ArgumentParser, pixel_size: bool = True) -> None:
    if pixel_size:
        parser.add_argument("--pixel-size", type=float, metavar="NM", help="pixel size in nm (overrides the file's)")
    parser.add_argument("--polarity", choices=POLARITIES, default="auto", help="loop contrast (default: auto)")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="auto",
        help="CNN inference: auto takes TensorRT where a GPU and TensorRT are present, else ONNX Runtime",
    )
    parser.add_argument(
        "--screen",
        default="default",
        metavar="ONNX|none",
        help="screening CNN: the model set's (default), an ONNX file, or 'none' to keep every cascade candidate",
    )
    parser.add_argument("--model", type=Path, metavar="DIR", help=MODEL_HELP)


def _run_analyze(args: argparse.Namespace) -> int:
    from edge.archive.files import Journal, expand
    from edge.archive.run import FileSettings, analyse_files
    from edge.eval.charts import write_summary
    from edge.pipeline.settings import PipelineSettings
    from edge.pipeline.tables import DEFECT_COLUMNS, IMAGE_COLUMNS, check_table_path, write_table

    tables = [(path, columns) for path, columns in ((args.table, DEFECT_COLUMNS), (args.image_table, IMAGE_COLUMNS))]
    tables = [(check_table_path(path), columns) for path, columns in tables if path is not None]
    files = expand(args.images)
    scenes = tuple(args.scenes.split(",")) if args.scenes else ()
    pipeline = PipelineSettings(
        args.backend, args.polarity, args.screen, str(args.classifier or ""), scenes, str(args.model or "")
    ).with_absolute_paths()  # workers elsewhere need no working directory
    boxes = str(args.boxes) if args.boxes else None
    settings = FileSettings(pipeline, str(args.out), args.pixel_size, boxes, args.gallery)
    args.out.mkdir(parents=True, exist_ok=True)
    journal_path = args.out / "journal.jsonl"
    if args.redo:
        journal_path.unlink(missing_ok=True)
    cluster = None
    if args.dask:
        from edge.cluster.connect import check_address, connect

        check_address(args.dask)
        if not boxes:
            pipeline.build()  # a bad model or setting fails here, before a cluster starts
        cluster = connect(args.dask)
    try:
        run = analyse_files(files, settings, Journal(journal_path), cluster)
    finally:
        if cluster is not None:
            cluster.close()
    images = [done.image for done in run.done]
    defects = [row for done in run.done for row in done.defects]
    write_table(args.out / "defects.csv", DEFECT_COLUMNS, defects)
    for path, columns in tables:
        write_table(path, columns, defects if columns is DEFECT_COLUMNS else images)
    if images:
        write_summary(args.out / "summary.png", images, defects)
    if run.skipped:
        print(f"{run.skipped} of {len(files)} files done before (in {journal_path}): skipped", file=sys.stderr)
    if run.failed:
        print(f"{len(run.failed)} of {len(files)} files failed:", file=sys.stderr)
        for path, error in run.failed.items():
            print(f"  {path}: {error}", file=sys.stderr)
    return 1 if run.failed else 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from edge.eval.scoring import evaluate_labelled, format_report

    if args.images is not None and not args.images.exists():
        raise FileNotFoundError(f"--images {args.images}: no such file (a list of image names) or folder")
    listing = args.images if args.images is not None and not args.images.is_dir() else None
    items = _audited(args, _listed(args, _read_data(args, args.images if listing is None else None), listing))
    if args.moved_boxes is not None:
        return _report_stability(items, args)
    report = evaluate_labelled(
        items, args.detections, args.polarity, args.backend, args.screen, args.matching, args.model
    )
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def _report_stability(items: list, args: argparse.Namespace) -> int:
    from edge.eval.stability import box_stability

    if args.moved_boxes < 1:
        raise ValueError(f"--moved-boxes must be at least 1, got {args.moved_boxes}")
    summary = box_stability(items, args.moved_boxes, polarity=args.polarity).summary()
    print(
        f"{summary['loops']} loops, each in its label box and {args.moved_boxes} moved and resized boxes: "
        f"|relative difference| median {summary['median_difference']:.4f}, 90th percentile "
        f"{summary['p90_difference']:.4f}; lost in {100 * summary['lost_share']:.2f} % of the moved boxes"
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


def _run_convert(args: argparse.Namespace) -> int:
    from edge.io.coco import write_coco
    from edge.io.dataset import write_split
    from edge.io.labels import read_labelled

    from_folder = args.data.is_dir()  # a folder's labels have no category: --category names the one written
    items = read_labelled(args.data, args.split, args.images, None if from_folder else args.category)
    if args.to.suffix.lower() == ".json":
        write_coco(items, args.to, args.category or "loop", args.copy_images)
    else:
        write_split(items, args.to, args.split)
    print(f"{len(items)} images, {sum(len(item.boxes) for item in items)} boxes written to {args.to}")
    return 0


def _run_train_cascade(args: argparse.Namespace) -> int:
    from edge.train.cascade import train_cascade
    from edge.train.parameters import CascadeTraining

    params = _parameters(args, CascadeTraining)
    items = _read_data(args, args.images)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    train_cascade(items, args.out, params, _data_name(args))
    return 0


def _run_train_screen(args: argparse.Namespace) -> int:
    from edge.train.parameters import ScreenTraining
    from edge.train.screen import train_screen

    params = _parameters(args, ScreenTraining)
    models = _cascade_model_set(args.cascade)
    if args.cascade is None:
        print(f"screening the candidates of the bundled cascade ({models.cascade}); --cascade names another")
    items = _audited(args, _read_data(args, args.images))
    args.out.parent.mkdir(parents=True, exist_ok=True)  # written only after training
    train_screen(items, args.out, params, models, _data_name(args), args.audit)
    return 0


def _run_train_audit(args: argparse.Namespace) -> int:
    from edge.pipeline.model_set import ModelSet
    from edge.pipeline.pipeline import Pipeline
    from edge.train.audit import disputed_crops, write_sheets

    if args.images is not None and not args.images.is_file():
        raise FileNotFoundError(f"--images {args.images}: no such file (a list of image names)")
    items = _audited(args, _never_test(args, _listed(args, _read_data(args, None), args.images), leave_out=True))
    decided = _decisions(args.audit)
    models = ModelSet.load(args.model)
    pipeline = Pipeline.default(model=args.model)
    padding = models.outline_padding or 1.0
    disputed = disputed_crops(items, pipeline, padding, models.centre_tolerance_px, args.confident, decided)
    sheets = write_sheets(disputed, args.out, args.per_sheet, args.seed)
    kinds = {kind: sum(d.kind == kind for d in disputed) for kind in ("unlabelled", "rejected")}
    print(f"{len(items)} images: {kinds['unlabelled']} kept loops without a label, {kinds['rejected']} labelled "
          f"loops lost, on {len(sheets)} sheets in {args.out}; fill in {args.out / 'decisions.csv'}")  # fmt: skip
    return 0


def _cascade_model_set(cascade: Path | None):
    """The model set whose cascade ``--cascade`` names (None: the bundled set)."""
    from edge.pipeline.model_set import CASCADE, ModelSet

    if cascade is not None and cascade.name != CASCADE:
        raise ValueError(f"--cascade {cascade}: give a model set's {CASCADE} (as 'edge train cascade --out "
                         f"DIR/{CASCADE}' writes it, with settings.json beside it)")  # fmt: skip
    return ModelSet.load(cascade.parent if cascade is not None else None)


def _read_data(args: argparse.Namespace, images: Path | None) -> list:
    """The labelled images ``--data`` (with ``--split``, ``--category``) names."""
    from edge.io.labels import read_labelled

    return read_labelled(args.data, args.split, images, args.category)


def _listed(args: argparse.Namespace, items: list, listing: Path | None) -> list:
    """``items`` less those the file ``listing`` (image names, one a line; None: all) leaves out."""
    if listing is None:
        return items
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    unknown = sorted(set(names) - {item.image.name for item in items})
    if unknown:
        raise ValueError(f"images not in {_data_name(args)}: {', '.join(unknown)}")
    return [item for item in items if item.image.name in set(names)]


def _audited(args: argparse.Namespace, items: list) -> list:
    """``items`` with the labels ``--audit`` completes (none: as they are); refused on a test split."""
    if not args.audit:
        return items
    from edge.train.audit import apply_decisions

    decisions = _decisions(args.audit)
    named = {decision.image for decision in decisions}
    _never_test(args, items, copied=[item for item in items if item.image.name in named])
    return apply_decisions(items, decisions)


def _never_test(args: argparse.Namespace, items: list, copied: list | None = None, leave_out: bool = False) -> list:
    """``items`` checked against a data set folder's test split: its images (``human`` is part of
    it) are never audited, and their labels are scored as they are. The train split may hold a
    copy of a test image under another name: those of ``copied`` (default: ``items``) are found
    by content and left out, saying so, with ``leave_out``, else refused."""
    from edge.io.dataset import copies_of, split_digests

    if not args.data.is_dir():
        return items
    digests = split_digests(args.data, "test")
    if args.split == "test" or any(item.image.name in digests.values() for item in items):
        raise ValueError("the test split is never audited (nor its images in another split): audit training images")
    copies = copies_of(items if copied is None else copied, digests)
    if copies and not leave_out:
        shown = ", ".join(f"{image.name} (test: {name})" for image, name in copies.items())
        raise ValueError(f"the test split is never audited, and these are copies of its images: {shown}")
    for image, name in copies.items():
        print(f"{image.name}: left out, a copy of the test split's {name}")
    return [item for item in items if item.image not in copies]


def _decisions(paths: list[Path] | None) -> list:
    """The decisions of every ``--audit`` file, in order."""
    from edge.train.audit import read_decisions

    return [decision for path in paths or () for decision in read_decisions(path)]


def _data_name(args: argparse.Namespace) -> str:
    """How the data is named in a model's record."""
    if args.data.suffix.lower() == ".json":
        return str(args.data) + (f" (category {args.category})" if args.category else "")
    return f"{args.data} ({args.split} split)"


def _run_demo(args: argparse.Namespace) -> int:
    from edge.live.demo import run_demo

    return run_demo(args.repeats, args.fps, viewer=args.viewer)


def _run_view(args: argparse.Namespace) -> int:
    from aiohttp import web

    from edge.live.viewer.server import check_listen, make_app

    host, port = check_listen(args.listen, args.allow_remote)
    print(f"viewer of {args.endpoint} on http://{host}:{port}/", flush=True)
    web.run_app(make_app(args.endpoint), host=host, port=port, print=None)
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    import signal

    from edge.live.config import load_config
    from edge.live.service import Service
    from edge.live.sources import FileSource

    settings = ("input", "output", "input_socket", "input_format", "workers", "queue_size", "keep", "pixel_size_nm")
    settings += ("polarity", "dask", "record", "record_format", "model")
    overrides = {name: getattr(args, name) for name in (*settings, "backend", "screen")}
    config = load_config(args.config, args.preset, viewer=args.viewer, **overrides)
    source = FileSource(args.files, "files", config.pixel_size_nm) if args.files else None
    service = Service(config, source=source)
    print("loading models and compiling kernels ...", flush=True)
    service.start()
    print(f"ready: frames in on {service.input_address}, statistics out on {service.output_address}", flush=True)
    if service.offload is not None:
        print(f"frames analysed on the Dask cluster at {service.offload.cluster.address}", flush=True)
    viewer = None
    if config.viewer:
        from edge.live.viewer.server import ViewerThread, check_listen

        viewer = ViewerThread(_local(service.output_address), *check_listen(config.viewer, args.allow_remote)).start()
        print(f"viewer on {viewer.url}", flush=True)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: service.stop())
    service.wait()
    if viewer is not None:
        viewer.stop()
    if service.fault:
        print(f"edge serve: failed: {service.fault}; {service.counters.snapshot()}", file=sys.stderr, flush=True)
        return 1
    print(f"stopped: {service.counters.snapshot()}", flush=True)
    return 0


def _local(address: str) -> str:
    """The address a process on this machine connects to for ``address`` (``*`` is every interface)."""
    return address.replace("://0.0.0.0:", "://127.0.0.1:").replace("://*:", "://127.0.0.1:")


def _run_replay(args: argparse.Namespace) -> int:
    import signal
    import threading

    import zmq

    from edge.live.replay import load_frames, replay

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    context = zmq.Context()
    frames = load_frames(args.images, args.pixel_size)
    sent = replay(frames, args.to, args.series, args.fps, args.loop, stop.is_set, context)
    context.term()  # waits (up to the sockets' linger) until what was queued has gone out
    print(f"sent {sent} frames as series {args.series!r}")
    return 0


def _run_build_engine(args: argparse.Namespace) -> int:
    from edge.pipeline.backends import tensorrt_available

    reason = tensorrt_available()
    if reason:
        print(f"edge build-engine: cannot build here: {reason}", file=sys.stderr)
        return 1
    from edge.pipeline.backends.tensorrt import build_engine

    print(build_engine(args.model))
    return 0


def _run_train_classify(args: argparse.Namespace) -> int:
    from edge.train.parameters import ClassifyTraining
    from edge.train.scenes import train_classify, write_confusion_png

    params = _parameters(args, ClassifyTraining)
    args.out.parent.mkdir(parents=True, exist_ok=True)  # written only after training
    record = train_classify(args.data, args.out, params, args.groups, args.weights)
    report = record["cross_validation"]["options"] if "cross_validation" in record else record["validation"]
    write_confusion_png(report["cnn + texture"], record["classes"], args.out.with_suffix(".confusion.png"))
    return 0


def _run_classify(args: argparse.Namespace) -> int:
    from edge.io.images import read_frame
    from edge.pipeline.scene import DEFAULT_CLASSIFIER, SceneClassifier

    classifier = SceneClassifier(args.model or DEFAULT_CLASSIFIER, args.backend)
    results, failures = [], 0
    for path in args.images:
        try:
            scene = classifier.classify(read_frame(path).pixels)
        except (ValueError, OSError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            failures += 1
            continue
        print(f"{path.name}: {scene['label']} ({scene['confidence']:.3f})")
        results.append({"image": str(path), **scene})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if failures else 0


def _run_bench(args: argparse.Namespace) -> int:
    if args.presets:
        from edge.bench.service import bench_presets

        bench_presets()
        return 0
    if args.soak is not None:
        from edge.bench.soak import bench_soak

        report = bench_soak(args.soak, **PRESETS.get(args.preset, {}))
        return 0 if report["exact"] else 1
    from edge.bench.stages import (
        bench_classification,
        bench_detection,
        bench_measurement,
        bench_screening,
        bench_watershed,
    )

    if args.dask:
        import re

        match = re.fullmatch(r"local:(\d+)", args.dask)
        if not args.service or not match or int(match.group(1)) < 1:
            raise ValueError("--dask takes local:N (N >= 1) and goes with --service")
        from edge.bench.cluster import bench_cluster

        bench_cluster(int(match.group(1)), args.frames or 144, args.rounds)
        return 0
    bench_watershed(args.crops, args.repeats)
    bench_measurement(args.repeats)
    bench_detection(args.repeats)
    bench_screening(max(3, args.repeats // 3))
    bench_classification(args.repeats)
    if args.service:
        from edge.bench.service import bench_service

        bench_service(args.frames or 48, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
