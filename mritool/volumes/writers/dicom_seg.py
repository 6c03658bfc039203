"""Predicted masks of a DICOM study as one binary DICOM Segmentation (highdicom) on the source FLAIR series.

One segment, "FLAIR abnormality" (SNOMED CT: morphologically abnormal structure / neoplasm), placed
back on the FLAIR's stored geometry (the reader's reorientation undone, no resampling) so that each
frame has the orientation, position and reference of the source instance it segments. Empty frames are omitted (the SEG stays small and viewers show the
lesion's frames); a study with no predicted voxel keeps all its frames, since a SEG needs one.
"""

from pathlib import Path

import numpy as np

from mritool import __version__
from mritool.errors import MritoolError
from mritool.io import safe_name, write_bytes_atomic
from mritool.volumes.volume import Volume
from mritool.volumes.writers.base import MaskWriter, register_writer

SEGMENT_LABEL = "FLAIR abnormality"
SERIES_NUMBER = 9901  # out of the range scanners number their series in, so the SEG sorts last


def segment_description():
    import highdicom
    from pydicom.sr.coding import Code

    return highdicom.seg.SegmentDescription(
        segment_number=1,
        segment_label=SEGMENT_LABEL,
        segmented_property_category=Code("49755003", "SCT", "Morphologically abnormal structure"),
        segmented_property_type=Code("108369006", "SCT", "Neoplasm"),
        algorithm_type=highdicom.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
        algorithm_identification=highdicom.AlgorithmIdentificationSequence(
            name="mritool", version=__version__, family=Code("123109", "DCM", "Artificial Intelligence")),
    )


def _without_declared_spacing(datasets: list) -> list:
    """Single-frame sources as highdicom should see them: without SpacingBetweenSlices, so the SEG's is
    derived from the frame positions (which the reader places slices by) instead of copied. Converters
    declare wrong ones (GDCM's transcoding writes 1), and a copied wrong one makes the SEG unreadable as a
    volume once empty frames are omitted."""
    from pydicom.dataset import Dataset

    if len(datasets) == 1:
        return datasets
    stripped = []
    for dataset in datasets:  # headers only: the volume's own datasets stay as read
        header = Dataset()
        header.file_meta = dataset.file_meta
        for element in dataset:
            if element.keyword not in ("SpacingBetweenSlices", "PixelData"):
                header.add(element)
        stripped.append(header)
    return stripped


class DicomSegWriter(MaskWriter):
    name = "dicom_seg"
    formats = ("dicom",)

    def write(self, volume: Volume, masks: dict[int, np.ndarray], out_dir: Path) -> dict[int, str]:
        import io

        import highdicom
        from pydicom.uid import generate_uid

        geometry = volume.properties["geometry"]
        stack = np.zeros(geometry.spatial_shape, np.uint8)
        for position, mask in masks.items():
            stack[position] = mask
        segmentation = highdicom.seg.Segmentation(
            source_images=_without_declared_spacing(volume.properties["source_images"]),
            pixel_array=geometry.with_array(stack).match_geometry(volume.properties["stored_geometry"]),
            segmentation_type=highdicom.seg.SegmentationTypeValues.BINARY,
            segment_descriptions=[segment_description()],
            series_instance_uid=generate_uid(),
            series_number=SERIES_NUMBER,
            sop_instance_uid=generate_uid(),
            instance_number=1,
            manufacturer="mritool",
            manufacturer_model_name="mritool two-stage FLAIR abnormality screening",
            software_versions=__version__,
            device_serial_number="0",
            series_description=f"mritool {SEGMENT_LABEL}",
            omit_empty_frames=bool(stack.any()),
        )
        buffer = io.BytesIO()
        segmentation.save_as(buffer)
        path = out_dir / safe_name(f"{volume.patient_id}_seg.dcm")
        write_bytes_atomic(path, buffer.getvalue())
        return {position: str(path) for position in masks}

    def read(self, volume: Volume, files: dict[int, str]) -> dict[int, np.ndarray]:
        import highdicom

        stacks = {}
        for path in set(files.values()):
            try:
                seg = highdicom.seg.segread(path)
                stack = seg.get_volume(combine_segments=True).match_geometry(volume.properties["geometry"]).array
            except Exception as exc:  # highdicom and pydicom raise many types for files that are not such a SEG
                raise MritoolError(f"{path}: not a SEG of this study ({type(exc).__name__}: {exc})") from None
            stacks[path] = stack > 0
        return {position: stacks[path][position] for position, path in files.items()}


register_writer(DicomSegWriter())
