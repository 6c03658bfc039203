"""The two stages loaded from a model folder as the run read it."""

import dataclasses
import shutil

import pytest

from mritool.bundle.card import read_card, write_card
from mritool.engine.stages import Stages
from mritool.errors import MritoolError


def test_a_model_folder_changed_after_the_run_read_it_is_refused_where_a_worker_loads_it(tiny_models, tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(tiny_models, folder)
    stages = Stages.open(folder, runtime="keras")
    assert Stages.open(folder, runtime="keras").load().classify is not None  # unchanged: loads
    card = read_card(folder, "classifier")
    write_card(folder, dataclasses.replace(card, threshold=card.threshold / 2))  # retuned while the run goes on
    with pytest.raises(MritoolError, match="the model folder changed after this run read it"):
        stages.load()
