import numpy as np
import pytest
import tifffile

from mritool.volumes.limits import tiff_first_page


@pytest.mark.parametrize("byteorder", ["<", ">"])
@pytest.mark.parametrize("shape, dtype", [((40, 24, 3), np.uint8), ((300, 70000 // 300), np.uint16), ((17, 90), np.float32)])
def test_the_first_page_header_gives_what_tifffile_reads(tmp_path, byteorder, shape, dtype):
    path = tmp_path / "slice.tif"
    tifffile.imwrite(path, np.zeros(shape, dtype), byteorder=byteorder, compression="zlib")
    assert tiff_first_page(path) == (shape[0], shape[1], False)


def test_more_pages_are_seen_and_bigtiff_is_left_to_tifffile(tmp_path):
    tifffile.imwrite(tmp_path / "two.tif", np.zeros((2, 8, 9), np.uint8))
    assert tiff_first_page(tmp_path / "two.tif") == (8, 9, True)
    tifffile.imwrite(tmp_path / "big.tif", np.zeros((8, 9), np.uint8), bigtiff=True)
    assert tiff_first_page(tmp_path / "big.tif") is None


@pytest.mark.parametrize("content", [b"", b"II*\x00", b"II*\x00\xff\xff\x00\x00", b"not a tiff at all"])
def test_a_short_or_foreign_header_is_not_guessed(tmp_path, content):
    (tmp_path / "bad.tif").write_bytes(content)
    assert tiff_first_page(tmp_path / "bad.tif") is None
