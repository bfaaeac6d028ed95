import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage.segmentation import watershed

from edge.kernels.watershed import flood


@st.composite
def landscapes_with_markers(draw):
    height = draw(st.integers(1, 24))
    width = draw(st.integers(1, 24))
    landscape = draw(arrays(np.uint8, (height, width)))
    count = draw(st.integers(1, min(6, height * width)))
    places = draw(st.lists(st.integers(0, height * width - 1), min_size=count, max_size=count, unique=True))
    # skimage breaks ties between markers on one level by its heap's layout, so marker
    # pixels get distinct levels; every other tie is broken the same way by both.
    levels = draw(st.lists(st.integers(0, 255), min_size=count, max_size=count, unique=True))
    labels = draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
    markers = np.zeros((height, width), np.int32)
    landscape.ravel()[places] = levels
    markers.ravel()[places] = labels
    return landscape, markers


@settings(max_examples=400, deadline=None)
@given(landscapes_with_markers())
def test_flood_labels_equal_skimage_watershed(case):
    landscape, markers = case
    np.testing.assert_array_equal(flood(landscape, markers), watershed(landscape, markers))


def test_two_basins_meet_on_the_ridge():
    landscape = np.array([[0, 1, 9, 1, 0]] * 3, np.uint8)
    markers = np.zeros_like(landscape, np.int32)
    markers[1, 0], markers[1, 4] = 1, 2
    labels = flood(landscape, markers)
    assert (labels[:, :2] == 1).all() and (labels[:, 3:] == 2).all()
    assert set(labels[:, 2]) <= {1, 2}


def test_one_marker_floods_every_pixel_and_no_marker_labels_none():
    landscape = np.zeros((3, 3), np.uint8)
    markers = np.zeros((3, 3), np.int32)
    markers[0, 0] = 7
    assert (flood(landscape, markers) == 7).all()
    assert (flood(landscape, np.zeros((3, 3), np.int32)) == 0).all()


@pytest.mark.parametrize(
    "landscape, markers, message",
    [
        (np.zeros((4, 4), np.uint16), np.zeros((4, 4), np.int32), "landscape must be a 2-D uint8"),
        (np.zeros((4, 4, 1), np.uint8), np.zeros((4, 4, 1), np.int32), "landscape must be a 2-D uint8"),
        (np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.int64), "markers must be a 2-D int32"),
        (np.zeros((4, 4), np.uint8), np.zeros((4, 5), np.int32), "markers of shape"),
        ([[0, 1]], np.zeros((1, 2), np.int32), "landscape must be a 2-D uint8 array, got list"),
    ],
)
def test_flood_refuses_what_its_queue_cannot_hold(landscape, markers, message):
    with pytest.raises(ValueError, match=message):
        flood(landscape, markers)


def test_flood_takes_non_contiguous_views():
    landscape = np.array([[0, 9, 0, 5], [0, 9, 0, 5]], np.uint8)
    markers = np.array([[1, 0, 2, 0], [0, 0, 0, 0]], np.int32)
    assert flood(landscape[:, ::2], markers[:, ::2]).tolist() == [[1, 2], [1, 2]]


def test_flood_refuses_labels_a_pixel_code_cannot_hold_and_floods_the_largest_it_can():
    landscape = np.zeros((1, 2), np.uint8)
    largest = 2**31 - 1 - 256
    for label in (-1, largest + 1):
        with pytest.raises(ValueError, match="labels must be 0"):
            flood(landscape, np.array([[1, label]], np.int32))
    assert flood(landscape, np.array([[largest, 0]], np.int32)).tolist() == [[largest, largest]]
