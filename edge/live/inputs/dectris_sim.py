"""The simulator of DECTRIS SIMPLON Stream V2: the CBOR messages a detector sends (``start``,
``image`` with its channel compressed as a detector compresses it, ``end``), to feed the Stream V2
input (``edge.live.inputs.dectris``) in tests and benchmarks without a detector."""

import struct
from fractions import Fraction

import numpy as np

from edge.live.inputs.dectris import COMPRESSED, PIXEL_SIZE_KEY, ROW_MAJOR_ARRAY


def encode_start(
    series: str, series_id: int = 1, pixel_size_nm: float | None = None, channels=("threshold_1",)
) -> bytes:
    """A Stream V2 ``start`` message (the fields this service reads, and a few a detector sends)."""
    import cbor2

    user_data = {} if pixel_size_nm is None else {PIXEL_SIZE_KEY: pixel_size_nm}
    start = {"type": "start", "series_id": series_id, "series_unique_id": series, "channels": list(channels)}
    return cbor2.dumps({**start, "detector_description": "stand-in", "user_data": user_data})


def encode_image(
    series: str,
    image_id: int,
    pixels: np.ndarray,
    compression: str = "",
    series_id: int = 1,
    channel: str = "threshold_1",
) -> bytes:
    """A Stream V2 ``image`` message with ``pixels`` (uint8, uint16 or uint32) in one channel, raw
    or compressed (``compression`` "bslz4" or "lz4", HDF5 filter framing, as a detector sends)."""
    import cbor2

    tags = {np.dtype("uint8"): 64, np.dtype("uint16"): 69, np.dtype("uint32"): 70}
    pixels = np.ascontiguousarray(pixels, pixels.dtype.newbyteorder("<"))
    data = pixels.tobytes()
    if compression:
        data = cbor2.CBORTag(
            COMPRESSED, [compression, pixels.itemsize if compression == "bslz4" else 0, _compress(pixels, compression)]
        )
    array = cbor2.CBORTag(ROW_MAJOR_ARRAY, [list(pixels.shape), cbor2.CBORTag(tags[pixels.dtype], data)])
    image = {"type": "image", "series_id": series_id, "series_unique_id": series, "image_id": image_id}
    return cbor2.dumps({**image, "start_time": Fraction(image_id, 10), "data": {channel: array}})


def encode_end(series: str, series_id: int = 1) -> bytes:
    """A Stream V2 ``end`` message."""
    import cbor2

    return cbor2.dumps({"type": "end", "series_id": series_id, "series_unique_id": series})


BLOCK_BYTES = 8192  # the blocks a detector compresses, in bytes


def _compress(pixels: np.ndarray, algorithm: str) -> bytes:
    """The HDF5 filter framing of ``cbor/dectris-compression-tag.md``: the decompressed size
    (u64, big-endian), the block size in bytes (u32), then the blocks, each with its compressed
    size (u32): bitshuffled then LZ4 (``bslz4``, the ``bitshuffle`` package) or LZ4 alone."""
    import lz4.block

    header = struct.pack(">QI", pixels.nbytes, BLOCK_BYTES)
    if algorithm == "bslz4":
        import bitshuffle

        return header + bitshuffle.compress_lz4(pixels.ravel(), BLOCK_BYTES // pixels.itemsize).tobytes()
    raw = pixels.tobytes()
    blocks = [lz4.block.compress(raw[i : i + BLOCK_BYTES], store_size=False) for i in range(0, len(raw), BLOCK_BYTES)]
    return header + b"".join(struct.pack(">I", len(block)) + block for block in blocks)
