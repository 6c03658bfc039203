"""NIfTI studies (``.nii``, ``.nii.gz``), read with nibabel.

A study is one patient's co-registered sequences named as BraTS names them: ``<id>_t1``, ``<id>_flair``,
``<id>_t1ce`` (``_t2`` is ignored), with an optional truth mask ``<id>_seg``. A lone NIfTI with another
name is read as a FLAIR. Where files are named otherwise, a ``mritool-series.json`` in the folder names
them (``{"flair": "scan_3.nii.gz", "t1": "scan_1.nii.gz", "seg": "lesion.nii.gz"}``) and the folder is
one study, its patient id the folder's name. The channels are those the models were trained on (pre-contrast T1, FLAIR,
post-contrast T1); a missing sequence is replaced by the FLAIR, as the training data did, and the
volume's properties say so. A sequence on another grid than the FLAIR's is resampled onto it
(``volumes/resample.py``) where both affines map into one space (the NIfTI codes scanner or aligned,
or one template); where they do not, the study is refused rather than silently mixed, unless it is read
with ``--register`` (``Study.register``), which registers every other sequence onto the FLAIR.

Slices are axial, in the display convention of the ``kaggle_3m`` TIFFs: the volume is reoriented so
that rows run toward posterior and columns toward the patient's left, slices from inferior to superior.
The writer puts masks back through the inverse of that reorientation, onto the input's own grid.
"""

import re
from pathlib import Path

import numpy as np

from mritool.errors import MritoolError
from mritool.volumes.limits import check_slice_count, check_slice_size, check_volume
from mritool.volumes.readers.base import MANIFEST, Study, VolumeReader, read_manifest, register_reader
from mritool.volumes.register import describe_registration, register_onto
from mritool.volumes.resample import check_coverage, describe, onto_grid, same_grid
from mritool.volumes.volume import CHANNELS, Problem, SliceRef, Volume

NIFTI = re.compile(r"^(?P<id>.+?)(?:_(?P<role>t1|t1ce|flair|t2|seg))?\.nii(?:\.gz)?$", re.IGNORECASE)
ROLES = (*CHANNELS, "seg")
NIFTI_FILE = re.compile(r"\.nii(\.gz)?$", re.IGNORECASE)
DISPLAY_AXES = ("S", "P", "L")  # array axes after reorientation: slice, row, column
SCANNER_SPACES = {1, 2}  # NIfTI xform codes "scanner" and "aligned" (to a scanner space): one frame of reference


def display_orientation(affine: np.ndarray):
    """The nibabel orientation transform from a file's voxel axes to (slice, row, column) = (S, P, L)."""
    from nibabel import orientations

    return orientations.ornt_transform(orientations.io_orientation(affine), orientations.axcodes2ornt(DISPLAY_AXES))


def load_nifti(path: Path):
    import nibabel

    try:
        image = nibabel.load(path)
        shape = image.shape
    except Exception as exc:  # nibabel raises many types for corrupt or truncated files
        raise MritoolError(f"{path}: not a readable NIfTI ({exc})") from None
    if len(shape) != 3 and not (len(shape) == 4 and shape[3] == 1):
        raise MritoolError(f"{path}: a NIfTI of shape {shape} is not one 3D volume")
    return image


def nifti_data(image, path: Path) -> np.ndarray:
    """The voxels on the file's own axes."""
    try:
        return np.asanyarray(image.dataobj, dtype=np.float32).reshape(image.shape[:3])
    except Exception as exc:
        raise MritoolError(f"{path}: not a readable NIfTI ({exc})") from None


def nifti_pixels(image, path: Path, transform) -> np.ndarray:
    from nibabel import orientations

    return orientations.apply_orientation(nifti_data(image, path), transform)


def _space(image) -> int:
    """The NIfTI code of the space the affine maps into: the sform's, else the qform's, 0 when unknown."""
    header = image.header
    return int(header["sform_code"]) or int(header["qform_code"])


def _on_flair_grid(image, flair, flair_data: np.ndarray, path: Path, role: str, order: int,
                   preparation: list[str], register: bool) -> np.ndarray:
    """``image``'s voxels on the FLAIR's own axes (``flair_data``: the FLAIR's, read once): registered onto
    the FLAIR where ``register`` (never asked for a truth mask), else as stored where it shares the FLAIR's
    grid, else resampled in world coordinates where both affines map into the scanner's space (codes
    scanner or aligned) or one template space. What was done is recorded in ``preparation``."""
    own, flairs = _space(image), _space(flair)
    shared = bool(own and flairs and (own == flairs or {own, flairs} <= SCANNER_SPACES))
    if register:
        check_volume(image.shape[:3], path)
        pixels, transform = register_onto(nifti_data(image, path), image.affine, flair_data, flair.affine, shared)
        preparation.append(describe_registration(role, transform, flair.affine, flair.shape[:3]))
        return pixels
    if same_grid(image.shape[:3], image.affine, flair.shape[:3], flair.affine):
        return nifti_data(image, path)
    if not shared:
        remedy = "a truth mask must be drawn in the FLAIR's space" if role == "seg" else \
            "register it onto the FLAIR (--register)"
        raise MritoolError(f"{path}: its grid differs from the FLAIR's and its affine is not in the FLAIR's space "
                           f"({_space_name(own)} vs {_space_name(flairs)}); {remedy}")
    check_volume(image.shape[:3], path)
    check_coverage(image.shape[:3], image.affine, flair.shape[:3], flair.affine, path)
    preparation.append(describe(role, image.shape[:3], image.affine, flair.affine))
    return onto_grid(nifti_data(image, path), image.affine, flair.affine, flair.shape[:3], order)


def _space_name(code: int) -> str:
    from nibabel.nifti1 import xform_codes

    return xform_codes.label[code] if code in xform_codes.value_set() else f"code {code}"


class NiftiReader(VolumeReader):
    name = "nifti"
    description = "NIfTI studies (<id>_t1, <id>_flair, <id>_t1ce [.nii|.nii.gz])"

    def find(self, folder: Path, names: list[str]) -> list[Study]:
        nifti = [folder / name for name in names if NIFTI_FILE.search(name)]
        if MANIFEST in names and nifti:  # read() reads the manifest, so a bad one is this study's error row
            return [Study(folder.name, self.name, folder, (folder / MANIFEST, *nifti))]
        studies: dict[str, list[Path]] = {}
        for name in names:
            match = NIFTI.match(name)
            if match:
                studies.setdefault(match["id"], []).append(folder / name)
        return [Study(patient, self.name, folder, tuple(files)) for patient, files in sorted(studies.items())]

    def read(self, study: Study) -> Volume:
        manifest = read_manifest(study.location, ROLES) if study.files[0].name == MANIFEST else None
        roles = {role: study.location / name for role, name in manifest.items()} if manifest else {}
        for path in () if manifest else study.files:
            role = (NIFTI.match(path.name)["role"] or "flair").lower()
            if role in roles:
                raise MritoolError(f"{path}: a second {role} file for {study.patient_id} ({roles[role].name})")
            roles[role] = path
        if "flair" not in roles:
            raise MritoolError(f"{study.location}: study {study.patient_id} has no FLAIR ({study.patient_id}_flair.nii.gz)")
        flair = load_nifti(roles["flair"])
        transform = display_orientation(flair.affine)
        axis = int(np.flatnonzero(transform[:, 0] == 0)[0])  # the input's own axis the display slices run along
        check_slice_count(flair.shape[axis], roles["flair"])  # from the header, before the data is read
        check_slice_size(*(flair.shape[a] for a in range(3) if a != axis), roles["flair"])
        from nibabel import orientations

        flair_data = nifti_data(flair, roles["flair"])
        channels, missing, preparation = [], [], []
        for role in CHANNELS:
            if role not in roles:
                missing.append(role)
                role = "flair"
            if role == "flair":  # the FLAIR's own voxels, read once for every channel it fills
                pixels = flair_data
            else:
                pixels = _on_flair_grid(load_nifti(roles[role]), flair, flair_data, roles[role], role, 1, preparation,
                                        study.register)
            channels.append(np.clip(orientations.apply_orientation(pixels, transform), 0, None))  # z-scoring counts non-zero voxels
        stack = np.stack(channels, axis=-1)
        truth = None
        if "seg" in roles:
            seg = _on_flair_grid(load_nifti(roles["seg"]), flair, flair_data, roles["seg"], "seg", 0, preparation,
                                 False)
            truth = orientations.apply_orientation(seg, transform) > 0

        display_affine = flair.affine @ orientations.inv_ornt_aff(transform, flair.shape[:3])
        spacing = tuple(float(s) for s in np.linalg.norm(display_affine[:3, :3], axis=0))
        # the voxel index of each display slice along the input's own axis, for users to find it in a viewer
        flip = transform[axis, 1]
        count = stack.shape[0]
        voxel = [count - 1 - k if flip < 0 else k for k in range(count)]
        refs = [SliceRef(voxel[k], str(roles["flair"]), str(roles["seg"]) if truth is not None else None)
                for k in range(count)]
        masks = list(truth) if truth is not None else [None] * count
        properties = {"transform": transform, "shape": flair.shape[:3], "affine": flair.affine, "header": flair.header,
                      "flair": roles["flair"], "missing_sequences": missing, "slice_axis": axis,
                      "preparation": preparation}
        used = {roles[role] for role in ROLES if role in roles}
        skipped = [Problem(str(path), "not one of the sequences the models use (t1, flair, t1ce) or a truth", skipped=True)
                   for path in study.files if path not in used and path.name != MANIFEST]
        return Volume(study.patient_id, self.name, refs, list(stack), masks, spacing, display_affine, problems=skipped,
                      properties=properties)


register_reader(NiftiReader())
