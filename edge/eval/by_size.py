"""Recall by loop size: the labelled loops in classes of box side, and the share of each found.

A microscopist never misses a large loop, and a per-image mean diameter is biased by which sizes
are found, so recall is reported per size class beside the pooled figure."""

import numpy as np

SIZE_EDGES_PX = (40.0, 70.0)  # label box side (the longer one): < 40, 40-70, >= 70 px


def size_class_names(edges: tuple[float, ...] = SIZE_EDGES_PX) -> list[str]:
    """``["< 40 px", "40-70 px", ">= 70 px"]`` for the default edges."""
    inner = [f"{low:g}-{high:g} px" for low, high in zip(edges[:-1], edges[1:], strict=True)]
    return [f"< {edges[0]:g} px", *inner, f">= {edges[-1]:g} px"]


def size_classes(boxes: np.ndarray, edges: tuple[float, ...] = SIZE_EDGES_PX) -> np.ndarray:
    """``(N,)``: the class index of each box ``[x0, y0, x1, y1]`` by its longer side."""
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    sides = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    return np.searchsorted(np.asarray(edges), sides, side="right")


def recall_by_size(boxes: np.ndarray, found: np.ndarray, edges: tuple[float, ...] = SIZE_EDGES_PX) -> list[dict]:
    """Per size class of the labelled ``boxes``: {size, labelled, found, recall (None without
    labels)}, ``found`` saying which labels were matched."""
    classes = size_classes(boxes, edges)
    found = np.asarray(found, bool).reshape(-1)
    rows = []
    for index, name in enumerate(size_class_names(edges)):
        members = classes == index
        rows.append(_row(name, int(members.sum()), int(found[members].sum())))
    return rows


def pooled_by_size(per_image: list[list[dict]]) -> list[dict]:
    """``recall_by_size`` rows summed over images."""
    return [
        _row(classes[0]["size"], sum(c["labelled"] for c in classes), sum(c["found"] for c in classes))
        for classes in zip(*per_image, strict=True)
    ]


def _row(size: str, labelled: int, found: int) -> dict:
    return {"size": size, "labelled": labelled, "found": found, "recall": found / labelled if labelled else None}
