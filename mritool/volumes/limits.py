"""Size limits checked from headers, before anything is decoded at full size.

A 463 KB PNG can declare 20000x20000 pixels and take gigabytes to decode. The limits are generous for
MR (a slice of 4096x4096, 2048 slices per patient) and can be changed per run through the environment:
``MRITOOL_MAX_PIXELS`` (pixels per slice) and ``MRITOOL_MAX_SLICES`` (slices per patient).
"""

import os
import struct
from pathlib import Path

from mritool.errors import MritoolError

DEFAULT_MAX_PIXELS = 4096 * 4096
DEFAULT_MAX_SLICES = 2048
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _limit(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise MritoolError(f"{name}={value!r}: not a positive whole number")
    return int(value)


def max_pixels() -> int:
    return _limit("MRITOOL_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def max_slices() -> int:
    return _limit("MRITOOL_MAX_SLICES", DEFAULT_MAX_SLICES)


def check_slice_size(height: int, width: int, where) -> None:
    if height * width > max_pixels():
        raise MritoolError(f"{where}: {width}x{height} pixels is over the limit of {max_pixels()} per slice "
                           "(MRITOOL_MAX_PIXELS)")


def check_slice_count(count: int, where) -> None:
    if count > max_slices():
        raise MritoolError(f"{where}: {count} slices is over the limit of {max_slices()} per patient "
                           "(MRITOOL_MAX_SLICES)")


def check_volume(shape, where) -> None:
    """A volume on any axes (a sequence on its own grid): its longest axis counted as slices, the others as a slice."""
    shortest, middle, longest = sorted(int(n) for n in shape)
    check_slice_count(longest, where)
    check_slice_size(shortest, middle, where)


def check_png_chunks(data: bytes, where) -> None:
    """Refuses a PNG whose chunks claim more bytes than the file holds, before it is decoded: the decoder
    allocates what a chunk claims (a 293-byte file the fuzzing made took OpenCV 4 GB and 4 s)."""
    if not data.startswith(PNG_SIGNATURE):
        return
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if at + 12 + length > len(data):
            raise MritoolError(f"{where}: a damaged PNG (chunk {kind!r} claims {length} bytes, past the end of the file)")
        if kind == b"IEND":
            return
        at += 12 + length


def declared_size(path: Path, head: bytes) -> tuple[int, int] | None:
    """(height, width) a PNG or JPEG declares in its header (``head``: its first bytes), None if not found."""
    if head.startswith(PNG_SIGNATURE) and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return height, width
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(path)
    return None


def tiff_first_page(path: Path) -> tuple[int, int, bool] | None:
    """(height, width, whether more pages follow) from a classic TIFF's first directory, read without
    decoding (tifffile takes about as long to open a file as OpenCV to decode it); None for BigTIFF or a
    header this cannot follow, where the caller asks tifffile."""
    with open(path, "rb") as stream:
        head = stream.read(8)
        if len(head) < 8 or head[:2] not in (b"II", b"MM"):
            return None
        order = "<" if head[:2] == b"II" else ">"
        magic, offset = struct.unpack(order + "HI", head[2:8])
        if magic != 42:
            return None
        stream.seek(offset)
        count = stream.read(2)
        if len(count) < 2:
            return None
        entries = stream.read(12 * struct.unpack(order + "H", count)[0] + 4)
    if len(entries) % 12 != 4:
        return None
    size = {}
    for start in range(0, len(entries) - 4, 12):
        tag, kind = struct.unpack(order + "HH", entries[start:start + 4])
        if tag in (256, 257) and kind in (3, 4):  # ImageWidth, ImageLength as SHORT or LONG
            size[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), entries[start + 8:start + (10 if kind == 3 else 12)])[0]
    if len(size) < 2:
        return None
    return size[257], size[256], struct.unpack(order + "I", entries[-4:])[0] != 0


def _jpeg_size(path: Path) -> tuple[int, int] | None:
    """The frame size from a JPEG's start-of-frame segment, walking the segments without decoding."""
    with open(path, "rb") as stream:
        stream.seek(2)
        while True:
            marker = stream.read(2)
            if len(marker) < 2 or marker[0] != 0xFF:
                return None
            length = stream.read(2)
            if len(length) < 2:
                return None
            if 0xC0 <= marker[1] <= 0xCF and marker[1] not in (0xC4, 0xC8, 0xCC):
                frame = stream.read(5)
                return struct.unpack(">HH", frame[1:5]) if len(frame) == 5 else None
            stream.seek(struct.unpack(">H", length)[0] - 2, os.SEEK_CUR)
