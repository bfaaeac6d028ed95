"""The screen trainer's augmentation for other microscopes (``--augment microscope``)."""

import numpy as np
import pytest

from edge.train.parameters import ScreenTraining
from edge.train.screen import _augment


def _dark_ring(side: int = 32) -> np.ndarray:
    rows, cols = np.mgrid[0:side, 0:side] - (side - 1) / 2
    radius = np.hypot(rows, cols)
    return (1.0 - 0.8 * np.exp(-(((radius - 8) / 2) ** 2))).astype(np.float32)


def _ring_contrast(crop: np.ndarray) -> float:
    """The mean away from the ring less the mean on it: positive for a dark ring."""
    rows, cols = np.mgrid[0 : crop.shape[0], 0 : crop.shape[1]] - (crop.shape[0] - 1) / 2
    on_ring = np.abs(np.hypot(rows, cols) - 8) < 2.5
    return float(crop[~on_ring].mean() - crop[on_ring].mean())


def test_microscope_augmentation_shows_loops_of_both_polarities_through_noise():
    crops = np.repeat(_dark_ring()[None, None], 64, axis=0)
    augmented = _augment(crops, np.random.default_rng(0), microscope=True)
    assert augmented.shape == crops.shape and np.isfinite(augmented).all()
    contrasts = np.array([_ring_contrast(crop) for crop in augmented[:, 0]])
    assert 0.25 <= np.mean(contrasts < 0) <= 0.75  # bright rings as in HAADF, dark ones as in bright field
    noise = np.array([np.std(crop - _dark_ring()) for crop in augmented[:, 0]])
    assert noise.max() > 2 * noise.min()  # SNRs from 2 to 20, not one level


def test_paper_augmentation_keeps_the_loops_polarity():
    crops = np.repeat(_dark_ring()[None, None], 64, axis=0)
    augmented = _augment(crops, np.random.default_rng(0))
    assert all(_ring_contrast(crop) > 0 for crop in augmented[:, 0])


def test_an_unknown_augmentation_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="augment must be one of"):
        ScreenTraining(augment="everything")
