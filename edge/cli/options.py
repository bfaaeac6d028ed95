"""Options more than one command takes: the pipeline's (generated from ``PipelineSettings``),
labelled data, a pixel size, and the fields of a training-parameters dataclass."""

import argparse
import dataclasses
from pathlib import Path

from edge.pipeline.settings import PipelineSettings

AUDIT_HELP = "decisions of 'edge train audit' (CSV; repeatable) that complete the labels; never with the test split"
IMAGES_HELP = "where a COCO file's images are (default: beside it, in its images/ folder, then in ../images)"
PIPELINE_FIELDS = tuple(item.name for item in dataclasses.fields(PipelineSettings))


def pixel_size_nm(text: str) -> float:
    """The ``type`` of every ``--pixel-size NM`` option: a pixel size in nm, refused by argparse
    unless it is a number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 nm, got {text}")
    return value


def add_pipeline_options(parser: argparse.ArgumentParser, names: tuple[str, ...] = PIPELINE_FIELDS) -> None:
    """An option for each ``PipelineSettings`` field in ``names``, spelled and explained as the
    field's metadata says; left out, a field keeps the value it has (``pipeline_settings``)."""
    for item in dataclasses.fields(PipelineSettings):
        if item.name in names:
            spec = item.metadata
            parser.add_argument(
                spec["flag"], dest=item.name, metavar=spec["metavar"], choices=spec["choices"], help=spec["help"]
            )


def pipeline_settings(args: argparse.Namespace, base: PipelineSettings | None = None) -> PipelineSettings:
    """``base`` (default: the defaults) with the pipeline options given on the command line."""
    return PipelineSettings.parse(given_pipeline_options(args), base)


def given_pipeline_options(args: argparse.Namespace) -> dict[str, str]:
    """The pipeline options given on the command line, as text, by field name."""
    return {name: getattr(args, name) for name in PIPELINE_FIELDS if getattr(args, name, None) is not None}


def add_data_options(parser: argparse.ArgumentParser, split: str, images_folder: bool = False) -> None:
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


def add_parameter_options(parser: argparse.ArgumentParser, parameters: type) -> None:
    """A ``--name`` option for each field of a training-parameters dataclass."""
    for field in dataclasses.fields(parameters):
        default = field.default
        parser.add_argument(
            f"--{field.name.replace('_', '-')}", type=type(default), default=default, help=f"(default: {default})"
        )


def parameters_from(args: argparse.Namespace, parameters: type):
    """The training-parameters dataclass filled from the parsed options."""
    return parameters(**{field.name: getattr(args, field.name) for field in dataclasses.fields(parameters)})


TRAIN_EXTRA = 'pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu && pip install -e ".[train]"'


def require_training_extra(command: str) -> None:
    """Raise ``RuntimeError`` with the install command when PyTorch or ONNX, the ``train``
    extra, is absent (a plain ``pip install torch`` pulls a CUDA build of several GB)."""
    try:
        import torch  # noqa: F401, I001 (torch first: the extra's heart, named when both are missing)
        import onnx  # noqa: F401
    except ImportError as error:
        raise RuntimeError(
            f"{command} needs the 'train' extra ({error.name} is missing); CPU-only: {TRAIN_EXTRA}"
        ) from error
