"""Gatan DigitalMicrograph (GMS 3.4 or later): send the front image to the analysis service
whenever it shows a new frame (a live view, or each acquisition), with its calibration.

Run it from DM's Python window ("Execute on background thread", so DM stays responsive); stop it
with DM's script "Stop" or by closing the front image. Needs pyzmq, msgpack and NumPy in DM's
Python, and edge's client module: see README.md beside this file.
"""

import time

import numpy as np

try:
    from edge.live.client import forward, pixel_size_nm
except ImportError:  # the one file copied beside this script
    from edge_client import forward, pixel_size_nm

SERVICE = "tcp://analysis-pc:5555"  # the service's input
SERIES = time.strftime("dm-%Y%m%d-%H%M%S")
PERIOD_S = 0.1  # how often the front image is looked at


def front_frame(dm) -> tuple[np.ndarray, float | None] | None:
    """The front image's pixels (rows, columns: GetNumArray reverses DM's x, y) and its pixel
    size in nm, or None when no 2-D image is in front."""
    image = dm.GetFrontImage()
    if image is None or not image.IsValid():
        return None
    pixels = np.array(image.GetNumArray(), copy=True)  # DM may overwrite the buffer with the next frame
    if pixels.ndim != 2:
        return None
    return pixels, pixel_size_nm(image.GetDimensionScale(0), image.GetDimensionUnitString(0))


def run(dm, endpoint: str = SERVICE, series: str = SERIES, should_stop=lambda: False) -> int:
    """Forward the front image's frames as one series until ``should_stop``; frames sent."""
    return forward(lambda: front_frame(dm), endpoint, series, PERIOD_S, should_stop)


if __name__ == "__main__":
    import DigitalMicrograph as DM  # noqa: N813 (DM's own name for itself)

    print(f"sending the front image to {SERVICE} as series {SERIES}")
    sent = run(DM, should_stop=lambda: DM.GetFrontImage() is None)
    print(f"stopped: {sent} frames sent")
