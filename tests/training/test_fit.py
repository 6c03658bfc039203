import json

import pandas as pd

from mritool.data.preprocessing import PreprocessConfig
from mritool.segmenter.train import train_segmenter
from mritool.bundle.fit_config import FitConfig
from mritool.training.fit import LegRecord, TimeBudget, soonest_end


def test_resume_continues_from_the_last_checkpoint(phantoms, tmp_path):
    preprocessing = PreprocessConfig(image_size=32)
    common = dict(preprocessing=preprocessing, validation_fraction=0.34, base_filters=4, depth=2)
    train_segmenter(phantoms, tmp_path, FitConfig(epochs=1, batch_size=4, steps_per_epoch=2), **common)
    first_log = pd.read_csv(tmp_path / "segmenter_log.csv")
    train_segmenter(phantoms, tmp_path, FitConfig(epochs=3, batch_size=4, steps_per_epoch=2), resume=True, **common)
    log = pd.read_csv(tmp_path / "segmenter_log.csv")
    assert log["epoch"].tolist() == [0, 1, 2]
    assert log.iloc[0].equals(first_log.iloc[0])  # the first epoch's row is kept, not retrained
    training = json.loads((tmp_path / "segmenter.json").read_text())["training"]
    assert training["epochs_run"] == 3
    assert [leg["epochs"] for leg in training["legs"]] == [[1, 1], [2, 3]]  # one leg per run, on its machine
    assert all(leg["precision"] == training["precision"] and leg["machine"] == training["machine"]
               for leg in training["legs"])


def test_legs_follow_the_log_and_name_epochs_trained_before_they_were_recorded(tmp_path):
    path = tmp_path / "toy_legs.json"
    leg = {"precision": "float32", "machine": {"cpu": "x"}}
    assert [old["epochs"] for old in LegRecord(path, 3, leg).legs] == [[1, 3], [4, 3]]  # no record: a run from before
    assert LegRecord(path, 3, leg).legs[0]["precision"] is None
    path.write_text(json.dumps([{"epochs": [1, 4], **leg, "wall_time_s": 9.0}]))  # killed after its record, before its log
    record = LegRecord(path, 3, {**leg, "precision": "mixed_bfloat16"})
    assert [old["epochs"] for old in record.legs] == [[1, 3], [4, 3]] and record.legs[0]["precision"] == "float32"
    record.on_epoch_end(3)
    assert json.loads(path.read_text())[-1]["epochs"] == [4, 4]


class _Model:
    stop_training = False


def _pretend_epoch(budget, epoch, seconds):
    """An epoch of ``seconds`` without waiting: shift the clocks the callback reads."""
    budget.on_epoch_begin(epoch)
    budget.started -= seconds
    budget.epoch_started -= seconds
    budget.on_epoch_end(epoch)


def test_time_budget_stops_before_an_epoch_that_would_overrun():
    budget = TimeBudget(minutes=1)
    budget.set_model(_Model())
    budget.started -= 30  # 30 s of set-up before the first epoch
    _pretend_epoch(budget, 0, 5)  # ends at 35 s; another 5 s epoch fits in the minute
    assert not budget.model.stop_training
    _pretend_epoch(budget, 1, 14)  # ends at 49 s; the next would end at 63 s
    assert budget.model.stop_training and budget.stopped_early


def test_a_budget_too_short_for_the_schedule_is_said_after_the_second_epoch(capsys):
    budget = TimeBudget(minutes=10, name="classifier", shortest=13)
    budget.set_model(_Model())
    _pretend_epoch(budget, 0, 70)  # the first epoch also builds the graphs: not yet judged
    assert capsys.readouterr().err == ""
    _pretend_epoch(budget, 1, 60)  # 130 s gone, 470 s left: about 2 + 7 epochs, under 13
    assert "classifier: at 60 s an epoch the 10-minute time budget holds about 9 epochs, fewer than the 13" \
        in capsys.readouterr().err
    _pretend_epoch(budget, 2, 60)
    assert capsys.readouterr().err == "" and not budget.model.stop_training  # said once


def test_the_soonest_a_schedule_can_end():
    plateau = FitConfig(epochs=200, patience=12)
    assert soonest_end(plateau) == 13  # the first epoch sets the best, twelve more without improvement
    assert soonest_end(plateau, initial_epoch=20, stale=5) == 7  # resumed five epochs past its best
    assert soonest_end(FitConfig(epochs=10, patience=12)) == 10
    assert soonest_end(FitConfig(epochs=30, schedule="cosine"), initial_epoch=4) == 26


def test_a_budget_that_holds_the_schedule_says_nothing_early(capsys):
    budget = TimeBudget(minutes=10, name="classifier", shortest=9)
    budget.set_model(_Model())
    _pretend_epoch(budget, 0, 70)
    _pretend_epoch(budget, 1, 60)
    assert capsys.readouterr().err == ""


def test_cosine_schedule_runs_every_epoch_and_keeps_the_final_ema_weights(phantoms, tmp_path):
    import keras
    import numpy as np

    preprocessing = PreprocessConfig(image_size=32)
    config = FitConfig(epochs=3, batch_size=4, steps_per_epoch=2, patience=1, schedule="cosine", ema_momentum=0.9)
    train_segmenter(phantoms, tmp_path, config, preprocessing=preprocessing, validation_fraction=0.34,
                    base_filters=4, depth=2)
    card = json.loads((tmp_path / "segmenter.json").read_text())["training"]
    assert card["epochs_run"] == 3 and card["best_epoch"] == 3  # no early stop, the final epoch is kept
    kept = keras.models.load_model(tmp_path / "segmenter.keras", compile=False)
    last = keras.models.load_model(tmp_path / "checkpoints" / "segmenter_last.keras")
    assert all(np.array_equal(a, b) for a, b in zip(kept.get_weights(), last.get_weights()))
    assert last.optimizer.use_ema  # the saved weights are the averaged ones (SwapEMAWeights before saving)
    assert getattr(keras.models.load_model(tmp_path / "segmenter.keras"), "optimizer", None) is None  # for inference only


def test_fit_config_refuses_an_unknown_schedule_or_momentum():
    import pytest

    from mritool.errors import MritoolError

    with pytest.raises(MritoolError, match="schedule"):
        FitConfig(schedule="step")
    with pytest.raises(MritoolError, match="EMA momentum"):
        FitConfig(ema_momentum=1.5)


def test_budget_schedule_decays_the_rate_over_the_wall_clock_budget():
    from mritool.training.fit import BudgetCosine

    schedule = BudgetCosine(rate=1e-3, minutes=10, floor=0.01)
    assert schedule.rate_at(0) == 1e-3
    assert abs(schedule.rate_at(300) - 1e-3 * (0.01 + 0.99 * 0.5)) < 1e-12  # half way: half of the span
    assert schedule.rate_at(600) == schedule.rate_at(9000) == 1e-3 * 0.01  # the floor, and no further


def test_budget_schedule_needs_a_budget_and_sets_the_rate_while_training(phantoms, tmp_path):
    import keras
    import pytest

    from mritool.errors import MritoolError

    with pytest.raises(MritoolError, match="time budget"):
        FitConfig(schedule="budget")
    config = FitConfig(epochs=2, batch_size=4, steps_per_epoch=2, schedule="budget", time_budget_min=10)
    train_segmenter(phantoms, tmp_path, config, preprocessing=PreprocessConfig(image_size=32), validation_fraction=0.34,
                    base_filters=4, depth=2)
    last = keras.models.load_model(tmp_path / "checkpoints" / "segmenter_last.keras")
    # the rate was set below the starting rate by the callback, and the final weights are kept
    assert 0 < float(last.optimizer.learning_rate) < config.learning_rate
    assert json.loads((tmp_path / "segmenter.json").read_text())["training"]["best_epoch"] == 2


def test_a_run_the_budget_cut_short_says_so_in_the_card_and_on_stderr(phantoms, tmp_path, capfd):
    config = FitConfig(epochs=5, batch_size=4, steps_per_epoch=2, time_budget_min=0.001)
    train_segmenter(phantoms, tmp_path, config, preprocessing=PreprocessConfig(image_size=32), validation_fraction=0.34,
                    base_filters=4, depth=2)
    training = json.loads((tmp_path / "segmenter.json").read_text())["training"]
    assert training["epochs_run"] == 1 and training["epochs_planned"] == 5 and training["cut_by_time_budget"]
    assert "after 1 epochs, before its schedule ended (5 epochs or 8 epochs without improvement)" in training["warning"]
    assert f"WARNING: {training['warning']}" in capfd.readouterr().err


def test_auto_precision_follows_the_machine_and_is_recorded(monkeypatch):
    import keras

    from mritool.machine import Machine
    from mritool.training import fit

    for flags, policy in ((("avx2", "fma"), "float32"), (("avx2", "avx512f", "avx512_bf16"), "mixed_bfloat16")):
        monkeypatch.setattr(fit, "describe_machine", lambda flags=flags: Machine("AMD EPYC test CPU", 2, flags))
        try:
            config, record = fit.prepare_session(FitConfig())
            assert config.precision == policy == keras.config.dtype_policy().name
        finally:
            keras.config.set_dtype_policy("float32")
        assert record["precision_asked"] == "auto" and record["machine"]["flags"] == flags
        assert ("natively" in record["precision_reason"]) == (policy == "mixed_bfloat16")
    config, record = fit.prepare_session(FitConfig(precision="float32"))
    assert config.precision == "float32" and record["precision_reason"] == "asked for"


def test_a_resumed_plateau_run_keeps_the_earlier_best_epoch_and_its_patience(phantoms, tmp_path):
    import keras
    import numpy as np

    common = dict(preprocessing=PreprocessConfig(image_size=32), validation_fraction=0.34, base_filters=4, depth=2)
    train_segmenter(phantoms, tmp_path, FitConfig(epochs=1, batch_size=4, steps_per_epoch=2), **common)
    kept = keras.models.load_model(tmp_path / "segmenter.keras", compile=False).get_weights()
    log = pd.read_csv(tmp_path / "segmenter_log.csv")
    log.loc[0, "val_loss"] = -1.0  # an epoch no later one can beat
    log.to_csv(tmp_path / "segmenter_log.csv", index=False)
    train_segmenter(phantoms, tmp_path, FitConfig(epochs=4, batch_size=4, steps_per_epoch=2, patience=1), resume=True,
                    **common)
    training = json.loads((tmp_path / "segmenter.json").read_text())["training"]
    assert training["epochs_run"] == 2 and training["best_epoch"] == 1  # stopped after one stale epoch, not three
    best = keras.models.load_model(tmp_path / "segmenter.keras", compile=False).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(kept, best))


def _toy_fit(tmp_path, config, trainable=True, initial_epoch=0, model=None):
    """fit() on a one-layer model: the schedule's behaviour without a real network's cost."""
    import keras
    import numpy as np
    import tensorflow as tf

    from mritool.training.fit import fit

    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    if model is None:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.trainable = trainable
        model.compile(keras.optimizers.Adam(config.learning_rate), loss="binary_crossentropy")
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
    summary = fit(model, train, tf.data.Dataset.from_tensor_slices((x, y)).batch(4), tmp_path, "toy", config, 2,
                  initial_epoch=initial_epoch)
    return model, summary, pd.read_csv(tmp_path / "toy_log.csv")


def test_plateau_halves_the_rate_when_validation_stalls_stops_after_patience_and_keeps_the_first_best(tmp_path):
    import numpy as np

    config = FitConfig(epochs=20, batch_size=4, patience=3, learning_rate=1e-3, precision="float32")
    _, summary, log = _toy_fit(tmp_path, config, trainable=False)  # validation never improves on the first epoch
    assert summary["epochs_run"] == 4 and not summary["stopped_by_time_budget"]  # patience 3 after the best
    assert np.allclose(log["learning_rate"], [1e-3, 1e-3, 5e-4, 2.5e-4])  # halved after each stalled epoch
    assert summary["best_epoch"] == 1  # the epoch the checkpoint kept


def test_a_run_resumed_on_a_machine_of_another_precision_goes_on_in_its_own_and_says_so(tmp_path, capsys):
    import keras

    keras.config.set_dtype_policy("mixed_bfloat16")  # the checkpoint's machine
    try:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(8),
                                  keras.layers.Dense(1, activation="sigmoid", dtype="float32")])
    finally:
        keras.config.set_dtype_policy("float32")  # this machine's
    model.compile(keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    config = FitConfig(epochs=1, batch_size=4, precision="float32")
    _, summary, _ = _toy_fit(tmp_path, config, model=model)
    assert summary["precision"] == "mixed_bfloat16" and summary["legs"][-1]["precision"] == "mixed_bfloat16"
    assert "resumed from a checkpoint built in mixed_bfloat16; this machine would choose float32" in summary["precision_reason"]
    assert summary["precision_reason"] in capsys.readouterr().err


def test_a_cosine_run_under_a_budget_it_fits_runs_its_epochs(tmp_path, capsys):
    config = FitConfig(epochs=3, batch_size=4, schedule="cosine", time_budget_min=10, precision="float32")
    _, summary, log = _toy_fit(tmp_path, config)
    assert len(log) == 3 and not summary["cut_by_time_budget"] and "WARNING" not in capsys.readouterr().err


def test_a_resumed_budget_run_restarts_the_cosine_decay(tmp_path):
    config = FitConfig(epochs=10_000, batch_size=4, learning_rate=1e-3, schedule="budget", time_budget_min=0.3,
                       precision="float32")
    model, summary, log = _toy_fit(tmp_path, config)
    annealed = log["learning_rate"].iloc[-1]
    # an 18 s budget leaves it past half its decay even where a loaded machine slows the first epoch to 5 s
    assert summary["stopped_by_time_budget"] and annealed < 0.5e-3
    done = len(log)
    _, _, log = _toy_fit(tmp_path, FitConfig(**{**config.__dict__, "epochs": done + 1}), initial_epoch=done, model=model)
    restarted = log["learning_rate"].iloc[-1]
    assert len(log) == done + 1 and restarted > max(annealed, 0.5e-3)  # a warm restart: the decay begins again
