"""The trainers' augmentation for other microscopes (``--augment microscope``), and what the
screen trainer says to expect."""

import numpy as np
import pytest

from edge.eval.matching import Counts
from edge.train.cascade import _as_other_microscopes
from edge.train.parameters import CascadeTraining, ScreenTraining
from edge.train.screen import _augment, what_to_expect


def _dark_ring(side: int = 32, ring_radius: float = 8) -> np.ndarray:
    rows, cols = np.mgrid[0:side, 0:side] - (side - 1) / 2
    radius = np.hypot(rows, cols)
    return (1.0 - 0.8 * np.exp(-(((radius - ring_radius) / 2) ** 2))).astype(np.float32)


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


def test_cascade_positives_for_other_microscopes_hold_both_polarities_and_noise():
    ring = np.clip(255 * _dark_ring(12, ring_radius=4), 0, 255).astype(np.uint8)
    windows = np.repeat(ring[None], 200, axis=0)
    augmented = _as_other_microscopes(windows, np.random.default_rng(0))
    assert augmented.dtype == np.uint8 and augmented.shape == windows.shape
    centre_lighter = augmented[:, 5:7, 5:7].mean(axis=(1, 2)) > augmented[:, 5:7, 1:3].mean(axis=(1, 2))
    assert 0.3 <= centre_lighter.mean() <= 0.7
    assert (augmented != windows).any(axis=(1, 2)).all()


@pytest.mark.parametrize("training", [ScreenTraining, CascadeTraining])
def test_an_unknown_augmentation_is_refused_with_the_choices(training):
    with pytest.raises(ValueError, match="augment must be one of"):
        training(augment="everything")


def test_what_to_expect_gives_intervals_and_warns_only_when_validation_is_small():
    few = [Counts.pairs(12, 14, 10), Counts.pairs(9, 8, 7)]
    text, intervals = what_to_expect(few)
    assert "recall 0.810 [" in text and "warning: validation holds 21 labelled loops in 2 images" in text
    assert intervals["recall"][0] <= 0.81 <= intervals["recall"][1]
    many = [Counts.pairs(40, 42, 35)] * 4
    text, _ = what_to_expect(many)
    assert "warning" not in text
