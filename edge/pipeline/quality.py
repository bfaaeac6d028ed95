"""Quality flags: the measurements a microscopist should look at before trusting, each with the
reason it is raised. The measurement raises them from what it saw in each box; ``edge analyse``
counts them, draws flagged loops apart and shows them first in the gallery.

The thresholds flag the tail, not the bulk: on the experts' boxes of the six bundled sample
frames they flag 25 of 224 loops (``edge analyse edge/samples --boxes edge/samples``)."""

import numpy as np

SMALL_IN_BOX = 0.4  # an ellipse whose major axis is under this share of its box's longer side
KIND_MARGIN = 0.02  # the basin's light level within this share of the contrast of the hollow/filled cut
MIN_CONTRAST_TO_NOISE = 2.0  # the loop's contrast over the crop border's noise (robust sd)

FLAGS = {
    "small_in_box": f"the ellipse's major axis is under {SMALL_IN_BOX:.0%} of its box's longer side: the flood may "
    "have found a part of the loop, or a speck in the box",
    "touches_crop": "the outline reaches the edge of the crop around the box: the loop may be larger than found",
    "kind_uncertain": f"the loop's centre is within {KIND_MARGIN:.0%} of its contrast of the level that tells hollow "
    "from filled: measured the other way, its size would differ by about its line's width",
    "low_contrast": f"the loop's contrast is under {MIN_CONTRAST_TO_NOISE:g} times the noise around it",
}


def border_noise(smooth: np.ndarray) -> float:
    """The robust standard deviation (1.4826 x the median absolute deviation) of the crop's border."""
    border = np.concatenate((smooth[0, :], smooth[-1, :], smooth[1:-1, 0], smooth[1:-1, -1]))
    return 1.4826 * float(np.median(np.abs(border - np.median(border))))


def touches_border(labels: np.ndarray, label: int) -> bool:
    """Whether the region ``label`` of a flooded crop reaches the crop's edge."""
    return bool(
        (labels[0, :] == label).any()
        or (labels[-1, :] == label).any()
        or (labels[:, 0] == label).any()
        or (labels[:, -1] == label).any()
    )


def quality_flags(
    major_px: float,
    bbox: tuple[int, int, int, int],
    touches_crop: bool,
    contrast_to_noise: float,
    kind_margin: float | None,
) -> tuple[str, ...]:
    """The flags (keys of ``FLAGS``) one measurement raises: its major axis and box (frame px),
    whether its outline reached the crop's edge, its contrast over the noise, and how far its
    centre's level lay from the hollow/filled cut, in units of its contrast (None: filled for sure)."""
    flags = []
    if major_px < SMALL_IN_BOX * max(bbox[2] - bbox[0], bbox[3] - bbox[1]):
        flags.append("small_in_box")
    if touches_crop:
        flags.append("touches_crop")
    if kind_margin is not None and abs(kind_margin) < KIND_MARGIN:
        flags.append("kind_uncertain")
    if contrast_to_noise < MIN_CONTRAST_TO_NOISE:
        flags.append("low_contrast")
    return tuple(flags)
