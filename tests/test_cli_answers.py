"""The command line's answers to mistakes: one line saying what to do."""

import sys

import pytest

from edge.cli import main


def test_a_mistyped_option_is_refused_naming_the_one_meant(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["analyse", "x.png", "--pixelsize", "0.5"])
    assert stopped.value.code == 2
    assert "--pixelsize: did you mean --pixel-size?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "screen", "--data", "d", "--out", "o.onnx", "--epoks", "3"])
    assert "did you mean --epochs?" in capsys.readouterr().err


def test_training_without_pytorch_says_how_to_install_it_in_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # as where the train extra is not installed
    assert main(["train", "screen", "--data", str(tmp_path), "--out", str(tmp_path / "s.onnx")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "needs the 'train' extra (torch is missing)" in error
    assert "--index-url https://download.pytorch.org/whl/cpu" in error


@pytest.mark.parametrize(
    "command",
    [
        ["train", "cascade", "--data", "d", "--out", "o/cascade.xml", "--pixel-size", "0"],
        ["evaluate", "--data", "d", "--pixel-size", "-1"],
        ["analyse", "x.png", "--pixel-size", "-0.5"],
        ["replay", "x.png", "--to", "tcp://127.0.0.1:1", "--pixel-size", "0"],
        ["serve", "--pixel-size", "nan"],
    ],
)
def test_every_pixel_size_option_refuses_a_value_that_is_not_above_zero(capsys, command):
    with pytest.raises(SystemExit) as stopped:
        main(command)
    assert stopped.value.code == 2
    assert "argument --pixel-size: must be > 0 nm" in capsys.readouterr().err.splitlines()[-1]
