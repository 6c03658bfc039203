"""Predicted masks as 8-bit PNGs (0 / 255), one per slice, at the slice's own size."""

from pathlib import Path

import cv2
import numpy as np

from mritool.errors import MritoolError
from mritool.io import safe_name, write_bytes_atomic
from mritool.volumes.image import binary_mask, decode
from mritool.volumes.volume import Volume
from mritool.volumes.writers.base import MaskWriter, register_writer


class PngMaskWriter(MaskWriter):
    name = "png"
    formats = ("slice_folder",)

    def write(self, volume: Volume, masks: dict[int, np.ndarray], out_dir: Path) -> dict[int, str]:
        written = {}
        for position, mask in masks.items():
            path = out_dir / safe_name(f"{volume.patient_id}_{volume.refs[position].index}_pred.png")
            encoded, data = cv2.imencode(".png", mask.astype(np.uint8) * 255)
            if not encoded:
                raise MritoolError(f"{path}: could not encode the mask")
            write_bytes_atomic(path, data.tobytes())
            written[position] = str(path)
        return written

    def read(self, volume: Volume, files: dict[int, str]) -> dict[int, np.ndarray]:
        return {position: binary_mask(decode(Path(path)), path) for position, path in files.items()}


register_writer(PngMaskWriter())
