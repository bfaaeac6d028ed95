import cv2
import numpy as np
import pytest

from edge.kernels.lbp import all_features, lbp_code
from edge.pipeline.cascade import Cascade, read_cascade_xml, write_cascade_xml
from edge.pipeline.synthetic import render_loop
from edge.train.cascade import _train_stage
from edge.train.parameters import CascadeTraining

WINDOW = 24


def synthetic_windows(count: int, with_loop: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    windows = []
    for _ in range(count):
        if with_loop:
            a = rng.uniform(5, 9)
            frame = render_loop(
                (WINDOW, WINDOW),
                (11.5 + rng.normal(0, 1), 11.5 + rng.normal(0, 1)),
                (a, a / rng.uniform(1, 1.6)),
                rng.uniform(0, 180),
                rng.uniform(1.5, 4),
                rng.uniform(30, 80),
                noise=8,
                seed=int(rng.integers(1e9)),
            )
        else:
            frame = 150 + rng.normal(0, 8, (WINDOW, WINDOW)).astype(np.float32)
            if rng.random() < 0.5:  # a dislocation line, the loops' usual neighbour
                cv2.line(
                    frame, (int(rng.integers(0, 24)), 0), (int(rng.integers(0, 24)), 23), 100, int(rng.integers(1, 4))
                )
        windows.append(np.clip(frame, 0, 255).astype(np.uint8))
    return np.array(windows)


@pytest.fixture(scope="module")
def small_cascade(tmp_path_factory):
    params = CascadeTraining(window=WINDOW, max_weak_per_stage=8, min_hit_rate=0.99, max_false_alarm=0.3)
    positives, negatives = synthetic_windows(150, True, 1), synthetic_windows(150, False, 2)
    rects = all_features(WINDOW)[::7]
    cascade = Cascade(window=WINDOW)
    for _ in range(2):
        weak, threshold, _, _ = _train_stage(positives, negatives, rects, params)
        cascade.add_stage(*weak, threshold)
    path = tmp_path_factory.mktemp("cascade") / "small.xml"
    write_cascade_xml(cascade, path, params.min_hit_rate, params.max_false_alarm)
    return cascade, path


def test_lbp_code_follows_opencv_bit_order():
    image = np.zeros((3, 3), np.float64)
    image[0, 0] = 5  # top-left block brighter than the centre: bit 128; all others equal: set too (>=)
    integral = cv2.integral(image)
    assert lbp_code(integral, 0, 0, 0, 0, 1, 1) == 255
    image[:] = 0
    image[1, 1] = 1  # centre brighter than every neighbour: no bit set
    assert lbp_code(cv2.integral(image), 0, 0, 0, 0, 1, 1) == 0
    image[1, 2] = 2  # right block brighter: bit 16
    assert lbp_code(cv2.integral(image), 0, 0, 0, 0, 1, 1) == 16


def test_trained_cascade_loads_in_opencv_and_round_trips(small_cascade):
    cascade, path = small_cascade
    assert not cv2.CascadeClassifier(str(path)).empty()
    again = read_cascade_xml(path)
    np.testing.assert_array_equal(again.rects, cascade.rects)
    np.testing.assert_array_equal(again.left_codes, cascade.left_codes)
    np.testing.assert_allclose(again.leaf_values, cascade.leaf_values, rtol=1e-6)
    np.testing.assert_array_equal(again.stage_ends, cascade.stage_ends)


def test_opencv_verdicts_equal_our_numba_evaluation(small_cascade):
    cascade, path = small_cascade
    detector = cv2.CascadeClassifier(str(path))
    windows = np.concatenate([synthetic_windows(100, True, 3), synthetic_windows(100, False, 4)])
    ours = np.array([cascade.accepts(cv2.integral(w).astype(np.float64), np.zeros((1, 2)))[0] for w in windows])
    theirs = np.array(
        [
            len(
                detector.detectMultiScale(
                    w, scaleFactor=1.5, minNeighbors=0, minSize=(WINDOW, WINDOW), maxSize=(WINDOW, WINDOW)
                )
            )
            > 0
            for w in windows
        ]
    )
    np.testing.assert_array_equal(ours, theirs)
    assert 0 < ours.sum() < len(ours)  # the comparison saw both verdicts
    assert ours[:100].mean() > 0.9 and ours[:100].mean() > ours[100:].mean() + 0.3


def test_non_lbp_cascade_is_refused(tmp_path):
    (tmp_path / "haar.xml").write_text(
        "<opencv_storage><cascade><featureType>HAAR</featureType></cascade></opencv_storage>"
    )
    with pytest.raises(ValueError, match="not an OpenCV LBP cascade"):
        read_cascade_xml(tmp_path / "haar.xml")
