"""Quality flags: the measurements a microscopist should look at before trusting, each with the
reason it is raised. The measurement raises them from what it saw in each box; ``edge analyse``
counts them, draws flagged loops apart and shows them first in the gallery.

The thresholds flag the tail, not the bulk: on the experts' boxes of the six bundled sample
frames 39 of 224 loops are flagged (``edge analyse edge/samples --boxes edge/samples``): 14
touch the crop, 12 are of low contrast, 11 are of uncertain kind, 2 are fitted to an open line
and 2 are small in their box (a loop may raise several; 48 before the measurement followed the
loop, 27 of them touching the crop)."""

SMALL_IN_BOX = 0.4  # an ellipse whose major axis is under this share of its box's longer side
KIND_MARGIN = 0.02  # the basin's light level within this share of the contrast of the hollow/filled cut
LINE_MARGIN = 0.1  # the dark share of a light basin's edge within this of the share a hollow loop needs
EDGE_MARGIN_PX = 1.0  # a fitted ellipse within this of the crop's edge (frame px) touches it
MIN_CONTRAST_TO_NOISE = 2.0  # the loop's contrast over the crop border's noise (robust sd)

FLAGS = {
    "small_in_box": f"the ellipse's major axis is under {SMALL_IN_BOX:.0%} of its box's longer side: the flood may "
    "have found a part of the loop, or a speck in the box",
    "touches_crop": f"the fitted ellipse comes within {EDGE_MARGIN_PX:g} px of the edge of the crop around the box, "
    "beyond which the floods see nothing: the loop may be larger than found",
    "kind_uncertain": f"the loop's centre is within {KIND_MARGIN:.0%} of its contrast of the level that tells hollow "
    f"from filled, or the dark line closing its light centre within {LINE_MARGIN:.0%} of its edge of the share a "
    "hollow loop needs: measured the other way, its size would differ by about its line's width",
    "low_contrast": f"the loop's contrast is under {MIN_CONTRAST_TO_NOISE:g} times the noise around it",
    "open_line": "the loop's dark line is open on one side (an arc): its ellipse is fitted to the line, not to a "
    "closed outline",
}


def reaches_edge(
    centre: tuple[float, float], extent: tuple[float, float], shape: tuple[int, int], margin: float
) -> bool:
    """Whether a fitted ellipse (``centre`` and half ``extent`` in x and y, crop pixels) comes
    within ``margin`` of the edge of a crop of ``shape``: the floods cannot see beyond the crop,
    so such a loop may be larger than measured."""
    (x, y), (half_x, half_y), (height, width) = centre, extent, shape
    inside_x = margin <= x - half_x and x + half_x <= width - 1 - margin
    return not (inside_x and margin <= y - half_y and y + half_y <= height - 1 - margin)


def quality_flags(
    major_px: float,
    bbox: tuple[int, int, int, int],
    touches_crop: bool,
    contrast_to_noise: float,
    kind_margin: float | None,
    line_margin: float | None = None,
    open_line: bool = False,
) -> tuple[str, ...]:
    """The flags (keys of ``FLAGS``) one measurement raises: its major axis and box (frame px),
    whether its outline reached the crop's edge, its contrast over the noise, how far its centre's
    level lay from the hollow/filled cut, in units of its contrast (None: filled for sure), and how
    far the dark share of its light basin's edge lay from the share a hollow loop needs (None: not
    asked), and whether its ellipse was fitted to an open dark line."""
    flags = []
    if major_px < SMALL_IN_BOX * max(bbox[2] - bbox[0], bbox[3] - bbox[1]):
        flags.append("small_in_box")
    if touches_crop:
        flags.append("touches_crop")
    near_kind_cut = kind_margin is not None and abs(kind_margin) < KIND_MARGIN
    if near_kind_cut or (line_margin is not None and abs(line_margin) < LINE_MARGIN):
        flags.append("kind_uncertain")
    if contrast_to_noise < MIN_CONTRAST_TO_NOISE:
        flags.append("low_contrast")
    if open_line:
        flags.append("open_line")
    return tuple(flags)
