"""Freed frame memory kept for the next frames: measured as the page faults a thread takes to
receive (allocate and touch) a burst of 1024x1024 uint16 frames after another thread has freed
the bursts before, as the service's ZeroMQ thread and the threads that analyse frames do."""

import subprocess
import sys

import pytest

MEASURE = """
import queue, sys, threading
from collections import deque
import numpy as np
from edge.io.memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
bursts, freed, faults = queue.Queue(), threading.Semaphore(0), []

def thread_faults():
    stat = open(f"/proc/self/task/{threading.get_native_id()}/stat").read()
    return int(stat.rsplit(")", 1)[1].split()[7])

def receive():
    for _ in range(3):
        before = thread_faults()
        bursts.put(deque(np.ones(1 << 20, np.uint16) for _ in range(48)))
        faults.append((thread_faults() - before) / 48)
        freed.acquire()

receiver = threading.Thread(target=receive)
receiver.start()
for _ in range(3):
    burst = bursts.get()
    while burst:  # freed on this thread, oldest first, as analysed frames are
        burst.popleft()
    freed.release()
receiver.join()
print(faults[-1])
"""


def _page_faults_per_frame_of_a_later_burst(mode: str) -> float:
    run = subprocess.run([sys.executable, "-c", MEASURE, mode], capture_output=True, text=True, check=True, timeout=60)
    return float(run.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc tuning; elsewhere it does nothing")
def test_a_later_burst_of_frames_reuses_the_pages_an_earlier_one_freed_on_another_thread():
    assert _page_faults_per_frame_of_a_later_burst("default") > 256  # a 2 MB frame is 512 fresh 4 kB pages
    assert _page_faults_per_frame_of_a_later_burst("keep") < 8
