"""Measured loop sizes against drawn outlines: where the labels carry polygons (COCO
``segmentation``), each loop's measured major axis (module III) is compared with the major axis
of its polygon, both as moment ellipses (diameter = 4 x the square root of the larger second
central moment, which is the full major axis of an ellipse). A loop is measured twice: in the
detected box that matched it, as the pipeline sees it, and in its own label box, which takes
the detector out of the comparison. Errors are reported as means and as medians (the figures an
expert comparison quotes), over all loops and by the kind the measurement decided (hollow or
filled), since the two kinds are measured on different lines (README, "How a loop is measured")."""

from typing import NamedTuple

import cv2
import numpy as np

from edge.kernels.landscape import Moments
from edge.pipeline.measure import Defect


class AxisPair(NamedTuple):
    """One loop's measured and drawn major axes, px, and the kind it was measured as."""

    measured: float
    drawn: float
    hollow: bool


def outline_major_px(outline: np.ndarray) -> float | None:
    """The major axis of the filled polygon ``outline`` ``(K, 2)``; None for a degenerate one."""
    moments = cv2.moments(np.asarray(outline, np.float32).reshape(-1, 1, 2))
    if moments["m00"] <= 0:
        return None
    keys = ("m00", "m10", "m01", "mu20", "mu02", "mu11")
    return Moments(*(moments[key] for key in keys)).axes()[0]


def drawn_axes(outlines: list[np.ndarray | None]) -> list[float | None]:
    """The major axis of each outline (None where a label has none, or a degenerate one)."""
    return [None if outline is None else outline_major_px(outline) for outline in outlines]


def axis_pairs(drawn: list[float | None], measured: list[Defect | None], pairs) -> list[AxisPair]:
    """The axes of each ``(label, box)`` of ``pairs`` whose label has a drawn axis (``drawn``,
    by label) and whose box's loop was measured (``measured``, by box; None where it was not)."""
    found = []
    for label, box in pairs:
        defect = measured[box]
        if drawn[label] is not None and defect is not None:
            found.append(AxisPair(defect.major_px, drawn[label], defect.hollow))
    return found


def axis_errors(pairs: list[AxisPair]) -> dict | None:
    """The measured major axis against the drawn one over ``pairs`` (None without any): mean
    signed and absolute error, in px and in % of the drawn axis; the median signed and absolute
    error in %; and the medians for the loops measured as hollow and as filled apart
    (``by_kind``, a kind without loops left out)."""
    if not pairs:
        return None
    measured, drawn = np.array([pair[:2] for pair in pairs], np.float64).T
    error = measured - drawn
    hollow = np.array([pair.hollow for pair in pairs])
    return {
        "loops": len(pairs),
        "drawn_mean_px": float(drawn.mean()),
        "measured_mean_px": float(measured.mean()),
        "signed_px": float(error.mean()),
        "absolute_px": float(np.abs(error).mean()),
        "signed_percent": float(100 * np.mean(error / drawn)),
        "absolute_percent": float(100 * np.mean(np.abs(error) / drawn)),
        **_medians(error / drawn),
        "by_kind": {
            kind: {"loops": int(chosen.sum()), **_medians(error[chosen] / drawn[chosen])}
            for kind, chosen in (("hollow", hollow), ("filled", ~hollow))
            if chosen.any()
        },
    }


def _medians(relative: np.ndarray) -> dict:
    return {
        "median_signed_percent": float(100 * np.median(relative)),
        "median_absolute_percent": float(100 * np.median(np.abs(relative))),
    }
