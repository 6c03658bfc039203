"""Compressed DICOM as PACS exports it: each transfer syntax written by GDCM, read through pydicom's pixel
handlers to the same pixels and geometry as the uncompressed study, and the SEG written against the
compressed instances."""

import highdicom
import numpy as np
import pydicom
import pytest

from tests.containers import transcode, write_dicom_study
from mritool.errors import MritoolError
from mritool.volumes.readers import find_studies, read_study
from mritool.volumes.writers import writer_for
from tests.volumes.test_dicom import phantom  # noqa: F401 (a fixture)

LOSSLESS = ["JPEGLosslessProcess14_1", "JPEGLosslessProcess14", "JPEGLSLossless", "JPEG2000Lossless", "RLELossless"]
LOSSY = ["JPEGLSNearLossless", "JPEG2000"]


@pytest.mark.parametrize("syntax", LOSSLESS + LOSSY)
def test_each_compressed_syntax_reads_as_the_uncompressed_study(phantom, tmp_path, syntax):  # noqa: F811
    stack, _ = phantom
    plain = read_study(find_studies(_write(tmp_path / "plain", stack))[0])
    written = write_dicom_study(tmp_path / "packed", "P1", stack, seed=1)
    for files in written.values():
        for path in files:
            transcode(path, syntax)
    assert pydicom.dcmread(written["flair"][0]).file_meta.TransferSyntaxUID.is_compressed
    volume = read_study(find_studies(tmp_path / "packed")[0])
    tolerance = 0 if syntax in LOSSLESS else 0.01 * float(stack.max())
    np.testing.assert_allclose(np.stack(volume.images), np.stack(plain.images), atol=tolerance, rtol=0)
    np.testing.assert_allclose(volume.affine, plain.affine, atol=1e-6)

    masks = {k: np.zeros(stack.shape[1:3], bool) for k in range(len(volume.refs))}
    masks[2][10:20, 30:45] = True
    files = writer_for(volume.format).write(volume, masks, tmp_path)
    seg = highdicom.seg.segread(files[0])
    referenced = {item.ReferencedSOPInstanceUID for item in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    assert referenced <= {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in written["flair"]}
    back = writer_for(volume.format).read(volume, files)
    np.testing.assert_array_equal(np.stack([back[k] for k in sorted(back)]), np.stack([masks[k] for k in sorted(masks)]))


def test_pixels_no_decoder_here_can_read_are_one_line_naming_the_syntax(phantom, tmp_path):  # noqa: F811
    stack, _ = phantom
    written = write_dicom_study(tmp_path / "study", "P1", stack[:3], roles=("flair",))
    dataset = pydicom.dcmread(written["flair"][1])
    dataset.file_meta.TransferSyntaxUID = pydicom.uid.JPEGLosslessSV1
    dataset.PixelData = pydicom.encaps.encapsulate([b"\xff\xd8 not a JPEG stream \xff\xd9"])
    dataset.save_as(written["flair"][1], enforce_file_format=True)
    with pytest.raises(MritoolError, match=r"JPEG Lossless.*\(1\.2\.840\.10008\.1\.2\.4\.70\) cannot be decoded") as raised:
        read_study(find_studies(tmp_path / "study")[0])
    assert "\n" not in str(raised.value)


def _write(folder, stack):
    write_dicom_study(folder, "P1", stack, seed=1)
    return folder
