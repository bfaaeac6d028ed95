"""The simulator of areaDetector's NDPluginZMQ: the messages an IOC's plugin sends, to feed
the NDPluginZMQ input (``edge.live.inputs.adzmq``) in tests and benchmarks without an IOC."""

import json

import numpy as np


def encode_array(
    pixels: np.ndarray, frame: int, attributes: dict | None = None, timestamp: float | None = None
) -> list:
    """An NDPluginZMQ message: the JSON header and the array's buffer (as an IOC sends it)."""
    header = {"htype": "array-1.0", "type": str(pixels.dtype), "shape": list(pixels.shape), "frame": frame}
    header |= {"ndattr": attributes or {}, "timeStamp": timestamp if timestamp is not None else 0.0}
    return [json.dumps(header).encode(), np.ascontiguousarray(pixels)]
