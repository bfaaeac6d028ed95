"""Report the measurement's error on the synthetic loops of the tests, by size and kind.

Run from the repository root: ``python tests/measure_accuracy.py``. Each of ``CASES`` (loops
the image resolves; ``synthetic.resolved`` says which and why) is drawn dark, bright and faint,
as ``test_measure`` draws it; this prints the signed and absolute relative error of the major
axis per size range, for hollow and filled loops.
"""

import numpy as np
from synthetic import CASES, draw_case

from edge.pipeline.measure import measure_defects

SIZE_RANGES = ((8, 20), (20, 40), (40, 80), (80, 151))
CONTRASTS = (60.0, -60.0, 25.0)


def main() -> None:
    errors: dict[tuple[str, int], list[float]] = {}
    for major, aspect, line_width, blur in CASES:
        for contrast in CONTRASTS:
            case = draw_case(major, aspect, line_width, blur, contrast)
            (defect,) = measure_defects(case.frame, case.box)
            kind = "filled" if line_width is None else "hollow"
            size_range = next(low for low, high in SIZE_RANGES if low <= major < high)
            errors.setdefault((kind, size_range), []).append((defect.major_px - major) / major)
    print(f"{'kind':<7} {'major px':>9} {'loops':>5} {'signed median':>13} {'abs median':>10} {'abs max':>8}")
    for kind in ("hollow", "filled"):
        for low, high in SIZE_RANGES:
            values = np.array(errors.get((kind, low), []))
            if len(values):
                print(
                    f"{kind:<7} {f'{low}-{high - 1}':>9} {len(values):>5} {100 * np.median(values):>+12.2f}% "
                    f"{100 * np.median(np.abs(values)):>9.2f}% {100 * np.abs(values).max():>7.2f}%"
                )


if __name__ == "__main__":
    main()
