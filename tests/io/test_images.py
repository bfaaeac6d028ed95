import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.io.images import ImageReadError, read_frame, to_uint8


@pytest.mark.parametrize(
    "name, shape, pixel_size_nm",
    [
        ("test_STEM_image.dm3", (68, 68), 0.2485),
        ("test_dm_image_um_unit.dm3", (68, 68), 168.67),
        ("test-1.dm4", (2, 2), None),
        ("64x64_TEM_images_acquire_1.ser", (64, 64), 6.2818),
        ("example_image.emd", (3, 3), None),
        ("test_loading_image_saved_with_DM.tif", (68, 68), 168.67),
    ],
)
def test_vendor_formats_give_pixels_and_pixel_size(name, shape, pixel_size_nm, em_formats):
    frame = read_frame(em_formats / name)
    assert frame.pixels.shape == shape
    if pixel_size_nm is None:
        assert frame.pixel_size_nm is None
    else:
        assert frame.pixel_size_nm == pytest.approx(pixel_size_nm, rel=1e-3)


def test_pixel_size_option_overrides_the_file(em_formats):
    assert read_frame(em_formats / "test_STEM_image.dm3", pixel_size_nm=0.5).pixel_size_nm == 0.5


def test_sixteen_bit_png_keeps_its_depth(tmp_path):
    pixels = np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 31
    cv2.imwrite(str(tmp_path / "deep.png"), pixels)
    frame = read_frame(tmp_path / "deep.png")
    np.testing.assert_array_equal(frame.pixels, pixels)
    assert frame.pixel_size_nm is None


@pytest.mark.parametrize("compression", ["lzw", "zlib", None])
def test_compressed_sixteen_bit_tiffs_are_read(tmp_path, compression):
    import tifffile

    pixels = np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 31
    tifffile.imwrite(tmp_path / "deep.tif", pixels, compression=compression)  # as cameras and ImageJ write them
    np.testing.assert_array_equal(read_frame(tmp_path / "deep.tif").pixels, pixels)


def test_float_tiff_is_read(tmp_path):
    import tifffile

    pixels = np.linspace(-1, 1, 40 * 30, dtype=np.float32).reshape(30, 40)
    tifffile.imwrite(tmp_path / "f.tif", pixels)
    np.testing.assert_array_equal(read_frame(tmp_path / "f.tif").pixels, pixels)


def test_colour_image_is_converted_with_a_warning(tmp_path, caplog):
    colour = np.zeros((10, 12, 3), np.uint8)
    colour[..., 2] = 200  # red in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / "c.png"), colour)
    with caplog.at_level(logging.WARNING):
        frame = read_frame(tmp_path / "c.png")
    assert frame.pixels.shape == (10, 12)
    assert frame.pixels[0, 0] == round(0.299 * 200)
    assert "converted to greyscale" in caplog.text


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("broken.jpg", b"\xff\xd8 not really a jpeg", "not a readable image"),
        ("broken.dm3", b"garbage", "could not be read"),
        ("notes.xyz", b"hello", "unknown image format"),
    ],
)
def test_unreadable_files_raise_clear_errors(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImageReadError, match=message):
        read_frame(tmp_path / name)


def test_missing_file_and_bad_pixel_size(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        read_frame(tmp_path / "absent.png")
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((4, 4), np.uint8))
    with pytest.raises(ImageReadError, match="positive"):
        read_frame(tmp_path / "a.png", pixel_size_nm=-1)


def test_to_uint8_scales_unsigned_integers_by_their_bit_depth():
    eight_bit = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(to_uint8(eight_bit.astype(np.uint16) * np.uint16(257)), eight_bit)
    twelve_bit = np.linspace(0, 4095, 1000).reshape(10, 100).astype(np.uint16)
    assert to_uint8(twelve_bit).max() == 255 and to_uint8(twelve_bit).min() == 0
    np.testing.assert_array_equal(to_uint8(twelve_bit // 2), np.rint((twelve_bit // 2) * (255 / 2047)))  # 11-bit
    assert to_uint8(np.array([[0, 2**32 - 1]], np.uint32)).tolist() == [[0, 255]]


def test_to_uint8_stretches_floats_and_signed_integers_between_percentiles():
    stretched = to_uint8(np.linspace(-1.5, 2.0, 1000).reshape(10, 100))
    assert stretched.dtype == np.uint8 and stretched.min() == 0 and stretched.max() == 255
    assert to_uint8(np.linspace(-300, 300, 1000).astype(np.int16)).max() == 255
    assert (to_uint8(np.full((3, 3), 7.0)) == 0).all()


def test_a_pixel_size_in_an_unknown_unit_is_reported_and_left_out(caplog):
    from edge.io.images import _pixel_size_nm

    axes = [{"scale": 2.0, "units": "furlong"}, {"scale": 2.0, "units": "furlong"}]
    assert _pixel_size_nm(axes, Path("scan.dm4")) is None
    assert "pixel size unit 'furlong'" in caplog.text
    assert _pixel_size_nm([{"scale": 0.5, "units": "µm"}, {"scale": 0.5, "units": "µm"}], Path("scan.dm4")) == 500
