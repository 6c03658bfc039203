"""The model that ships inside the package: present, within the size limits, and screening the example
study that ships beside it."""

import json

import pytest

from mritool.bundle.card import KINDS, read_card, weights_path
from mritool.bundle.default import PACKAGED, bundle_info, model_folder
from mritool.bundle.description import LICENCES, MODEL_CARD, describe_bundle
from mritool.bundle.model_folder import ModelFolder
from mritool.recipes.screen import screen

EXAMPLE = PACKAGED.parents[1] / "examples"  # in a checkout: the repository's example study


def test_the_default_is_packaged_whole_and_small_enough():
    folder = model_folder()
    info = bundle_info(folder)
    assert info["name"] == "default" and info["stored_as"] == "float16"
    sizes = {kind: weights_path(folder, kind).stat().st_size for kind in KINDS}
    assert max(sizes.values()) < 50 * 2**20 and sum(sizes.values()) < 100 * 2**20
    for kind in KINDS:
        card = read_card(folder, kind)  # checksum checked against the weights
        assert card.model["stored_as"] == "float16"
        assert card.reproduce.startswith(("mritool train all", f"mritool train {kind}"))  # how it was trained
    assert all((folder / name).is_file() for name in (*LICENCES, MODEL_CARD, "split.json"))
    assert "CC BY-NC-SA 4.0" in (folder / "license.txt").read_text()
    description = describe_bundle(ModelFolder.open(folder))
    assert "Buda" in description and "confirmation:" in description  # the segmenter confirms the classifier


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example study sits in the repository, not in the package")
def test_the_default_screens_the_shipped_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = screen(EXAMPLE, qa="none")
    assert result.out_dir == tmp_path / "examples-mritool"
    patient = result.patients.iloc[0]
    slices = result.slices
    assert len(slices) == 28 and (slices["status"] == "ok").all()
    tumor = slices["true_tumor"].astype(bool)
    screened, confirmed = slices["screened_positive"].astype(bool), slices["confirmed"].astype(bool)
    assert confirmed[tumor].mean() >= 0.9  # a training patient: nearly all found
    assert not (confirmed & ~screened).any() and (slices.loc[~confirmed, "predicted_area_px"] == 0).all()
    assert patient["dice"] >= 0.7
    origin = json.loads((result.out_dir / "provenance.json").read_text())
    assert origin["bundle"] == f"default {bundle_info(model_folder())['version']}"
