"""Labelled images as the commands that score, convert and train read them: ``--data`` and
``--split``, a list of image names, and an audit's decisions, never on the test split."""

import argparse
from pathlib import Path


def read_data(args: argparse.Namespace, images: Path | None) -> list:
    """The labelled images ``--data`` (with ``--split``, ``--category``) names."""
    from edge.io.labels import read_labelled

    return read_labelled(args.data, args.split, images, args.category)


def listed(args: argparse.Namespace, items: list, listing: Path | None) -> list:
    """``items`` less those the file ``listing`` (image names, one a line; None: all) leaves out."""
    if listing is None:
        return items
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    unknown = sorted(set(names) - {item.image.name for item in items})
    if unknown:
        raise ValueError(f"images not in {data_name(args)}: {', '.join(unknown)}")
    return [item for item in items if item.image.name in set(names)]


def audited(args: argparse.Namespace, items: list) -> list:
    """``items`` with the labels ``--audit`` completes (none: as they are); refused on a test split."""
    if not args.audit:
        return items
    from edge.train.audit import apply_decisions

    decisions = read_decisions(args.audit)
    named = {decision.image for decision in decisions}
    never_test(args, items, copied=[item for item in items if item.image.name in named])
    return apply_decisions(items, decisions)


def never_test(args: argparse.Namespace, items: list, copied: list | None = None, leave_out: bool = False) -> list:
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


def read_decisions(paths: list[Path] | None) -> list:
    """The decisions of every ``--audit`` file, in order."""
    from edge.train.audit import read_decisions as read_file

    return [decision for path in paths or () for decision in read_file(path)]


def data_name(args: argparse.Namespace) -> str:
    """How the data is named in a model's record."""
    if args.data.suffix.lower() == ".json":
        return str(args.data) + (f" (category {args.category})" if args.category else "")
    return f"{args.data} ({args.split} split)"
