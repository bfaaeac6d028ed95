"""The stand-in data set of docs/train-your-own.md: 16 of li2018's *training* images (among the
40 with the most loops, drawn with seed 7), a 512x512 crop of each where the most loops are,
12 written to train.json and 4 to test.json (COCO), with the images in images/. With
``invert``, the crops are inverted (dark loops on a light ground, as in bright-field TEM).

    python docs/examples/make_stand_in.py OUT_DIR [invert]

It stands in for another lab's 12 + 4 frames; it is not held-out data of another material.
"""

import sys
from pathlib import Path

import cv2
import numpy as np

from edge.io.coco import write_coco
from edge.io.dataset import LabelledImage, read_split

LI2018 = Path(__file__).parents[2].parent / "shared" / "data" / "li2018"


def main() -> None:
    invert = "invert" in sys.argv
    out = Path(sys.argv[1])
    (out / "images").mkdir(parents=True, exist_ok=True)
    items = [it for it in read_split(LI2018, "train") if cv2.imread(str(it.image), 0).shape == (1024, 1024)]
    rng = np.random.default_rng(7)
    dense = sorted(items, key=lambda it: -len(it.boxes))[:40]
    chosen = [dense[i] for i in rng.choice(len(dense), 16, replace=False)]
    made = []
    for k, it in enumerate(chosen):
        image = cv2.imread(str(it.image), 0)
        centres = (it.boxes[:, :2] + it.boxes[:, 2:]) / 2
        corners = [(y, x) for y in range(0, 513, 128) for x in range(0, 513, 128)]
        y, x = max(corners, key=lambda corner: _inside(centres, corner).sum())
        crop = image[y : y + 512, x : x + 512]
        if invert:
            crop = 255 - crop
        boxes = np.clip(it.boxes[_inside(centres, (y, x))] - [x, y, x, y], 0, 512)
        path = out / "images" / f"frame{k:02d}.png"
        cv2.imwrite(str(path), crop)
        made.append(LabelledImage(path, boxes))
    write_coco(made[:12], out / "train.json")
    write_coco(made[12:], out / "test.json")
    print(sum(len(m.boxes) for m in made[:12]), "train boxes", sum(len(m.boxes) for m in made[12:]), "test boxes")


def _inside(centres: np.ndarray, corner: tuple[int, int]) -> np.ndarray:
    y, x = corner
    return (centres[:, 0] >= x) & (centres[:, 0] < x + 512) & (centres[:, 1] >= y) & (centres[:, 1] < y + 512)


if __name__ == "__main__":
    main()
