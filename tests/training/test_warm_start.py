import json

import numpy as np
import pytest

from mritool.bundle.default import folder_of
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.fit_config import FitConfig
from mritool.data.preprocessing import PreprocessConfig
from mritool.errors import MritoolError
from mritool.segmenter.train import train_segmenter
from mritool.training.warm_start import started_from


def test_a_stage_fine_tuned_from_a_bundle_starts_from_its_weights_and_says_so(phantoms, tiny_models, tmp_path):
    opened = ModelFolder.open(tiny_models, needs=("segmenter",))
    initial, card = opened.keras_model("segmenter"), opened.card("segmenter")
    config = FitConfig(epochs=1, batch_size=4, steps_per_epoch=1, learning_rate=1e-9)  # the weights barely move
    common = dict(preprocessing=PreprocessConfig(image_size=32), validation_fraction=0.34, base_filters=4, depth=2)
    train_segmenter(phantoms, tmp_path / "warm", config, init=tiny_models, **common)
    train_segmenter(phantoms, tmp_path / "cold", FitConfig(**{**config.to_dict(), "seed": 1}), **common)
    warm, cold = (ModelFolder.open(tmp_path / name, needs=("segmenter",)).keras_model("segmenter") for name in ("warm", "cold"))
    kernel = 0  # the first convolution's kernel
    assert np.allclose(warm.weights[kernel].numpy(), initial.weights[kernel].numpy(), atol=1e-5)
    assert not np.allclose(cold.weights[kernel].numpy(), initial.weights[kernel].numpy(), atol=1e-2)
    recorded = json.loads((tmp_path / "warm" / "segmenter.json").read_text())["training"]["init"]
    assert recorded == {"from": str(tiny_models), "bundle": None, "weights_sha256": card.weights_sha256}
    assert json.loads((tmp_path / "cold" / "segmenter.json").read_text())["training"]["init"] is None


def test_fine_tuning_keeps_the_preprocessing_the_weights_learnt_on(phantoms, tiny_models, tmp_path):
    with pytest.raises(MritoolError, match="fine-tune it with the same preprocessing .e.g. --image-size 32"):
        train_segmenter(phantoms, tmp_path, FitConfig(epochs=1, batch_size=4, steps_per_epoch=1), init=tiny_models,
                        preprocessing=PreprocessConfig(image_size=64), validation_fraction=0.34, base_filters=4, depth=2)


def test_a_card_names_the_packaged_default_it_started_from_not_its_installed_path():
    shipped = ModelFolder.open("default", needs=("segmenter",))
    for init in ("default", folder_of("default")):
        assert started_from(init, "segmenter") == {"from": "default", "bundle": shipped.name,
                                                   "weights_sha256": shipped.card("segmenter").weights_sha256}
