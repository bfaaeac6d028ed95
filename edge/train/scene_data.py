"""Folder-per-class image sets, group-aware splits, and the frame preparation the scene
classifier shares between training and serving."""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.io.images import read_frame, to_uint8

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".dm3", ".dm4"}


@dataclass(frozen=True)
class LabelledSet:
    """Images, their class indices and group ids, and the class names."""

    paths: list[Path]
    labels: np.ndarray
    groups: np.ndarray
    classes: list[str]


def read_folder_per_class(folder: Path, groups_csv: Path | None = None) -> LabelledSet:
    """Every image under ``folder/<class>/``; groups from ``groups_csv`` (columns image, group;
    image relative to ``folder``), else each image is its own group."""
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if len(classes) < 2:
        raise ValueError(f"{folder}: expected a folder per class, found {len(classes)} class folder(s)")
    paths, labels = [], []
    for index, name in enumerate(classes):
        found = sorted(p for p in (folder / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        paths += found
        labels += [index] * len(found)
    group_of = {}
    if groups_csv is not None:
        with open(groups_csv, newline="") as handle:
            group_of = {row["image"]: row["group"] for row in csv.DictReader(handle)}
    names = [str(p.relative_to(folder)) for p in paths]
    group_ids = {g: i for i, g in enumerate(dict.fromkeys(group_of.get(n, f"own:{n}") for n in names))}
    groups = np.array([group_ids[group_of.get(n, f"own:{n}")] for n in names])
    return LabelledSet(paths, np.array(labels), groups, classes)


def group_folds(labels: np.ndarray, groups: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A fold index per image: whole groups go to one fold, dealt round-robin within each class
    (a group takes its first image's class) so the folds keep the class balance."""
    rng = np.random.default_rng(seed)
    fold_of_group = {}
    unique_groups = np.unique(groups)
    group_class = {g: labels[np.flatnonzero(groups == g)[0]] for g in unique_groups}
    for klass in np.unique(labels):
        members = [g for g in unique_groups if group_class[g] == klass]
        for position, group in enumerate(rng.permutation(members)):
            fold_of_group[group] = position % folds
    return np.array([fold_of_group[g] for g in groups])


def load_greyscale(path: Path) -> np.ndarray:
    """The image as 8-bit greyscale."""
    return to_uint8(read_frame(path).pixels)
