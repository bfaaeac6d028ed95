"""Scoring detections against labels: box centres within 20 px, one to one or by the paper's
many-to-many rule, and IoU >= 0.4; pooled rates with bootstrap intervals over images."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from edge.io.boxes import box_iou

CENTRE_TOLERANCE_PX = 20.0
IOU_THRESHOLD = 0.4
_NO_MATCH = 1e9


def match_by_centre(labels: np.ndarray, detections: np.ndarray, tolerance: float = CENTRE_TOLERANCE_PX) -> int:
    """Matched pairs when box centres lie within ``tolerance`` px in x and in y, one to one
    (the li2018 reference protocol); the matching with the most pairs is taken."""
    return len(centre_pairs(labels, detections, tolerance))


def centre_pairs(labels: np.ndarray, detections: np.ndarray, tolerance: float = CENTRE_TOLERANCE_PX) -> np.ndarray:
    """``(P, 2)`` indices ``(label, detection)`` of ``match_by_centre``'s pairs (of the matchings
    with the most pairs, the one with the closest centres)."""
    offset = _centre_offsets(labels, detections)
    return _matched_pairs((offset <= tolerance).all(axis=2), np.hypot(offset[..., 0], offset[..., 1]))


def match_paper(labels: np.ndarray, detections: np.ndarray, tolerance: float = CENTRE_TOLERANCE_PX) -> tuple[int, int]:
    """The paper's own rule (its MATLAB ``compareBbox``: ``ismembertol`` with a 20 px scale),
    many to many: the labels that have any detection centre within ``tolerance`` px in x and
    in y, and the detections that have any such label. A duplicate detection of a found loop
    is not penalised. Returns ``(labels found, detections on a label)``."""
    within = centres_within(labels, detections, tolerance)
    return int(within.any(axis=1).sum()), int(within.any(axis=0).sum())


MATCHINGS = ("one-to-one", "paper")


def count_matches(
    labels: np.ndarray,
    detections: np.ndarray,
    matching: str = "one-to-one",
    tolerance: float = CENTRE_TOLERANCE_PX,
    added: np.ndarray | None = None,
) -> "Counts":
    """The counts of one image under ``matching``: "one-to-one" (each label and detection in at
    most one pair, the most pairs) or "paper" (``match_paper``), both by centres within
    ``tolerance`` px (li2018's protocol: 20).

    ``added`` marks labels an audit added (``edge.train.audit``): loops found by looking at what
    the models keep, so not a fair sample of the loops to find. They count for precision (a
    detection on one is right) but not for recall, which stays that of the other labels."""
    labels = labels.reshape(-1, 4)
    if matching == "one-to-one":
        return _counts(centre_pairs(labels, detections, tolerance), len(labels), len(detections), added)
    added = np.zeros(len(labels), bool) if added is None else np.asarray(added, bool)
    if matching == "paper":
        within = centres_within(labels, detections, tolerance)
        found = int((within.any(axis=1) & ~added).sum())
        return Counts(int((~added).sum()), len(detections), found, int(within.any(axis=0).sum()))
    raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")


def labels_found(
    labels: np.ndarray, detections: np.ndarray, matching: str = "one-to-one", tolerance: float = CENTRE_TOLERANCE_PX
) -> np.ndarray:
    """``(len(labels),)``: which labels are found under ``matching`` (as ``count_matches`` pairs
    them; labels an audit added are marked too, where ``count_matches`` leaves them out of recall)."""
    labels = labels.reshape(-1, 4)
    if matching == "one-to-one":
        found = np.zeros(len(labels), bool)
        found[centre_pairs(labels, detections, tolerance)[:, 0]] = True
        return found
    if matching == "paper":
        return centres_within(labels, detections, tolerance).any(axis=1)
    raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")


def centres_within(first: np.ndarray, second: np.ndarray, tolerance: float = CENTRE_TOLERANCE_PX) -> np.ndarray:
    """``(len(first), len(second))``: whether the box centres lie within ``tolerance`` px in x and in y."""
    return (_centre_offsets(first, second) <= tolerance).all(axis=2)


def match_by_iou(labels: np.ndarray, detections: np.ndarray, threshold: float = IOU_THRESHOLD) -> int:
    """Matched pairs with intersection over union >= ``threshold``, one to one."""
    return len(iou_pairs(labels, detections, threshold))


def iou_pairs(labels: np.ndarray, detections: np.ndarray, threshold: float = IOU_THRESHOLD) -> np.ndarray:
    """``(P, 2)`` indices ``(label, detection)`` of ``match_by_iou``'s pairs."""
    iou = box_iou(labels, detections)
    return _matched_pairs(iou >= threshold, 1 - iou)


def count_iou_matches(labels: np.ndarray, detections: np.ndarray, added: np.ndarray | None = None) -> "Counts":
    """The counts of one image matched one to one at IoU >= 0.4, labels ``added`` by an audit
    counting for precision only (as in ``count_matches``)."""
    return _counts(iou_pairs(labels, detections), len(labels.reshape(-1, 4)), len(detections), added)


def _counts(pairs: np.ndarray, labelled: int, detected: int, added: np.ndarray | None) -> "Counts":
    """Counts of a one-to-one matching's ``pairs``, the labels ``added`` counting for precision only."""
    added = np.zeros(labelled, bool) if added is None else np.asarray(added, bool)
    return Counts(int((~added).sum()), detected, int((~added[pairs[:, 0]]).sum()), len(pairs))


@dataclass(frozen=True)
class Counts:
    """Labels and detections, how many of each were matched, and the rates they give. One to
    one, both matched counts are the number of pairs."""

    labelled: int
    detected: int
    labels_found: int
    detections_on_labels: int

    @classmethod
    def pairs(cls, labelled: int, detected: int, matched: int) -> "Counts":
        """Counts of a one-to-one matching with ``matched`` pairs."""
        return cls(labelled, detected, matched, matched)

    @property
    def recall(self) -> float:
        return self.labels_found / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.detections_on_labels / self.detected if self.detected else 1.0

    @property
    def f1(self) -> float:
        total = self.recall + self.precision
        return 2 * self.recall * self.precision / total if total else 0.0

    def rates(self) -> dict:
        return {"recall": self.recall, "precision": self.precision, "f1": self.f1}


def pooled(counts: Sequence[Counts]) -> Counts:
    """Counts summed over images (the paper pools over the test images)."""
    names = ("labelled", "detected", "labels_found", "detections_on_labels")
    return Counts(*(sum(getattr(c, name) for c in counts) for name in names))


def bootstrap_intervals(
    counts: Sequence[Counts], resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> dict[str, list[float]]:
    """Percentile intervals of the pooled recall, precision and F1 when the images are drawn
    again with replacement (``resamples`` times, seeded): how much the figures owe to which
    images happen to be in the set."""
    table = np.array([[c.labelled, c.detected, c.labels_found, c.detections_on_labels] for c in counts], float)
    if len(table) == 0:
        raise ValueError("no images to resample")
    draws = np.random.default_rng(seed).integers(0, len(table), (resamples, len(table)))
    labelled, detected, found, on_labels = table[draws].sum(axis=1).T
    recall = np.divide(found, labelled, out=np.ones(resamples), where=labelled > 0)
    precision = np.divide(on_labels, detected, out=np.ones(resamples), where=detected > 0)
    f1 = np.divide(2 * recall * precision, recall + precision, out=np.zeros(resamples), where=recall + precision > 0)
    tails = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
    return {
        name: np.percentile(values, tails).tolist()
        for name, values in (("recall", recall), ("precision", precision), ("f1", f1))
    }


def _centre_offsets(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.abs(_centres(first)[:, None, :] - _centres(second)[None, :, :])


def _centres(boxes: np.ndarray) -> np.ndarray:
    boxes = boxes.reshape(-1, 4)
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)


def _matched_pairs(allowed: np.ndarray, cost: np.ndarray) -> np.ndarray:
    if allowed.size == 0:
        return np.zeros((0, 2), np.int64)
    rows, cols = linear_sum_assignment(np.where(allowed, cost, _NO_MATCH))
    kept = allowed[rows, cols]
    return np.column_stack([rows[kept], cols[kept]]).astype(np.int64)
