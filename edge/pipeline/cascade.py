"""A boosted LBP stump cascade and its file: OpenCV's cascade XML (stageType BOOST,
featureType LBP), as ``opencv_traincascade`` wrote it, so ``cv2.CascadeClassifier`` loads it."""

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SUBSET_WORDS = 8  # (256 categories + 31) / 32


@dataclass
class Cascade:
    """Stages of gentle-AdaBoost stumps over multi-block LBP features, flattened.

    Weak learner ``k`` uses feature ``rects[k] = (x, y, w, h)``, goes left when its code is in
    ``left_codes[k]`` and then adds ``leaf_values[k, 0]``, else ``leaf_values[k, 1]``; stage
    ``s`` holds weak learners ``stage_ends[s-1]:stage_ends[s]`` and passes a window when their
    sum >= ``stage_thresholds[s]`` (less OpenCV's 1e-5)."""

    window: int
    rects: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int32))
    left_codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 256), np.bool_))
    leaf_values: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))
    stage_ends: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    stage_thresholds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    @property
    def stage_count(self) -> int:
        return len(self.stage_ends)

    def add_stage(self, rects: np.ndarray, left_codes: np.ndarray, leaf_values: np.ndarray, threshold: float) -> None:
        """Append one stage of weak learners."""
        self.rects = np.vstack([self.rects, np.asarray(rects, np.int32).reshape(-1, 4)])
        self.left_codes = np.vstack([self.left_codes, np.asarray(left_codes, np.bool_).reshape(-1, 256)])
        self.leaf_values = np.vstack([self.leaf_values, np.asarray(leaf_values, np.float32).reshape(-1, 2)])
        self.stage_ends = np.append(self.stage_ends, len(self.rects)).astype(np.int64)
        self.stage_thresholds = np.append(self.stage_thresholds, np.float32(threshold)).astype(np.float32)

    def accepts(self, integral: np.ndarray, windows: np.ndarray) -> np.ndarray:
        """Which windows ``(top, left)`` of an integral image pass every stage (our Numba evaluation)."""
        from edge.kernels.cascade import cascade_accepts

        if self.stage_count == 0:
            return np.ones(len(windows), np.bool_)
        return cascade_accepts(
            integral.astype(np.float64),
            np.asarray(windows, np.int64).reshape(-1, 2),
            self.stage_ends,
            self.stage_thresholds.astype(np.float64),
            self.rects,
            self.left_codes,
            self.leaf_values.astype(np.float64),
        )


def write_cascade_xml(cascade: Cascade, path: str | Path, min_hit_rate: float, max_false_alarm: float) -> None:
    """Write ``cascade`` as OpenCV cascade XML."""
    features = {tuple(r): i for i, r in enumerate(dict.fromkeys(map(tuple, cascade.rects.tolist())))}
    lines = [
        '<?xml version="1.0"?>',
        "<opencv_storage>",
        "<cascade>",
        "  <stageType>BOOST</stageType>",
        "  <featureType>LBP</featureType>",
        f"  <height>{cascade.window}</height>",
        f"  <width>{cascade.window}</width>",
        "  <stageParams>",
        "    <boostType>GAB</boostType>",
        f"    <minHitRate>{min_hit_rate}</minHitRate>",
        f"    <maxFalseAlarm>{max_false_alarm}</maxFalseAlarm>",
        "    <weightTrimRate>0.95</weightTrimRate>",
        "    <maxDepth>1</maxDepth>",
        "    <maxWeakCount>100</maxWeakCount></stageParams>",
        "  <featureParams>",
        "    <maxCatCount>256</maxCatCount>",
        "    <featSize>1</featSize></featureParams>",
        f"  <stageNum>{cascade.stage_count}</stageNum>",
        "  <stages>",
    ]
    start = 0
    for end, threshold in zip(cascade.stage_ends, cascade.stage_thresholds, strict=True):
        lines += ["    <_>", f"      <maxWeakCount>{end - start}</maxWeakCount>"]
        lines += [f"      <stageThreshold>{float(threshold):.9g}</stageThreshold>", "      <weakClassifiers>"]
        for k in range(start, end):
            words = " ".join(str(w) for w in _subset_words(cascade.left_codes[k]))
            left, right = (float(v) for v in cascade.leaf_values[k])
            lines += [
                "        <_>",
                f"          <internalNodes>0 -1 {features[tuple(cascade.rects[k].tolist())]} {words}</internalNodes>",
                f"          <leafValues>{left:.9g} {right:.9g}</leafValues></_>",
            ]
        lines += ["      </weakClassifiers></_>"]
        start = end
    lines += ["  </stages>", "  <features>"]
    lines += [f"    <_>\n      <rect>{x} {y} {w} {h}</rect></_>" for (x, y, w, h) in features]
    lines += ["  </features>", "</cascade>", "</opencv_storage>", ""]
    Path(path).write_text("\n".join(lines))


def read_cascade_xml(path: str | Path) -> Cascade:
    """Read an LBP stump cascade from OpenCV cascade XML."""
    root = ElementTree.parse(path).getroot().find("cascade")
    if root is None or root.findtext("featureType", "").strip() != "LBP":
        raise ValueError(f"{path}: not an OpenCV LBP cascade")
    features = [[int(v) for v in node.findtext("rect").split()] for node in root.find("features")]
    cascade = Cascade(window=int(root.findtext("width")))
    for stage in root.find("stages"):
        rects, lefts, leaves = [], [], []
        for weak in stage.find("weakClassifiers"):
            nodes = [int(v) for v in weak.findtext("internalNodes").split()]
            if nodes[:2] != [0, -1] or len(nodes) != 3 + SUBSET_WORDS:
                raise ValueError(f"{path}: only stumps over 256 LBP codes are supported")
            rects.append(features[nodes[2]])
            lefts.append(_codes_from_words(nodes[3:]))
            leaves.append([float(v) for v in weak.findtext("leafValues").split()])
        cascade.add_stage(np.array(rects), np.array(lefts), np.array(leaves), float(stage.findtext("stageThreshold")))
    return cascade


def _subset_words(left: np.ndarray) -> list[int]:
    words = []
    for word in range(SUBSET_WORDS):
        bits = sum(1 << b for b in range(32) if left[word * 32 + b])
        words.append(bits - (1 << 32) if bits >= 1 << 31 else bits)  # signed int32, as OpenCV writes
    return words


def _codes_from_words(words: list[int]) -> np.ndarray:
    return np.array([bool((words[c >> 5] & 0xFFFFFFFF) >> (c & 31) & 1) for c in range(256)])
