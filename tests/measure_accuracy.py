"""Report the measurement's error on the synthetic loops of the tests, by size and kind.

Run from the repository root: ``python tests/measure_accuracy.py``. Each of ``CASES`` (loops
the image resolves; ``synthetic.resolved_at`` says which at each noise level, and why) is drawn
dark, bright and faint in each of ``SETTINGS``, as ``test_measure`` draws it; this prints the
signed and absolute relative error of the major axis per size range, for hollow and filled
loops, and the share within max(1 px, 3 %) and measured as the right kind ("in bar"; a loop
not found counts with an error of 100 %).
"""

import numpy as np
from synthetic import SETTINGS, measure_cases

SIZE_RANGES = ((8, 20), (20, 40), (40, 80), (80, 151))


def main() -> None:
    print(
        f"{'kind':<7} {'major px':>9} {'SNR':>4} {'box':>6} {'blob':>7} {'loops':>5} {'signed median':>13} "
        f"{'abs median':>10} {'abs max':>8} {'in bar':>7}"
    )
    for snr, moved, mottled in SETTINGS:
        cases = measure_cases(snr, moved, mottled)
        for hollow, kind in ((True, "hollow"), (False, "filled")):
            for low, high in SIZE_RANGES:
                chosen = [c for c in cases if c.hollow == hollow and low <= c.major_px < high]
                if not chosen:
                    continue
                values = np.array([c.error for c in chosen])
                within = np.mean([c.within_bar for c in chosen])
                print(
                    f"{kind:<7} {f'{low}-{high - 1}':>9} {snr:>4.0f} {'moved' if moved else 'label':>6} "
                    f"{'mottled' if mottled and not hollow else '':>7} "
                    f"{len(values):>5} {100 * np.median(values):>+12.2f}% {100 * np.median(np.abs(values)):>9.2f}% "
                    f"{100 * np.abs(values).max():>7.2f}% {100 * within:>6.1f}%"
                )


if __name__ == "__main__":
    main()
