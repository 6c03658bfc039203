"""A reader and a writer added from this file alone, and a screening run through them."""

from pathlib import Path

import numpy as np
import pytest
import tifffile

from mritool.recipes.screen import screen
from mritool.volumes import SliceRef, Volume
from mritool.volumes.readers import Study, VolumeReader, base as reader_base, register_reader
from mritool.volumes.writers import MaskWriter, base as writer_base, register_writer


class NumpyStackReader(VolumeReader):
    """``<patient>.npy``: an (S, H, W, 3) stack; ``<patient>_mask.npy`` beside it: (S, H, W) truth."""

    name = "toy_npy"
    description = "toy .npy stacks"

    def find(self, folder: Path, names: list[str]) -> list[Study]:
        return [Study(name[:-4], self.name, folder / name, (folder / name,))
                for name in names if name.endswith(".npy") and not name.endswith("_mask.npy")]

    def read(self, study: Study) -> Volume:
        stack = np.load(study.location)
        truth = np.load(study.location.with_name(f"{study.patient_id}_mask.npy"))
        refs = [SliceRef(k + 1, f"{study.location}#{k}") for k in range(len(stack))]
        return Volume(study.patient_id, self.name, refs, list(stack), list(truth > 0), spacing=(5.0, 1.0, 1.0))


class NumpyStackWriter(MaskWriter):
    name = "toy_npy"
    formats = ("toy_npy",)

    def write(self, volume, masks, out_dir):
        path = out_dir / f"{volume.patient_id}_pred.npy"
        np.save(path, np.stack([masks[p] for p in sorted(masks)]))
        return {p: f"{path}#{p}" for p in masks}

    def read(self, volume, files):
        return {p: np.load(file.split("#")[0])[p] for p, file in files.items()}


@pytest.fixture
def toy_plugins(monkeypatch):
    monkeypatch.setattr(reader_base, "_READERS", dict(reader_base._READERS))
    monkeypatch.setattr(writer_base, "_WRITERS", dict(writer_base._WRITERS))
    register_reader(NumpyStackReader(), first=True)
    register_writer(NumpyStackWriter())


def test_a_toy_reader_and_writer_screen_like_the_slice_folders_they_copy(toy_plugins, phantoms, tiny_models, tmp_path):
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    patients = sorted(p for p in phantoms.iterdir() if p.is_dir())[:2]
    for patient in patients:
        images = sorted((f for f in patient.glob("*.tif") if not f.stem.endswith("_mask")),
                        key=lambda f: int(f.stem.split("_")[-1]))
        np.save(stacks / f"{patient.name}.npy", np.stack([tifffile.imread(f) for f in images]))
        np.save(stacks / f"{patient.name}_mask.npy",
                np.stack([tifffile.imread(f.with_name(f.stem + "_mask.tif")) for f in images]))
    toy = screen(stacks, tiny_models, tmp_path / "toy", qa="none").slices
    folders = tmp_path / "folders"
    for patient in patients:
        (folders / patient.name).mkdir(parents=True)
        for f in patient.iterdir():
            (folders / patient.name / f.name).symlink_to(f)
    reference = screen(folders, tiny_models, tmp_path / "reference", qa="none").slices
    assert len(toy) == len(reference) == 24 and (toy["status"] == "ok").all()
    for column in ("patient_id", "slice_index", "tumor_probability", "screened_positive", "predicted_area_px",
                   "true_area_px", "overlap_px"):
        assert toy[column].tolist() == reference[column].tolist(), column
    written = np.load(tmp_path / "toy" / "masks" / f"{patients[0].name}_pred.npy")
    assert written.shape == (12, 64, 64)
    assert written.reshape(12, -1).sum(axis=1).tolist() == toy["predicted_area_px"].head(12).tolist()
