"""Measured loop sizes against drawn outlines: where the labels carry polygons (COCO
``segmentation``), each matched loop's measured major axis (module III, in the detected box)
is compared with the major axis of its polygon, both as moment ellipses (diameter = 4 x the
square root of the larger second central moment, which is the full major axis of an ellipse)."""

import cv2
import numpy as np

from edge.kernels.landscape import Moments
from edge.pipeline.measure import LoopMeasurer


def outline_major_px(outline: np.ndarray) -> float | None:
    """The major axis of the filled polygon ``outline`` ``(K, 2)``; None for a degenerate one."""
    moments = cv2.moments(np.asarray(outline, np.float32).reshape(-1, 1, 2))
    if moments["m00"] <= 0:
        return None
    keys = ("m00", "m10", "m01", "mu20", "mu02", "mu11")
    return Moments(*(moments[key] for key in keys)).axes()[0]


def axis_pairs(
    pixels: np.ndarray, outlines: list, detections: np.ndarray, pairs: np.ndarray, measurer: LoopMeasurer
) -> list[tuple[float, float]]:
    """``(measured, drawn)`` major axes in px of each matched ``(label, detection)`` pair whose
    label has an outline and whose detection ``measurer`` could measure."""
    found = []
    for label, detection in pairs:
        outline = outlines[label] if outlines is not None else None
        drawn = outline_major_px(outline) if outline is not None else None
        if drawn is None:
            continue
        measured = measurer.measure(pixels, detections[detection : detection + 1])
        if measured:
            found.append((measured[0].major_px, drawn))
    return found


def axis_errors(pairs: list[tuple[float, float]]) -> dict | None:
    """The measured major axis against the drawn one: mean signed and absolute error, in px
    and in % of the drawn axis, over ``pairs`` (None without any)."""
    if not pairs:
        return None
    measured, drawn = np.array(pairs, np.float64).T
    error = measured - drawn
    return {
        "loops": len(pairs),
        "drawn_mean_px": float(drawn.mean()),
        "measured_mean_px": float(measured.mean()),
        "signed_px": float(error.mean()),
        "absolute_px": float(np.abs(error).mean()),
        "signed_percent": float(100 * np.mean(error / drawn)),
        "absolute_percent": float(100 * np.mean(np.abs(error) / drawn)),
    }
