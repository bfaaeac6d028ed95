"""The scene classifier's texture half: multi-scale LBP histograms and a linear model on them.

A frame's texture is described by uniform local binary pattern histograms (our kernel: the
labels of scikit-image's ``local_binary_pattern(..., "uniform")`` at about 3x its speed) at four
radii, at each working scale; the histograms' square roots (Hellinger) are standardised and a
multinomial logistic regression gives class probabilities. About 100 ms for a 1024x1024
frame (`edge bench`), blind to where things are, and wrong in other ways than the CNN: the classifier averages the two.
"""

from collections.abc import Sequence

import numpy as np

from edge.kernels.texture import uniform_lbp_histogram
from edge.pipeline.tiling import scaled

LBP_NEIGHBOURS_RADII = ((8, 1), (8, 2), (16, 4), (16, 8))
# The histograms come from the central part of at most this many px a side of each scaled view:
# the whole of a 645x475 training micrograph at half size, and a 1024x1024 frame costs no more
MAX_SIDE = 320


def texture_features(frame: np.ndarray, scales: Sequence[float]) -> np.ndarray:
    """The square roots of the uniform LBP histograms of an 8-bit frame, at each radius of
    ``LBP_NEIGHBOURS_RADII`` and each of ``scales``, concatenated (a fixed length per scale);
    each scaled view is cut to its central ``MAX_SIDE`` px a side at most."""
    parts = []
    for scale in scales:
        view = _central(scaled(frame, scale), MAX_SIDE)
        for neighbours, radius in LBP_NEIGHBOURS_RADII:
            histogram = uniform_lbp_histogram(view, neighbours, radius).astype(np.float64)
            parts.append(np.sqrt(histogram / histogram.sum()))
    return np.concatenate(parts)


class TextureModel:
    """Class probabilities from ``texture_features``, with the weights a training wrote: the
    ``texture`` entry of a scene classifier's record (scales, mean, std, weights, bias)."""

    def __init__(self, record: dict):
        self.scales = tuple(record.get("scales", ()))
        self._mean, self._std = np.asarray(record["mean"]), np.asarray(record["std"])
        self._weights, self._bias = np.asarray(record["weights"]), np.asarray(record["bias"])

    def probabilities(self, frame: np.ndarray) -> np.ndarray:
        """Probabilities of one 8-bit frame (at the file's resolution)."""
        return softmax(self.linear(texture_features(frame, self.scales)[None]))[0]

    def linear(self, features: np.ndarray) -> np.ndarray:
        """The logits of rows of features."""
        return ((features - self._mean) / self._std) @ self._weights + self._bias


def _central(view: np.ndarray, side: int) -> np.ndarray:
    top, left = max(0, (view.shape[0] - side) // 2), max(0, (view.shape[1] - side) // 2)
    return view[top : top + side, left : left + side]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
