"""Report the measurement's error on the synthetic loops of the tests, by size and kind.

Run from the repository root: ``python tests/measure_accuracy.py``. Each of ``CASES`` (loops
the image resolves; ``synthetic.resolved_at`` says which at each noise level, and why) is drawn
dark, bright and faint in each of ``SETTINGS``, as ``test_measure`` draws it; this prints the
signed and absolute relative error of the major axis per size range, for hollow and filled
loops, and the share within max(1 px, 3 %) ("in bar"; a loop measured as the wrong kind or not
at all counts by its error, 100 % for nothing found).
"""

import numpy as np
from synthetic import CASES, draw_case, resolved_at

from edge.pipeline.measure import measure_defects

SIZE_RANGES = ((8, 20), (20, 40), (40, 80), (80, 151))
CONTRASTS = (60.0, -60.0, 25.0)
# (SNR, moved boxes, mottled blobs): the synthetic truth's settings, as test_measure checks them
SETTINGS = (
    (8.0, False, False),
    (8.0, True, False),
    (8.0, False, True),
    (8.0, True, True),
    (3.0, False, True),
    (2.0, True, True),
)


def main() -> None:
    print(
        f"{'kind':<7} {'major px':>9} {'SNR':>4} {'box':>6} {'blob':>7} {'loops':>5} {'signed median':>13} "
        f"{'abs median':>10} {'abs max':>8} {'in bar':>7}"
    )
    for snr, moved, mottled in SETTINGS:
        errors: dict[tuple[str, int], list[tuple[float, float]]] = {}
        for major, aspect, line_width, blur in CASES:
            if not resolved_at(major, aspect, line_width, blur, snr):
                continue
            for contrast in CONTRASTS:
                case = draw_case(major, aspect, line_width, blur, contrast, snr, moved, mottled)
                found = measure_defects(case.frame, case.box)
                measured = found[0].major_px if found else 0.0
                kind = "filled" if line_width is None else "hollow"
                size_range = next(low for low, high in SIZE_RANGES if low <= major < high)
                errors.setdefault((kind, size_range), []).append((measured, major))
        for kind in ("hollow", "filled"):
            for low, high in SIZE_RANGES:
                pairs = np.array(errors.get((kind, low), []))
                if len(pairs):
                    measured, true = pairs.T
                    values = (measured - true) / true
                    within = np.abs(measured - true) <= np.maximum(1.0, 0.03 * true)
                    print(
                        f"{kind:<7} {f'{low}-{high - 1}':>9} {snr:>4.0f} {'moved' if moved else 'label':>6} "
                        f"{'mottled' if mottled and kind == 'filled' else '':>7} "
                        f"{len(values):>5} {100 * np.median(values):>+12.2f}% {100 * np.median(np.abs(values)):>9.2f}% "
                        f"{100 * np.abs(values).max():>7.2f}% {100 * within.mean():>6.1f}%"
                    )


if __name__ == "__main__":
    main()
