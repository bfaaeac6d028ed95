"""Settings derived from the training boxes' sizes, not carried over from li2018."""

import cv2
import numpy as np
import pytest

from edge.io.dataset import LabelledImage
from edge.train.derive import derive_settings


def data_set(tmp_path, side_px: int, box_sides: list[float], frames: int = 3) -> list[LabelledImage]:
    """``frames`` blank frames of ``side_px``, each with square boxes of ``box_sides``."""
    items = []
    for index in range(frames):
        path = tmp_path / f"frame{index}.png"
        cv2.imwrite(str(path), np.zeros((side_px, side_px), np.uint8))
        boxes = np.array([[10 + 3 * i, 10, 10 + 3 * i + s, 10 + s] for i, s in enumerate(box_sides)], float)
        items.append(LabelledImage(path, boxes))
    return items


def test_a_data_set_of_small_loops_gets_small_windows_crops_and_tolerance(tmp_path):
    small = derive_settings(data_set(tmp_path, 512, [8, 9, 10, 11, 12, 14]), window=12)
    large = derive_settings(data_set(tmp_path, 512, [40, 50, 60, 70, 80, 120]), window=12)
    assert small["detector"]["min_size_px"] < 12 < large["detector"]["min_size_px"]
    assert small["detector"]["max_size_px"] < large["detector"]["max_size_px"]
    assert small["screen"]["crop_px"] == 16 and large["screen"]["crop_px"] == 32
    assert small["evaluation"]["centre_tolerance_px"] < large["evaluation"]["centre_tolerance_px"]


def test_the_scan_range_covers_the_labelled_sizes(tmp_path):
    settings = derive_settings(data_set(tmp_path, 512, [20, 30, 40, 50, 60, 90]), window=12)
    assert settings["detector"]["min_size_px"] <= 20
    assert settings["detector"]["max_size_px"] >= 90
    assert settings["evaluation"]["centre_tolerance_px"] == pytest.approx(0.4 * 45, abs=0.1)
    assert settings["derived_from"]["box_side_px"]["max"] == 90


def test_large_frames_of_large_loops_are_scanned_reduced_and_small_loops_are_not(tmp_path):
    large_loops = derive_settings(data_set(tmp_path, 2048, [100, 120, 150, 200]), window=12)
    small_loops = derive_settings(data_set(tmp_path, 2048, [12, 14, 20, 30]), window=12)
    assert large_loops["detector"]["working_side_px"] == 512  # the smallest loop still spans >= 2 windows
    assert large_loops["detector"]["min_size_px"] == pytest.approx(100 / 4, abs=1)
    assert small_loops["detector"]["working_side_px"] == 2048


def test_a_data_set_without_boxes_cannot_give_settings(tmp_path):
    with pytest.raises(ValueError, match="no labelled boxes"):
        derive_settings(data_set(tmp_path, 256, []), window=12)
