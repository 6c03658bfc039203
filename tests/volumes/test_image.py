import cv2
import numpy as np
import pytest
import tifffile

from mritool.volumes.image import decode
from tests.slice_files import read_image, read_mask
from mritool.errors import MritoolError


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    image[0, 0] = (10, 20, 30)  # distinct channels expose a BGR/RGB swap
    return image


@pytest.mark.parametrize("compression", [None, "zlib"])
def test_tiff_plain_and_deflate_read_identically(tmp_path, rgb, compression):
    path = tmp_path / "slice.tif"
    tifffile.imwrite(path, rgb, compression=compression, photometric="rgb")
    image = read_image(path, 32)
    assert image.dtype == np.float32 and image.shape == (32, 32, 3)
    np.testing.assert_array_equal(image, rgb)


@pytest.mark.parametrize("kind", ["gray16", "planar_rgb", "float_gray", "rgba"])
def test_every_tiff_kind_decodes_as_tifffile_reads_it(tmp_path, rgb, kind):
    pixels, options = {
        "gray16": (rgb[..., 0].astype(np.uint16) * 257, {}),
        "planar_rgb": (np.moveaxis(rgb, -1, 0).copy(), {"photometric": "rgb", "planarconfig": "separate"}),
        "float_gray": (rgb[..., 1].astype(np.float32) / 7, {}),
        "rgba": (np.dstack([rgb, np.full(rgb.shape[:2], 200, np.uint8)]), {"photometric": "rgb", "extrasamples": ["unassalpha"]}),
    }[kind]
    path = tmp_path / "slice.tif"
    tifffile.imwrite(path, pixels, compression="zlib", **options)
    expected = tifffile.imread(path)
    decoded = decode(path)
    if kind == "planar_rgb":
        expected = np.moveaxis(expected, 0, -1)
    np.testing.assert_array_equal(decoded, expected)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_png_and_jpeg_keep_file_channel_order(tmp_path, rgb, suffix):
    path = tmp_path / f"slice{suffix}"
    cv2.imwrite(str(path), rgb[..., ::-1])  # OpenCV writes BGR; the file then holds rgb
    image = read_image(path, 32)
    if suffix == ".png":
        np.testing.assert_array_equal(image, rgb)
    else:  # lossy: compare channel means instead of pixels
        np.testing.assert_allclose(image.mean(axis=(0, 1)), rgb.mean(axis=(0, 1)), atol=3)


def test_gray_16bit_png_keeps_its_range_on_three_channels(tmp_path):
    gray = (np.arange(32 * 32, dtype=np.uint16).reshape(32, 32) * 60)
    path = tmp_path / "slice.png"
    cv2.imwrite(str(path), gray)
    image = read_image(path, 32)
    assert image.shape == (32, 32, 3)
    assert image.max() == gray.max() > 255
    np.testing.assert_array_equal(image[..., 0], image[..., 2])


def test_rgba_png_drops_alpha(tmp_path, rgb):
    rgba = np.dstack([rgb, np.full((32, 32), 7, np.uint8)])
    path = tmp_path / "slice.png"
    cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    np.testing.assert_array_equal(read_image(path, 32), rgb)


def test_any_size_is_resized_to_the_model_input(tmp_path):
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), np.full((512, 512, 3), 100, np.uint8))
    image = read_image(path, 64)
    assert image.shape == (64, 64, 3)
    assert abs(float(image.mean()) - 100) < 2


def test_mask_is_binarised_and_resized_nearest(tmp_path):
    mask = np.zeros((64, 64), np.uint8)
    mask[10:30, 10:30] = 255
    path = tmp_path / "m_mask.tif"
    tifffile.imwrite(path, mask, compression="zlib")
    small = read_mask(path, 32)
    assert set(np.unique(small)) == {0, 1}
    assert small.sum() == 100


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"this is not an image", "not a readable"),
])
@pytest.mark.parametrize("name", ["bad.png", "bad.tif"])
def test_unreadable_files_raise_a_clear_error_naming_the_file(tmp_path, content, message, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MritoolError, match=message) as error:
        read_image(path, 32)
    assert name in str(error.value)


def test_truncated_tiff_is_an_error_and_decoders_stay_quiet(tmp_path, rgb, capfd):
    path = tmp_path / "cut.tif"
    tifffile.imwrite(path, rgb, compression="zlib")
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(MritoolError, match="cut.tif"):
        read_image(path, 32)
    assert capfd.readouterr().err == ""


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(MritoolError, match="no such file"):
        read_image(tmp_path / "absent.png", 32)
