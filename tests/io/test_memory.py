"""Freed frame memory kept for the next frames: measured as the page faults a process takes
to allocate and touch a second batch of 1024x1024 uint16 frames after freeing the first."""

import subprocess
import sys

import pytest

MEASURE = """
import resource, sys
import numpy as np
from edge.io.memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
frames = [np.ones(1 << 20, np.uint16) for _ in range(16)]
del frames
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
frames = [np.ones(1 << 20, np.uint16) for _ in range(16)]
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 16)
"""


def _page_faults_per_frame(mode: str) -> float:
    run = subprocess.run([sys.executable, "-c", MEASURE, mode], capture_output=True, text=True, check=True)
    return float(run.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc tuning; elsewhere it does nothing")
def test_frames_allocated_after_others_were_freed_reuse_their_pages():
    assert _page_faults_per_frame("default") > 256  # a 2 MB frame is 512 fresh 4 kB pages
    assert _page_faults_per_frame("keep") < 8
