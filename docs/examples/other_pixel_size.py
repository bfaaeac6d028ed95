"""What knowing the pixel size buys: loops in frames taken at a coarser pixel size than the models'.

    python docs/examples/other_pixel_size.py [--factor 0.5]

The 40 validation images of the bundled screen's record (li2018's *train* split) are reduced by
``--factor`` (area averaging), as a frame of the same loops at 1/factor times the pixel size.
The bundled model set is copied with its frames' pixel size stated as 0.474 nm (the li2018
study's for its 300kx frames; the set itself records none, since its frames span 20kx to
500kx), and each reduced frame analysed twice: with its pixel size given (0.474 / factor nm,
so the pipeline brings it back to the models' scale, ``edge.pipeline.scale``) and without.
Prints the pooled recall, precision and F1 (one to one, centres within 20 x factor px, each
loop as its measured outline padded by 1.101) against the labels reduced with the frames, and
the frames in full, for reference.
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import cv2

from edge.eval.matching import count_matches, pooled
from edge.io.bundled import BUNDLED_SET
from edge.io.dataset import read_split
from edge.io.images import read_frame
from edge.pipeline.measure import outline_boxes
from edge.pipeline.pipeline import Pipeline
from edge.pipeline.settings import PipelineSettings

LI2018 = Path(__file__).parents[2].parent / "shared" / "data" / "li2018"
STATED_PIXEL_SIZE_NM = 0.474


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=float, default=0.5, help="how far the frames are reduced (default 0.5)")
    factor = parser.parse_args().factor
    names = set(json.loads((BUNDLED_SET / "screen.json").read_text())["validation_images"])
    items = [item for item in read_split(LI2018, "train") if item.image.name in names]
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder)
        for name in ("cascade.xml", "screen.onnx", "screen.json"):
            shutil.copy(BUNDLED_SET / name, models / name)
        settings = json.loads((BUNDLED_SET / "settings.json").read_text())
        settings["frames"] = {"pixel_size_nm": STATED_PIXEL_SIZE_NM}
        (models / "settings.json").write_text(json.dumps(settings))
        pipeline = Pipeline.from_settings(PipelineSettings(model=models))
        runs = {  # name: (scale of the frame, its pixel size as given to the pipeline)
            "in full": (1.0, STATED_PIXEL_SIZE_NM),
            f"x{factor:g}, pixel size given": (factor, STATED_PIXEL_SIZE_NM / factor),
            f"x{factor:g}, pixel size not given": (factor, None),
        }
        counts: dict[str, list] = {name: [] for name in runs}
        for item in items:
            pixels = read_frame(item.image).pixels
            reduced = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
            for name, (scale, pixel_size) in runs.items():
                frame = pixels if scale == 1.0 else reduced
                found = outline_boxes(pipeline.analyse(frame, pixel_size).defects, settings["boxes"]["outline_padding"])
                counts[name].append(count_matches(item.boxes * scale, found, "one-to-one", 20 * scale))
    for name, image_counts in counts.items():
        rates = pooled(image_counts).rates()
        print(f"{name:<32} recall {rates['recall']:.3f}  precision {rates['precision']:.3f}  F1 {rates['f1']:.3f}")


if __name__ == "__main__":
    main()
