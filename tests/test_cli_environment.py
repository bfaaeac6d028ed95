"""The command line where instruments run it: as a system user, over a read-only install."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from edge.io.bundled import sample_paths

NOBODY = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
HEAVY_MODULES = ("numba", "cv2", "torch", "onnxruntime", "skimage", "zmq", "edge.kernels")


@pytest.mark.parametrize(
    "command", [["--help"], ["analyse", "--help"], ["serve", "--help"], ["train", "screen", "--help"]]
)
def test_help_imports_no_numba_opencv_or_models(command):
    code = (
        "import sys\n"
        "from edge.cli import main\n"
        f"try:\n    main({command!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: edge" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


def _as_nobody(arguments: list[str], cwd: str) -> subprocess.CompletedProcess:
    """Run ``python arguments`` as user nobody, with an unwritable HOME and no NUMBA_CACHE_DIR."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONDONTWRITEBYTECODE")}
    environment["HOME"] = "/nonexistent"
    return subprocess.run(
        [*NOBODY, sys.executable, *arguments], capture_output=True, text=True, env=environment, cwd=cwd, timeout=600
    )


def test_cli_runs_as_a_system_user_over_a_read_only_install():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the command line as user nobody over this (root-owned) install")
    work = tempfile.mkdtemp(prefix="edge-nobody-")
    os.chmod(work, 0o777)
    try:
        if _as_nobody(["-c", "import edge.cli"], work).returncode != 0:
            pytest.skip("user nobody cannot read this checkout or its Python")
        assert _as_nobody(["-m", "edge.cli", "--help"], work).returncode == 0
        image = sample_paths()[-1]
        analysed = _as_nobody(
            ["-m", "edge.cli", "analyse", str(image), "--boxes", str(image.parent), "--out", work], work
        )
        assert analysed.returncode == 0, analysed.stderr
        # without the fallback, importing the kernels raised "cannot cache function ...: no locator available"
        assert analysed.stderr.count("no writable Numba cache") == 1
        assert json.loads((Path(work) / f"{image.stem}.json").read_text())["count"] > 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
