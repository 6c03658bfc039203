import dataclasses
import json
import shutil

import numpy as np
import pytest

from mritool.bundle.card import write_card
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.ensemble import OUTPUTS
from mritool.data.preprocessing import volume_input
from mritool.errors import MritoolError
from mritool.recipes.ensemble import ensemble as make_ensemble, ensemble_classifiers, ensemble_segmenters
from mritool.recipes.screen import screen
from mritool.data.labelled import labelled_data


def _member(tiny_models, folder, kind="classifier", **card_changes):
    """The tiny model of ``kind`` with its output bias moved: another model of that stage on the same split."""
    folder.mkdir()
    for name in (f"{kind}.keras", f"{kind}.json", "split.json"):
        shutil.copyfile(tiny_models / name, folder / name)
    opened = ModelFolder.open(folder, needs=(kind,))
    model, card = opened.keras_model(kind), opened.card(kind)
    last = model.get_layer(OUTPUTS[kind])
    kernel, offset = last.get_weights()
    last.set_weights([kernel, offset + 1.0])
    model.save(folder / f"{kind}.keras")
    write_card(folder, dataclasses.replace(card, **card_changes))
    return folder


@pytest.fixture(scope="module")
def ensemble(phantoms, tiny_models, tmp_path_factory):
    """(folder, its card, the second member's folder): the tiny classifier and a shifted copy, averaged."""
    root = tmp_path_factory.mktemp("ensemble")
    member = _member(tiny_models, root / "member")
    card = ensemble_classifiers([tiny_models, member], root / "ensemble", phantoms, segmenters=[tiny_models])
    return root / "ensemble", card, member


def test_an_ensemble_outputs_its_members_mean_and_screens_with_a_retuned_segmenter(phantoms, tiny_models, ensemble,
                                                                                 tmp_path):
    folder, card, member = ensemble
    assert [m["folder"] for m in card.model["members"]] == [str(tiny_models), str(member)]
    assert card.validation_metrics["sensitivity"] >= card.target_sensitivity

    data = labelled_data(phantoms)
    volume = data.volumes[0]
    inputs = volume_input(volume, volume.readable(), card.preprocessing)
    outputs = [ModelFolder.open(models, needs=("classifier",)).keras_model("classifier").predict(inputs, verbose=0)
               for models in (tiny_models, member, folder)]
    assert not np.allclose(outputs[0], outputs[1], atol=1e-3)
    np.testing.assert_allclose(outputs[2], (outputs[0] + outputs[1]) / 2, atol=1e-5)

    segmenter = json.loads((folder / "segmenter.json").read_text())
    assert segmenter["postprocessing_tuning"]["scope"].startswith("validation patients, behind the classifier")
    slices = screen(phantoms, folder, tmp_path / "out", qa="none").slices
    assert len(slices) == len(data.slices) and (slices["status"] == "ok").all()


def test_segmenters_average_into_one_map_tuned_alone_and_behind_the_classifier(phantoms, tiny_models, ensemble,
                                                                              tmp_path):
    folder = tmp_path / "both"
    shutil.copytree(ensemble[0], folder)
    member = _member(tiny_models, tmp_path / "segmenter", "segmenter")
    card = ensemble_segmenters([tiny_models, member], folder, phantoms)
    assert card.model["architecture"] == "mean of 2 segmenters"
    assert card.validation_metrics["scope"] == "all validation slices, no classifier in front"
    assert card.postprocessing_tuning["scope"].startswith("validation patients, behind the classifier")

    volume = labelled_data(phantoms).volumes[0]
    inputs = volume_input(volume, volume.readable(), card.preprocessing)
    maps = [ModelFolder.open(models, needs=("segmenter",)).keras_model("segmenter").predict(inputs, verbose=0)
            for models in (tiny_models, member, folder)]
    assert not np.allclose(maps[0], maps[1], atol=1e-3)
    np.testing.assert_allclose(maps[2], (maps[0] + maps[1]) / 2, atol=1e-5)
    assert (screen(phantoms, folder, tmp_path / "out", qa="none").slices["status"] == "ok").all()


def test_one_classifier_is_kept_as_it_is_with_the_segmenters_mean_behind_it(phantoms, tiny_models, tmp_path):
    member = _member(tiny_models, tmp_path / "segmenter", "segmenter")
    card = ensemble_classifiers([tiny_models], tmp_path / "out", phantoms, segmenters=[tiny_models, member])
    original = ModelFolder.open(tiny_models, needs=("classifier",)).classifier
    assert (card.weights_sha256, card.threshold) == (original.weights_sha256, original.threshold)
    segmenter = json.loads((tmp_path / "out" / "segmenter.json").read_text())
    assert segmenter["model"]["architecture"] == "mean of 2 segmenters"
    assert segmenter["postprocessing_tuning"]["scope"].startswith("validation patients, behind the classifier")


def test_segmenters_shown_different_neighbour_slices_each_read_their_own_channels(phantoms, tiny_models, tmp_path):
    from mritool.bundle.fit_config import FitConfig
    from mritool.data.preprocessing import PreprocessConfig
    from mritool.segmenter.train import train_segmenter

    wide = tmp_path / "neighbours"
    train_segmenter(phantoms, wide, FitConfig(epochs=1, batch_size=4, steps_per_epoch=2),
                    PreprocessConfig(image_size=32, neighbour_slices=1), split_path=tiny_models / "split.json",
                    base_filters=4, depth=2)
    folder = tmp_path / "mixed"
    card = make_ensemble([], folder, phantoms, segmenters=[tiny_models, wide])  # no classifier: the segmenters alone
    assert card.preprocessing.neighbour_slices == 1 and card.model["architecture"] == "mean of 2 segmenters"

    volume = labelled_data(phantoms).volumes[0]
    maps = []
    for models in (tiny_models, wide, folder):
        opened = ModelFolder.open(models, needs=("segmenter",))
        inputs = volume_input(volume, volume.readable(), opened.segmenter.preprocessing)
        maps.append(opened.keras_model("segmenter").predict(inputs, verbose=0))
    assert not np.allclose(maps[0], maps[1], atol=1e-3)
    np.testing.assert_allclose(maps[2], (maps[0] + maps[1]) / 2, atol=1e-5)

    for name in ("classifier.keras", "classifier.json"):  # a classifier in front: screened on the card's runtime
        shutil.copyfile(tiny_models / name, folder / name)
    assert (screen(phantoms, folder, tmp_path / "out", qa="none").slices["status"] == "ok").all()
    with pytest.raises(MritoolError, match="at least twice"):
        make_ensemble([], tmp_path / "one", phantoms, segmenters=[wide])


def test_members_must_share_inputs_and_split(phantoms, tiny_models, tmp_path):
    card = ModelFolder.open(tiny_models, needs=("classifier",)).classifier
    other_input = _member(tiny_models, tmp_path / "slice_normalised",
                          preprocessing=dataclasses.replace(card.preprocessing, normalization="slice"))
    with pytest.raises(MritoolError, match="preprocessing"):
        ensemble_classifiers([tiny_models, other_input], tmp_path / "a", phantoms)
    other_split = _member(tiny_models, tmp_path / "other_split")
    split = json.loads((other_split / "split.json").read_text())
    (other_split / "split.json").write_text(json.dumps({**split, "train": split["train"][1:],
                                                        "validation": split["validation"] + split["train"][:1]}))
    with pytest.raises(MritoolError, match="another split"):
        ensemble_classifiers([tiny_models, other_split], tmp_path / "b", phantoms)
    other_segmenter = _member(tiny_models, tmp_path / "other_segmenter", "segmenter")
    shutil.copyfile(other_split / "split.json", other_segmenter / "split.json")
    with pytest.raises(MritoolError, match="another split"):  # its post-processing would be tuned on other patients
        ensemble_classifiers([tiny_models], tmp_path / "d", phantoms, segmenters=[tiny_models, other_segmenter])
    assert not (tmp_path / "d").exists()
    with pytest.raises(MritoolError, match="at least two"):
        ensemble_classifiers([tiny_models], tmp_path / "c", phantoms)


def test_int8_leaves_the_mean_of_probabilities_in_float(phantoms, ensemble, tmp_path):
    """NNCF would quantize the averaged probabilities with per-sample ranges, clipping them at their mean."""
    pytest.importorskip("nncf", reason="INT8 is the int8 extra: pip install 'mritool[int8]'")
    import openvino as ov

    from mritool.recipes.quantize import quantize_models

    folder = tmp_path / "ensemble"
    shutil.copytree(ensemble[0], folder)
    record = quantize_models(folder, phantoms, patients=3)
    graph = ov.Core().read_model(folder / "int8" / record["stages"]["classifier"]["graph"])
    quantized = [op for op in graph.get_ordered_ops() if op.get_type_name() == "FakeQuantize"]
    assert quantized  # the members' convolutions are INT8
    assert not [op for op in quantized if op.input_value(0).get_node().get_type_name() == "Sigmoid"]
