"""How the measured sizes carry to the stand-in frames of make_stand_in.py.

    python docs/examples/stand_in_sizes.py

Each labelled loop of the 16 stand-ins is measured in its box in the stand-in (halved, blurred,
noisy, inverted where needed) and in its box in the li2018 frame it came from; with no drawn
outlines at hand, the original's measurement, halved, is the reference. Prints, for all loops and
for those the original measures hollow and filled, the median relative difference (signed and
absolute) and the share the stand-in measures nothing for.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from make_stand_in import stand_ins  # noqa: E402

from edge.io.images import read_frame  # noqa: E402
from edge.pipeline.measure import measure_defects  # noqa: E402


def main() -> None:
    rows = []  # (reference px, stand-in px or nan, hollow in the original)
    for stand_in in stand_ins():
        original = read_frame(stand_in.source.image).pixels
        for box, scaled in zip(stand_in.source.boxes, stand_in.boxes, strict=True):
            reference = measure_defects(original, box[None])
            if not reference:
                continue
            found = measure_defects(stand_in.pixels, scaled[None])
            measured = found[0].major_px if found else np.nan
            rows.append((stand_in.scale * reference[0].major_px, measured, reference[0].hollow))
    table = np.array(rows, dtype=float)
    print(f"{'loops':<8} {'count':>6} {'median signed':>14} {'median |diff|':>14} {'p90 |diff|':>11} {'lost':>6}")
    for name, keep in (("all", np.ones(len(table), bool)), ("hollow", table[:, 2] == 1), ("filled", table[:, 2] == 0)):
        reference, measured = table[keep, 0], table[keep, 1]
        lost = np.isnan(measured)
        difference = (measured[~lost] - reference[~lost]) / reference[~lost]
        median, absolute = 100 * np.median(difference), 100 * np.median(np.abs(difference))
        print(
            f"{name:<8} {keep.sum():>6} {median:>+13.1f}% {absolute:>13.1f}% "
            f"{100 * np.percentile(np.abs(difference), 90):>10.1f}% {100 * lost.mean():>5.1f}%"
        )


if __name__ == "__main__":
    main()
