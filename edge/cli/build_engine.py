"""``edge build-engine``: a TensorRT engine built and cached ahead of time."""

import argparse
import sys
from pathlib import Path

NAME = "build-engine"
HELP = "build and cache the TensorRT engine of an ONNX model ahead of time (NVIDIA GPU)"
DESCRIPTION = (
    "Build the serialized TensorRT engine of MODEL (optimisation profile over the batch size) "
    "and cache it, keyed by TensorRT version, GPU and model hash (EDGE_ENGINE_CACHE, default "
    "~/.cache/edge/engines). For FP16, pass the model's .fp16.onnx export."
)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="ONNX model")


def run(args: argparse.Namespace) -> int:
    from edge.pipeline.backends import tensorrt_available

    reason = tensorrt_available()
    if reason:
        print(f"edge build-engine: cannot build here: {reason}", file=sys.stderr)
        return 1
    from edge.pipeline.backends.tensorrt import build_engine

    print(build_engine(args.model))
    return 0
