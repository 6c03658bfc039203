"""Decoding 2D images for every stage: TIFF (plain or deflate), PNG, JPEG; 8/16-bit; gray, RGB, RGBA."""

from pathlib import Path

import cv2
import numpy as np
import tifffile

from mritool.errors import MritoolError
from mritool.volumes.limits import check_png_chunks, check_slice_size, declared_size, tiff_first_page

IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")

# Decoder failures become one-line MritoolErrors below; OpenCV's own log lines would only repeat them.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def _opencv_decode(buffer: np.ndarray) -> np.ndarray | None:
    pixels = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    if pixels is not None and pixels.ndim == 3:
        code = cv2.COLOR_BGRA2RGBA if pixels.shape[2] == 4 else cv2.COLOR_BGR2RGB
        pixels = cv2.cvtColor(pixels, code)
    return pixels


def decode(path: Path) -> np.ndarray:
    """Raw pixels in file channel order (TIFF: as stored; PNG/JPEG: RGB, not OpenCV's BGR)."""
    if not path.is_file():
        raise MritoolError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise MritoolError(f"{path}: empty file")
    _check_header(path)
    data = path.read_bytes()
    check_png_chunks(data, path)
    buffer = np.frombuffer(data, dtype=np.uint8)  # np.fromfile is slower on small files
    pixels = _opencv_decode(buffer)
    if path.suffix.lower() in (".tif", ".tiff") and (pixels is None or pixels.ndim == 3 and pixels.shape[2] != 3):
        # OpenCV decodes gray and RGB TIFFs about 1.8x faster; tifffile reads the rest (OpenCV
        # would premultiply an unassociated alpha into the colours).
        try:
            pixels = tifffile.imread(path)
        except Exception as exc:  # tifffile raises many types for corrupt files
            raise MritoolError(f"{path}: not a readable TIFF ({exc})") from None
    if pixels is None:
        raise MritoolError(f"{path}: not a readable image")
    return pixels


def _check_header(path: Path) -> None:
    """The size (and for a TIFF the page count) the file declares, checked before any decoding."""
    if path.suffix.lower() in (".tif", ".tiff"):
        first = tiff_first_page(path)
        if first is not None and not first[2]:
            check_slice_size(first[0], first[1], path)
            return
        try:
            with tifffile.TiffFile(path) as tiff:
                pages, shape = len(tiff.pages), tiff.pages[0].shape
        except Exception:  # a damaged TIFF is reported by the decoders below
            return
        if pages > 1:
            raise MritoolError(f"{path}: a multi-page TIFF ({pages} pages); one slice per file is expected")
        if len(shape) >= 2:
            check_slice_size(shape[0], shape[1], path)
        return
    with open(path, "rb") as stream:
        size = declared_size(path, stream.read(32))
    if size is not None:
        check_slice_size(*size, path)


def _resize(pixels: np.ndarray, size: int, interpolation: int) -> np.ndarray:
    if pixels.shape[0] == size and pixels.shape[1] == size:
        return pixels
    return cv2.resize(pixels, (size, size), interpolation=interpolation)


def check_pixels(pixels: np.ndarray, path) -> np.ndarray:
    """``pixels`` if a model can take them (gray, gray+alpha-free, RGB or RGBA; integer or float), else a
    MritoolError naming ``path``."""
    if not (pixels.ndim == 2 or pixels.ndim == 3 and (pixels.shape[2] == 1 or pixels.shape[2] >= 3)):
        raise MritoolError(f"{path}: unsupported image shape {pixels.shape}")
    if not np.issubdtype(pixels.dtype, np.integer) and not np.issubdtype(pixels.dtype, np.floating):
        raise MritoolError(f"{path}: unsupported pixel type {pixels.dtype}")
    return pixels


def as_model_input(pixels: np.ndarray, size: int, path) -> np.ndarray:
    """Decoded pixels to float32 (size, size, 3); `path` only names the file in errors."""
    check_pixels(pixels, path)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    else:
        pixels = pixels[..., :3]
    pixels = pixels.astype(np.float32)
    downsizing = pixels.shape[0] > size or pixels.shape[1] > size
    return _resize(pixels, size, cv2.INTER_AREA if downsizing else cv2.INTER_LINEAR)


def binary_mask(pixels: np.ndarray, path) -> np.ndarray:
    """Decoded mask pixels to a binary uint8 (H, W) mask: any non-zero pixel (in any channel) is tumor."""
    if pixels.ndim == 3:
        pixels = pixels.max(axis=2)
    if pixels.ndim != 2:
        raise MritoolError(f"{path}: unsupported mask shape {pixels.shape}")
    return (pixels > 0).astype(np.uint8)


def resize_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A binary mask at ``shape`` (rows, columns), nearest-neighbour."""
    if mask.shape[:2] == tuple(shape):
        return mask
    return cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
