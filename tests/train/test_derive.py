"""Settings derived from the training boxes' sizes, not carried over from li2018."""

import cv2
import numpy as np
import pytest

from edge.io.dataset import LabelledImage
from edge.pipeline.synthetic import ellipse_box, render_loop
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


def rings_set(tmp_path, padding: float) -> list[LabelledImage]:
    """3 frames of hollow elliptical loops, each boxed ``padding`` times its outline's extent."""
    items = []
    for index in range(3):
        frame, boxes = np.full((256, 256), 150.0, np.float32), []
        for k, (x, y) in enumerate([(60, 60), (180, 70), (70, 190), (190, 185)]):
            semi_axes, angle = (22 - 2 * k, 14 - k), 40.0 * k + 10 * index
            frame += render_loop((256, 256), (x, y), semi_axes, angle, 3.0, 60.0) - 150.0
            extent = ellipse_box((x, y), semi_axes, angle, pad=0)[0] - [0, 0, 1, 1]
            centre, half = (extent[:2] + extent[2:]) / 2, padding * (extent[2:] - extent[:2]) / 2
            boxes.append([*(centre - half), *(centre + half)])
        path = tmp_path / f"rings{index}.png"
        cv2.imwrite(str(path), frame.clip(0, 255).astype(np.uint8))
        items.append(LabelledImage(path, np.array(boxes)))
    return items


@pytest.mark.parametrize("padding", [1.1, 1.4])
def test_boxes_follow_measured_outlines_padded_as_the_labels_are(tmp_path, padding):
    settings = derive_settings(rings_set(tmp_path, padding), window=12)
    assert settings["boxes"]["outline_padding"] == pytest.approx(padding, abs=0.06)
    assert settings["derived_from"]["boxes_measured"] == 12
    assert settings["derived_from"]["outline_box_iou_median"] > 0.8


def test_boxes_stay_the_cascades_where_the_labelled_boxes_hold_nothing_the_flood_can_follow(tmp_path):
    rng, items = np.random.default_rng(0), []
    # smooth noise: the flood finds some basin in every box, never the box's loop. The boxes lie away from
    # the frame's edges: there a crop reaches the edge, and the median IoU came out either side of 0.5 by the
    # seed (0.42-0.57 over three seeds; 0.41-0.48 at 60 px down)
    for index in range(3):
        noise = cv2.GaussianBlur(rng.normal(150, 30, (256, 256)).astype(np.float32), (0, 0), 2.0)
        path = tmp_path / f"noise{index}.png"
        cv2.imwrite(str(path), noise.clip(0, 255).astype(np.uint8))
        items.append(LabelledImage(path, np.array([[10 + 60 * k, 60, 10 + 60 * k + s, 60 + s] for k, s in
                                                   enumerate([20, 30, 40])], float)))  # fmt: skip
    settings = derive_settings(items, window=12)
    assert settings["derived_from"]["outline_box_iou_median"] < 0.5
    assert settings["boxes"]["outline_padding"] is None


def test_the_training_frames_pixel_size_is_recorded_when_given_and_unknown_otherwise(tmp_path):
    items = data_set(tmp_path, 512, [20, 30, 40])
    assert derive_settings(items, window=12, pixel_size_nm=0.8)["frames"]["pixel_size_nm"] == 0.8
    unknown = derive_settings(items, window=12)  # PNG files carry no pixel size
    assert unknown["frames"]["pixel_size_nm"] is None and unknown["derived_from"]["files_pixel_size_nm"] is None


def test_the_training_loops_contrast_is_recorded_as_most_boxes_read_it(tmp_path):
    items = rings_set(tmp_path, 1.2)
    dark = derive_settings(items, window=12)
    for item in items:  # the same rings, bright on a dark ground
        cv2.imwrite(str(item.image), 255 - cv2.imread(str(item.image), cv2.IMREAD_GRAYSCALE))
    bright = derive_settings(items, window=12)
    assert dark["frames"]["loop_polarity"] == "dark" and bright["frames"]["loop_polarity"] == "bright"
    assert dark["derived_from"]["boxes_by_contrast"] == {"dark": 12, "bright": 0}
