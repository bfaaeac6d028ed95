"""docs/train-your-own.md, run as written: its ``$ edge ...`` commands, in order, on a small
COCO data set made from the bundled sample frames (4 to train, 2 to test), training at a tiny
size (a few options appended to the two training commands) so the suite stays fast."""

import glob
import json
import re
import shlex
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.cli import main
from edge.io.bundled import sample_frames
from edge.io.coco import write_coco
from edge.io.dataset import LabelledImage

TUTORIAL = Path(__file__).parents[2] / "docs" / "train-your-own.md"
TINY = {  # appended to the tutorial's commands: a test-sized run of each
    ("train", "cascade"): ["--stages", "5", "--positives", "600", "--negatives", "600"],
    ("train", "screen"): ["--epochs", "1", "--negatives-per-positive", "2"],
    ("serve",): ["--out", "bind:tcp://127.0.0.1:*"],  # a free port, not the service's default
}


def tutorial_commands() -> list[list[str]]:
    """The ``$ edge ...`` lines of the tutorial's console blocks, in order, as argument lists."""
    blocks = re.findall(r"```console\n(.*?)```", TUTORIAL.read_text(), re.S)
    return [shlex.split(line[len("$ edge ") :]) for block in blocks for line in block.splitlines()
            if line.startswith("$ edge ")]  # fmt: skip


def make_mydata(folder: Path) -> None:
    """mydata/: the sample frames at 512x512 as PNGs, train.json (4) and test.json (2), each
    loop with an outline (the ellipse inscribed in its box, so the size comparison has polygons
    to read)."""
    (folder / "images").mkdir(parents=True)
    items = []
    for index, (frame, boxes) in enumerate(sample_frames()):
        path = folder / "images" / f"frame{index:02d}.png"
        scale = 512 / max(frame.pixels.shape)
        cv2.imwrite(str(path), cv2.resize(frame.pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        boxes = boxes * scale
        turn = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        centres, halves = (boxes[:, :2] + boxes[:, 2:]) / 2, (boxes[:, 2:] - boxes[:, :2]) / 2
        circle = np.column_stack([np.cos(turn), np.sin(turn)])
        outlines = [centre + half * circle for centre, half in zip(centres, halves, strict=True)]
        items.append(LabelledImage(path, boxes, outlines))
    write_coco(items[:4], folder / "train.json")
    write_coco(items[4:], folder / "test.json")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_tutorials_commands_run_as_written_and_the_model_set_serves(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch", reason="training the screen needs the 'train' extra (PyTorch)")
    pytest.importorskip("onnx", reason="exporting the screen needs the 'train' extra (onnx)")
    commands = tutorial_commands()
    assert [command[:2] for command in commands] == [
        ["train", "cascade"], ["train", "screen"], ["evaluate", "--data"], ["analyse", "mydata/test.json"],
        ["serve", "--model"],
    ]  # fmt: skip
    monkeypatch.chdir(tmp_path)
    make_mydata(tmp_path / "mydata")
    for command in commands:
        key = next(key for key in TINY if tuple(command[: len(key)]) == key) if command[0] in ("train", "serve") else ()
        arguments = [expanded for word in command for expanded in (sorted(glob.glob(word)) or [word])]
        assert main(arguments + TINY.get(key, [])) == 0, command
    models = tmp_path / "mymodels"
    assert {"cascade.xml", "settings.json", "screen.onnx", "screen.json"} <= {p.name for p in models.iterdir()}
    settings = json.loads((models / "settings.json").read_text())
    assert settings["derived_from"]["images"] == 4 and settings["detector"]["working_side_px"] >= 512
    assert json.loads((models / "screen.json").read_text())["model_set"] == "mymodels"
    scores = json.loads((models / "test-scores.json").read_text())
    assert scores["images"] == 2 and scores["outline_axis"]["loops"] > 0
    assert scores["centre_tolerance_px"] == settings["evaluation"]["centre_tolerance_px"]
    # the test frames only, never the frames the models were trained on
    assert sorted(p.name for p in (tmp_path / "overlays").glob("*.gallery.png")) == [
        "frame04.gallery.png", "frame05.gallery.png",
    ]  # fmt: skip
    assert re.search(r"stopped: .*'processed': 2\b", capsys.readouterr().out)
