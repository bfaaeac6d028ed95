"""Every public kernel refuses what its compiled kernel cannot compute, saying what it needs."""

import numpy as np
import pytest

from edge.kernels.boost import best_stump
from edge.kernels.cascade import cascade_accepts
from edge.kernels.landscape import (
    Box,
    annulus_median,
    basin_light_level,
    brighter_inside,
    dark_edge_share,
    dark_seeds,
    darkest_local_mean,
    edge_level,
    filled_landscape,
    outline_landscape,
    region_moments,
)
from edge.kernels.lbp import feature_codes, lbp_code
from edge.kernels.overlap import overlap_counts
from edge.kernels.rays import ray_edges, ray_lines
from edge.kernels.watershed import flood

SMOOTH = np.zeros((8, 8), np.float32)
LABELS = np.zeros((8, 8), np.int32)
BOXES = np.array([[0.0, 0.0, 4.0, 4.0]])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: flood(np.zeros((4, 4), np.uint16), np.zeros((4, 4), np.int32)), "landscape must be a 2-D uint8"),
        (lambda: overlap_counts(BOXES.astype(np.float32), BOXES, 0.3), "boxes must be a 2-D float64"),
        (lambda: overlap_counts(BOXES[:, :3], BOXES, 0.3), r"boxes are \(N, 4\)"),
        (lambda: lbp_code(np.zeros((4, 4), np.int32), 0, 0, 0, 0, 2, 1), "leaves the integral image"),
        (lambda: lbp_code(np.zeros((4, 4), np.uint8), 0, 0, 0, 0, 1, 1), "int32 or float64"),
        (lambda: feature_codes(np.zeros((2, 4, 4), np.int32), np.array([[0, 0, 2, 2]], np.int32)), "leaves"),
        (lambda: feature_codes(np.zeros((2, 13, 13), np.int32), np.zeros((1, 4))), "rects must be a 2-D int32"),
        (lambda: best_stump(np.zeros((3, 5), np.uint8), np.ones(4), np.ones(4)), "a weight and target per sample"),
        (lambda: best_stump(np.zeros((3, 5), np.int64), np.ones(5), np.ones(5)), "codes must be a 2-D uint8"),
        (
            lambda: cascade_accepts(
                np.zeros((9, 9)),
                np.zeros((1, 2), np.int64),
                np.array([2], np.int64),
                np.zeros(1),
                np.zeros((1, 4), np.int32),
                np.zeros((1, 256), bool),
                np.zeros((1, 2)),
            ),
            "ending within the 1 learners",
        ),
        (lambda: outline_landscape(SMOOTH.astype(np.float64), (4, 4), 1, Box(1, 1, 6, 6), 1, 1.0), "float32"),
        (lambda: outline_landscape(SMOOTH[:2], (4, 4), 1, Box(1, 1, 6, 6), 1, 1.0), "at least 3x3"),
        (lambda: outline_landscape(SMOOTH, (4, 4), 1, Box(6, 1, 6, 6), 1, 1.0), "empty box"),
        (lambda: basin_light_level(LABELS[:4], SMOOTH, 1.0, 2), "labels of shape"),
        (lambda: dark_edge_share(LABELS, SMOOTH.astype(np.float64), 1.0, 2, 0.0), "float32"),
        (lambda: dark_edge_share(LABELS[:4], SMOOTH, 1.0, 2, 0.0), "labels of shape"),
        (lambda: dark_edge_share(LABELS, SMOOTH, 1.0, 2, 0.0, (True, False)), "open_sides names the left"),
        (lambda: filled_landscape(SMOOTH, LABELS.astype(np.int64), 1.0, 1.0, 0.0), "int32"),
        (lambda: edge_level(LABELS[:4], SMOOTH, 1.0, 2, 2), "labels of shape"),
        (lambda: edge_level(LABELS, SMOOTH, 1.0, 2, 0), "reach must be at least 1"),
        (lambda: brighter_inside(SMOOTH, Box(9, 9, 12, 12)), "keeps no pixel"),
        (lambda: annulus_median(SMOOTH.astype(np.float64), 1.0, (4, 4), (2, 2), 0.0, (1.1, 1.4)), "float32"),
        (lambda: annulus_median(SMOOTH, 1.0, (np.nan, 4), (2, 2), 0.0, (1.1, 1.4)), "finite centre"),
        (lambda: annulus_median(SMOOTH, 1.0, (4, 4), (2, 0), 0.0, (1.1, 1.4)), "semi-axes must be finite and over 0"),
        (lambda: annulus_median(SMOOTH, 1.0, (4, 4), (np.inf, 2), 0.0, (1.1, 1.4)), "semi-axes must be finite"),
        (lambda: annulus_median(SMOOTH, 1.0, (4, 4), (2, 2), 0.0, (1.4, 1.1)), "span must be"),
        (lambda: annulus_median(SMOOTH, 1.0, (4, 4), (2, 2), 0.0, (0.0, np.inf)), "span must be"),
        (lambda: dark_seeds(SMOOTH, (4, 4), 0.2, 1.0, 0.0), "radius must be at least 0.5"),
        (lambda: dark_seeds(SMOOTH.astype(np.float64), (4, 4), 2, 1.0, 0.0), "float32"),
        (lambda: darkest_local_mean(SMOOTH, Box(5, 1, 5, 6), 1, 1.0), "empty box"),
        (lambda: darkest_local_mean(SMOOTH, Box(1, 1, 5, 6), -1, 1.0), "negative half width"),
        (lambda: region_moments(LABELS.astype(np.uint8), 2), "labels must be a 2-D int32"),
        (lambda: ray_edges(SMOOTH.astype(np.float64), 1.0, (4, 4), np.ones(8), (0.6, 1.5), 5, 1.0, 1), "float32"),
        (lambda: ray_edges(SMOOTH, 1.0, (4, 4), np.ones(8, np.float32), (0.6, 1.5), 5, 1.0, 1), "float64"),
        (lambda: ray_edges(SMOOTH, 1.0, (4, 4), np.ones(2), (0.6, 1.5), 5, 1.0, 1), "3 rays of finite"),
        (lambda: ray_edges(SMOOTH, 1.0, (4, 4), np.zeros(8), (0.6, 1.5), 5, 1.0, 1), "positive radius"),
        (lambda: ray_edges(SMOOTH, 1.0, (4, 4), np.ones(8), (0.6, 1.5), 2, 1.0, 1), "3 samples"),
        (lambda: ray_edges(SMOOTH[:1], 1.0, (4, 4), np.ones(8), (0.6, 1.5), 5, 1.0, 1), "at least 2x2"),
        (lambda: ray_edges(SMOOTH, 1.0, (4, 4), np.ones(8), (0.6, 1.5), 5, 1.0, 0), "span must be at least one"),
        (lambda: ray_lines(SMOOTH.astype(np.float64), 1.0, (4, 4), np.ones(8), (0.7, 1.4), 5, 1.0), "float32"),
        (lambda: ray_lines(SMOOTH, 1.0, (4, 4), np.ones(8), (0.7, 1.4), 5, 0.0), "smoothing over 0"),
        (lambda: ray_lines(SMOOTH, 1.0, (4, 4), np.ones(8), (0.7, 1.4), 5, 6.0), "at most the samples"),
        (lambda: ray_lines(SMOOTH, 1.0, (np.nan, 4), np.ones(8), (0.7, 1.4), 5, 1.0), "finite centre"),
        (lambda: ray_lines(SMOOTH, 1.0, (4, 4), np.full(8, np.inf), (0.7, 1.4), 5, 1.0), "finite positive"),
    ],
)
def test_a_public_kernel_refuses_bad_input_with_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_non_contiguous_input_is_computed_as_its_contiguous_copy():
    labels = np.zeros((8, 16), np.int32)
    labels[2:5, 4:10] = 2
    assert region_moments(labels[:, ::2], 2) == region_moments(np.ascontiguousarray(labels[:, ::2]), 2)
