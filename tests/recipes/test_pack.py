"""A bundle made by ``pack``: float16 weights that screen as the trained folder does, usable as the default."""

import json

import numpy as np
import pytest

from mritool.bundle import default
from mritool.bundle.card import read_card
from mritool.bundle.description import describe_bundle
from mritool.bundle.model_folder import ModelFolder
from mritool.errors import MritoolError
from mritool.recipes.pack import pack_bundle
from mritool.recipes.screen import screen


@pytest.fixture(scope="module")
def bundle(tiny_models, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "default"
    info = pack_bundle(tiny_models, out, "default", "0.test", "mritool pack ...")
    return out, info


def test_weights_are_stored_as_float16_and_cards_match_them(bundle, tiny_models):
    out, info = bundle
    assert info["stored_as"] == "float16" and json.loads((out / "bundle.json").read_text())["version"] == "0.test"
    for kind in ("classifier", "segmenter"):
        opened = ModelFolder.open(out, needs=(kind,))
        model, card = opened.keras_model(kind), opened.card(kind)  # the checksum in the card is the new file's
        stored = {w.dtype for layer in model.layers[:-1] for w in layer.weights}
        assert stored == {"float16"}, stored
        assert card.model["stored_as"] == "float16"
        original = read_card(tiny_models, kind)
        assert card.preprocessing == original.preprocessing and card.reproduce == original.reproduce
        assert (out / f"{kind}.keras").stat().st_size < (tiny_models / f"{kind}.keras").stat().st_size


def test_the_bundle_screens_as_the_trained_folder(bundle, tiny_models, phantoms, tmp_path):
    out, _ = bundle
    trained = screen(phantoms, tiny_models, tmp_path / "trained", qa="none", runtime="keras", precision="float32").slices
    packed = screen(phantoms, out, tmp_path / "packed", qa="none", runtime="keras", precision="float32").slices
    np.testing.assert_allclose(packed["tumor_probability"], trained["tumor_probability"], atol=2e-3)


def test_screen_without_models_or_out_uses_the_default(bundle, phantoms, tmp_path, monkeypatch):
    out, _ = bundle
    monkeypatch.setattr(default, "PACKAGED", out.parent)
    monkeypatch.chdir(tmp_path)
    result = screen(phantoms, qa="none")
    assert result.out_dir == tmp_path / f"{phantoms.name}-mritool"
    origin = json.loads((result.out_dir / "provenance.json").read_text())
    assert origin["bundle"] == "default 0.test" and origin["models"] == str(out)
    assert "default 0.test" in (result.out_dir / "report.html").read_text()
    with pytest.raises(MritoolError, match="holds another run.s results"):  # an existing output is refused as before
        screen(phantoms, qa="none")


def test_no_default_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(default, "PACKAGED", tmp_path)
    with pytest.raises(MritoolError, match="this installation has no default model"):
        default.model_folder(None)
    assert default.model_folder(tmp_path / "mine") == tmp_path / "mine"  # a given folder is taken as it is


def test_models_prints_the_bundle_card(bundle):
    out, _ = bundle
    (out / "README.md").write_text("# The default model\nTrained on phantoms.\n")
    (out / "license.txt").write_text("CC BY-NC-SA 4.0\n")
    text = describe_bundle(ModelFolder.open(out))
    assert text.startswith("default 0.test") and "threshold" in text and "float16" in text
    assert "Trained on phantoms." in text and str(out / "license.txt") in text
