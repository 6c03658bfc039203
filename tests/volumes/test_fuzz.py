"""The readers fuzzed from valid files whose bytes hypothesis mutates (flips, truncations, insertions,
huge numbers): whatever the bytes, a study reads to a volume or to a MritoolError of one line, never
another exception or a hang; the header parsing of ``volumes/limits.py`` never raises. A short run here,
a longer one in ``benchmarks/fuzz_readers.py``; inputs that once failed stay in ``EXAMPLES``."""

import json
import shutil
import struct
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mritool.errors import MritoolError
from mritool.volumes.image import decode
from mritool.volumes.limits import declared_size, tiff_first_page
from mritool.volumes.readers import find_studies, read_study

EXAMPLES = 60  # per format; the benchmark runs thousands


def _image():
    image = np.zeros((48, 48, 3), np.uint8)
    cv2.circle(image, (24, 24), 10, (200, 180, 160), -1)
    return image


def _corpus() -> dict[str, tuple[str, bytes, dict]]:
    """format -> (file name, valid bytes, other files of its study)."""
    import nibabel
    from pydicom.data import get_testdata_file

    folder = Path(tempfile.mkdtemp())
    tifffile.imwrite(folder / "s.tif", _image())
    mask = cv2.imencode(".png", np.zeros((48, 48), np.uint8))[1].tobytes()
    nibabel.save(nibabel.Nifti1Image(np.arange(8 * 8 * 4, dtype=np.int16).reshape(8, 8, 4), np.eye(4)),
                 folder / "P_flair.nii.gz")
    dicom = get_testdata_file("MR_small.dcm")
    import pydicom

    uid = pydicom.dcmread(dicom, stop_before_pixels=True).SeriesInstanceUID
    corpus = {
        "tiff": ("P_1.tif", (folder / "s.tif").read_bytes(), {"P_1_mask.png": mask}),
        "png": ("P_1.png", cv2.imencode(".png", _image())[1].tobytes(), {"P_1_mask.png": mask}),
        "jpeg": ("P_1.jpg", cv2.imencode(".jpg", _image())[1].tobytes(), {}),
        "nifti": ("P_flair.nii.gz", (folder / "P_flair.nii.gz").read_bytes(), {}),
        "dicom": ("MR.dcm", Path(dicom).read_bytes(), {"mritool-series.json": json.dumps({"flair": uid}).encode()}),
    }
    shutil.rmtree(folder)
    return corpus


CORPUS = _corpus()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "huge"]))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:  # a size or offset field turned enormous
            data[at:at + 4] = struct.pack("<I", draw(st.sampled_from([2**31 - 1, 2**32 - 1, 65535, 0])))
    return bytes(data)


def check(fmt: str, data: bytes) -> None:
    name, _, others = CORPUS[fmt]
    with tempfile.TemporaryDirectory() as folder:
        study_folder = Path(folder) / "P"
        study_folder.mkdir()
        (study_folder / name).write_bytes(data)
        for other, content in others.items():
            (study_folder / other).write_bytes(content)
        try:
            for study in find_studies(folder):
                volume = read_study(study)
                assert all(ref.error is None or "\n" not in ref.error for ref in volume.refs)
                assert all("\n" not in problem.reason for problem in volume.problems)
        except MritoolError as exc:
            assert "\n" not in str(exc), str(exc)
        head = data[:64]
        path = study_folder / name
        assert declared_size(path, head) is None or len(declared_size(path, head)) == 2
        tiff_first_page(path)


def _without(tag: str) -> bytes:
    """MR_small without one attribute: what the fuzzing found the reader failing on (an AttributeError)."""
    import io

    import pydicom
    from pydicom.data import get_testdata_file

    dataset = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    delattr(dataset, tag)
    buffer = io.BytesIO()
    dataset.save_as(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("tag", ["SeriesInstanceUID", "ImagePositionPatient", "PixelSpacing"])
def test_an_instance_lacking_what_places_it_is_one_line(tag):
    check("dicom", _without(tag))


def test_a_damaged_value_representation_in_the_study_uid_is_one_line():
    """The fuzzing's second find: pydicom decodes lazily, and finding studies raised NotImplementedError."""
    data = bytearray(CORPUS["dicom"][1])
    at = data.find(b"\x20\x00\x0d\x00UI")  # (0020,000D) StudyInstanceUID, explicit VR
    data[at + 4:at + 6] = b"TI"
    check("dicom", bytes(data))


def test_a_png_chunk_claiming_gigabytes_is_refused_before_it_is_decoded():
    """The fuzzing's third find: OpenCV allocated what a damaged IDAT length claimed (4 GB, 4 s)."""
    name, data, others = CORPUS["png"]
    data = bytearray(data)
    at = data.find(b"IDAT") - 4
    data[at:at + 4] = struct.pack(">I", 2**31 - 1)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_bytes(bytes(data))
        with pytest.raises(MritoolError, match=r"a damaged PNG \(chunk b'IDAT' claims 2147483647 bytes"):
            decode(Path(folder) / name)
    check("png", bytes(data))


@pytest.mark.parametrize("fmt", sorted(CORPUS))
def test_a_mutated_file_reads_or_fails_with_one_line(fmt):
    @settings(max_examples=EXAMPLES, deadline=10_000, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=mutated(CORPUS[fmt][1]))
    def fuzz(data):
        check(fmt, data)

    fuzz()
