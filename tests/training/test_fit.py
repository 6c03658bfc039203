import json

import pandas as pd

from mritool.data.preprocessing import PreprocessConfig
from mritool.segmenter.train import train_segmenter
from mritool.training.fit import FitConfig, TimeBudget


def test_resume_continues_from_the_last_checkpoint(phantoms, tmp_path):
    preprocessing = PreprocessConfig(image_size=32)
    common = dict(preprocessing=preprocessing, validation_fraction=0.34, base_filters=4, depth=2)
    train_segmenter(phantoms, tmp_path, FitConfig(epochs=1, batch_size=4, steps_per_epoch=2), **common)
    first_log = pd.read_csv(tmp_path / "segmenter_log.csv")
    train_segmenter(phantoms, tmp_path, FitConfig(epochs=3, batch_size=4, steps_per_epoch=2), resume=True, **common)
    log = pd.read_csv(tmp_path / "segmenter_log.csv")
    assert log["epoch"].tolist() == [0, 1, 2]
    assert log.iloc[0].equals(first_log.iloc[0])  # the first epoch's row is kept, not retrained
    assert json.loads((tmp_path / "segmenter.json").read_text())["training"]["epochs_run"] == 3


class _Model:
    stop_training = False


def test_time_budget_stops_before_an_epoch_that_would_overrun():
    budget = TimeBudget(minutes=1)
    budget.set_model(_Model())
    budget.started -= 30  # 30 s spent before the first epoch
    budget.on_epoch_begin(0)
    budget.epoch_started -= 5  # a 5 s epoch ends at 35 s: another fits in the minute
    budget.on_epoch_end(0)
    assert not budget.model.stop_training
    budget.started -= 14
    budget.on_epoch_begin(1)
    budget.epoch_started -= 14  # a 14 s epoch ends at 49 s: the next would end at 63 s
    budget.on_epoch_end(1)
    assert budget.model.stop_training and budget.stopped_early
