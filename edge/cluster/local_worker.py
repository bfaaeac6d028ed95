"""Preloaded by the worker processes of a local cluster (``--dask local[:N]``): they ignore
SIGINT, which a terminal's Ctrl-C sends to the whole process group, so that the service or
``edge analyse`` that started them winds down first and then closes them itself."""

import signal
import threading


def dask_setup(worker) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
