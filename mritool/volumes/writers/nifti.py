"""Predicted masks as one NIfTI per study, on exactly the input's grid (shape and affine), uint8 {0, 1}."""

import gzip
from pathlib import Path

import numpy as np

from mritool.errors import MritoolError
from mritool.io import safe_name, write_bytes_atomic
from mritool.volumes.volume import Volume
from mritool.volumes.writers.base import MaskWriter, register_writer


class NiftiMaskWriter(MaskWriter):
    name = "nifti"
    formats = ("nifti",)

    def write(self, volume: Volume, masks: dict[int, np.ndarray], out_dir: Path) -> dict[int, str]:
        import nibabel
        from nibabel import orientations

        properties = volume.properties
        stack = np.zeros((len(volume.refs),) + volume.images[0].shape[:2], np.uint8)  # a NIfTI's slices share a shape
        for position, mask in masks.items():
            stack[position] = mask
        inverse = orientations.ornt_transform(orientations.axcodes2ornt(("S", "P", "L")),
                                              orientations.io_orientation(properties["affine"]))
        back = orientations.apply_orientation(stack, inverse).astype(np.uint8)
        if back.shape != tuple(properties["shape"]):
            raise MritoolError(f"{properties['flair']}: mask shape {back.shape} does not match the input {properties['shape']}")
        header = properties["header"].copy()
        header.set_data_dtype(np.uint8)
        header.set_slope_inter(1, 0)
        image = nibabel.Nifti1Image(back, properties["affine"], header)
        path = out_dir / safe_name(f"{volume.patient_id}_mask.nii.gz")
        write_bytes_atomic(path, gzip.compress(image.to_bytes(), mtime=0))
        return {position: str(path) for position in masks}

    def read(self, volume: Volume, files: dict[int, str]) -> dict[int, np.ndarray]:
        from mritool.volumes.readers.nifti import display_orientation, load_nifti, nifti_pixels

        stacks = {}
        for path in set(files.values()):
            image = load_nifti(Path(path))
            if image.shape[:3] != tuple(volume.properties["shape"]):
                raise MritoolError(f"{path}: mask shape {image.shape[:3]} does not match the study {volume.properties['shape']}")
            stacks[path] = nifti_pixels(image, Path(path), display_orientation(image.affine)) > 0
        return {position: stacks[path][position] for position, path in files.items()}


register_writer(NiftiMaskWriter())
