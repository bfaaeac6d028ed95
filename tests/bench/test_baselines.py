"""The benchmark's baselines are the pipeline's stages composed otherwise, doing the same work."""

import numpy as np
from skimage.segmentation import watershed

from edge.bench.baselines import baseline_pipeline, sample_floods
from edge.io.bundled import sample_frames
from edge.kernels.watershed import flood
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings


def test_the_baseline_pipeline_finds_and_measures_the_same_loops_as_ours():
    ours = Pipeline.from_settings(PipelineSettings(backend="onnxruntime"))
    frame, _ = next(iter(sample_frames()))
    expected = ours.analyse(frame.pixels)
    got = baseline_pipeline(ours).analyse(frame.pixels)
    assert len(got.defects) == len(expected.defects) > 10
    np.testing.assert_allclose([d.major_px for d in got.defects], [d.major_px for d in expected.defects], atol=1e-6)
    np.testing.assert_allclose([d.score for d in got.defects], [d.score for d in expected.defects], atol=1e-5)


def test_the_recorded_floods_are_labelled_alike_by_our_kernel_and_scikit_image():
    floods = sample_floods(40)
    assert len(floods) == 40 and all(landscape.dtype == np.uint8 for landscape, _ in floods)
    for landscape, markers in floods:
        np.testing.assert_array_equal(flood(landscape, markers), watershed(landscape, markers))
