"""SerialEM: send each new image in buffer A to the analysis service, with its pixel size.

Run it from SerialEM's Python script window while acquiring (Record, or a montage, or a tilt
series): every new image in buffer A goes out as the next frame of one series. Needs pyzmq,
msgpack and NumPy in SerialEM's Python, and edge's client module: see README.md beside this file.
"""

import time

import numpy as np

try:
    from edge.live.client import forward
except ImportError:  # the one file copied beside this script
    from edge_client import forward

SERVICE = "tcp://analysis-pc:5555"
SERIES = time.strftime("serialem-%Y%m%d-%H%M%S")
BUFFER = "A"
PERIOD_S = 0.2


def buffer_frame(sem, buffer: str = BUFFER) -> tuple[np.ndarray, float | None] | None:
    """The image in ``buffer`` and its pixel size in nm (SerialEM reports it in nm), or None
    when the buffer is empty."""
    try:
        pixels = np.array(sem.bufferImage(buffer), copy=True)
    except sem.SEMerror:  # an empty buffer
        return None
    size = sem.ReportCurrentPixelSize(buffer)
    return pixels, float(size) if size and size > 0 else None


def run(sem, endpoint: str = SERVICE, series: str = SERIES, should_stop=lambda: False) -> int:
    """Forward buffer A's new images as one series until ``should_stop``; frames sent."""
    return forward(lambda: buffer_frame(sem), endpoint, series, PERIOD_S, should_stop)


if __name__ == "__main__":
    import serialem

    print(f"sending buffer {BUFFER} to {SERVICE} as series {SERIES}; stop the script to end")
    run(serialem)
