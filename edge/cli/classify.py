"""``edge classify``: the scene class of SEM frames."""

import argparse
import json
import sys
from pathlib import Path

from edge.cli.options import add_pipeline_options

NAME = "classify"
HELP = "label SEM frames with their scene class"
DESCRIPTION = (
    "Print the scene label and confidence of each image; --json writes "
    "[{image, label, confidence, top: [[label, p], ...]}]."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="+", type=Path, help="image files")
    parser.add_argument("--model", type=Path, help="classifier ONNX (default: the bundled UHCS example)")
    add_pipeline_options(parser, ("backend",))
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")


def run(args: argparse.Namespace) -> int:
    from edge.io.images import read_frame, to_uint8
    from edge.pipeline.scene import DEFAULT_CLASSIFIER, SceneClassifier

    classifier = SceneClassifier(args.model or DEFAULT_CLASSIFIER, args.backend or "auto")
    results, failures = [], 0
    for path in args.images:
        try:
            scene = classifier.classify(to_uint8(read_frame(path).pixels))
        except (ValueError, OSError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            failures += 1
            continue
        print(f"{path.name}: {scene.label} ({scene.confidence:.3f})")
        results.append({"image": str(path), **scene.as_json()})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if failures else 0
