import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from edge.io.bundled import sample_frames
from edge.kernels.texture import uniform_lbp_histogram


@pytest.mark.parametrize("neighbours, radius", [(8, 1), (8, 2), (16, 4), (16, 8), (12, 2.5)])
@pytest.mark.parametrize("shape", [(200, 173), (9, 40)])
def test_histograms_count_exactly_the_labels_of_scikit_images_uniform_lbp(neighbours, radius, shape):
    frame = next(iter(sample_frames()))[0].pixels
    image = np.ascontiguousarray(frame[300 : 300 + shape[0], 400 : 400 + shape[1]])
    labels = local_binary_pattern(image, neighbours, radius, "uniform").astype(np.int64)
    expected = np.bincount(labels.ravel(), minlength=neighbours + 2)
    assert np.array_equal(uniform_lbp_histogram(image, neighbours, radius), expected)


def test_a_flat_image_has_every_inner_pixel_at_all_ones_and_bad_input_is_refused():
    histogram = uniform_lbp_histogram(np.full((20, 20), 7, np.uint8), 8, 1)
    assert histogram.sum() == 400 and histogram[8] == 18 * 18  # the edge's outer neighbours are 0
    with pytest.raises(ValueError, match="uint8"):
        uniform_lbp_histogram(np.zeros((20, 20), np.float32), 8, 1)
    with pytest.raises(ValueError, match="radius"):
        uniform_lbp_histogram(np.zeros((20, 20), np.uint8), 8, 0)
