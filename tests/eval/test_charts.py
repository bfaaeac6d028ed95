"""edge analyse's figures: round ticks, labelled axes with units, images named."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as pyplot  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from edge.eval.charts import _histogram, write_summary  # noqa: E402


@pytest.mark.parametrize("top", [0.0, 7.3, 74.0, 89.6, 1234.0])
def test_histogram_ticks_are_round_and_the_axes_labelled(top):
    figure, axes = pyplot.subplots()
    values = np.linspace(0, top, 30) if top else np.zeros(0)
    _histogram(axes, values, "nm", "t")
    ticks = [t for t in axes.get_xticks() if 0 <= t <= axes.get_xlim()[1]]
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert any(np.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert all(np.isclose(t / step, round(t / step)) for t in ticks)
    assert all(float(t).is_integer() for t in axes.get_yticks())
    assert axes.get_xlabel() == "diameter, major axis (nm)" and axes.get_ylabel() == "loops"
    pyplot.close(figure)


def test_the_batch_summary_names_each_image(tmp_path, monkeypatch):
    images = [{"image": f"/data/{name}.tif", "frame": 0, "pixel_size_nm": 0.5} for name in ("a", "b")]
    defects = [{"image": "/data/a.tif", "frame": 0, "major_axis_nm": 12.0, "major_axis_px": 24.0}]
    seen = []
    monkeypatch.setattr(pyplot.Figure, "savefig", lambda figure, *args, **kw: seen.append(figure))
    write_summary(tmp_path / "summary.png", images, defects)
    counts = next(axes for axes in seen[0].get_axes() if axes.get_title() == "loops per image")
    assert [label.get_text() for label in counts.get_yticklabels()] == ["a.tif", "b.tif"]
    histogram = next(axes for axes in seen[0].get_axes() if axes is not counts)
    assert counts.get_xlabel() == "loops" and histogram.get_xlabel() == "diameter, major axis (nm)"
