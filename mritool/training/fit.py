"""The fit loop both stages share: best and last checkpoints, resume, early stopping, LR reduction,
a per-epoch CSV log, a learning-curve PNG and an optional wall-clock budget."""

import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import keras
import pandas as pd

from mritool.bundle.fit_config import AUTO, FitConfig
from mritool.io import save_atomic, write_text_atomic
from mritool.machine import describe_machine, training_policy
from mritool.runtimes.precision import policy_of
from mritool.training.plots import plot_learning_curve


class TimeBudget(keras.callbacks.Callback):
    """Stops before an epoch that would end past the budget, so the best checkpoint is always whole.
    ``shortest``: the fewest epochs in which the schedule could end on its own; where the second epoch
    (the first also builds the graphs) shows the budget holds fewer, the cut is certain and is said then,
    not only when it comes (on a slow machine that is an hour sooner)."""

    def __init__(self, minutes: float, name: str = "training", shortest: int | None = None):
        super().__init__()
        self.seconds, self.name, self.shortest = minutes * 60, name, shortest
        self.started = time.monotonic()
        self.epoch_started = self.started
        self.longest_epoch = 0.0
        self.epochs_seen = 0
        self.stopped_early = False

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        took = now - self.epoch_started
        self.longest_epoch = max(self.longest_epoch, took)
        self.epochs_seen += 1
        if now - self.started + self.longest_epoch > self.seconds:
            self.stopped_early = True
            self.model.stop_training = True
        elif self.epochs_seen == 2 and self.shortest is not None:
            fits = 2 + int((self.seconds - (now - self.started)) // took)
            if fits < self.shortest:
                print(f"WARNING: {self.name}: at {took:.0f} s an epoch the {self.seconds / 60:g}-minute "
                      f"time budget holds about {fits} epochs, fewer than the {self.shortest} its schedule needs at "
                      "the least: it will be cut short (a longer --time-budget, or --init to fine-tune, fits this "
                      "machine better)", file=sys.stderr)


class BudgetCosine(keras.callbacks.Callback):
    """Cosine decay of the learning rate over the wall-clock budget, set before every step. The budget
    stops the run about one epoch before its end, where the rate is already near its floor."""

    def __init__(self, rate: float, minutes: float, floor: float = 0.01):
        super().__init__()
        self.rate, self.seconds, self.floor = rate, minutes * 60, floor
        self.started = time.monotonic()

    def rate_at(self, elapsed_s: float) -> float:
        done = min(elapsed_s / self.seconds, 1.0)
        return self.rate * (self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * done)))

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = self.rate_at(time.monotonic() - self.started)

    def on_epoch_end(self, epoch, logs=None):  # into the log, as the plateau schedule's rate is
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class LegRecord(keras.callbacks.Callback):
    """Each run of a stage's training, one leg: a resumed run adds one, maybe on another machine. Its
    epochs, the precision its layers computed in, the machine and the wall time, written after every
    epoch so that an interrupted leg is kept too."""

    def __init__(self, path: Path, initial_epoch: int, leg: dict):
        super().__init__()
        earlier = json.loads(path.read_text()) if initial_epoch and path.is_file() else []
        # the log, not this file, says how many epochs were kept: a leg killed between the two may name one more
        earlier = [{**old, "epochs": [old["epochs"][0], min(old["epochs"][1], initial_epoch)]}
                   for old in earlier if old["epochs"][0] <= initial_epoch]
        recorded = earlier[-1]["epochs"][1] if earlier else 0
        if recorded < initial_epoch:  # epochs trained before legs were recorded
            earlier.append({"epochs": [recorded + 1, initial_epoch], "precision": None, "machine": None,
                            "wall_time_s": None})
        self.path, self.started = path, time.monotonic()
        self.legs = earlier + [{"epochs": [initial_epoch + 1, initial_epoch], **leg, "wall_time_s": 0.0}]

    def on_epoch_end(self, epoch, logs=None):
        self.legs[-1]["epochs"][1] = epoch + 1
        self.legs[-1]["wall_time_s"] = round(time.monotonic() - self.started, 1)
        write_text_atomic(self.path, json.dumps(self.legs, indent=1) + "\n")


class ResumedPlateau(keras.callbacks.Callback):
    """On a resumed run, gives early stopping and learning-rate reduction the best value and the epochs
    since it from the earlier epochs' log; without it they would count patience afresh."""

    def __init__(self, watchers, best: float, stale: int):
        super().__init__()
        self.watchers, self.best, self.stale = watchers, best, stale

    def on_train_begin(self, logs=None):
        for watcher in self.watchers:
            watcher.best, watcher.wait = self.best, self.stale


def prepare_session(config: FitConfig) -> tuple[FitConfig, dict]:
    """Seeds and the dtype policy; call before building a model. Returns the config with ``auto``
    resolved to this machine's fastest policy, and the card's record of that choice and the machine."""
    machine, asked = describe_machine(), config.precision
    policy, reason = training_policy(machine) if asked == AUTO else (asked, "asked for")
    config = dataclasses.replace(config, precision=policy)
    keras.utils.set_random_seed(config.seed)
    keras.config.set_dtype_policy(policy)
    print(f"training in {policy} ({reason}) on {machine}", file=sys.stderr)
    return config, {"precision_asked": asked, "precision_reason": reason, "machine": machine.to_dict()}


def make_optimizer(config: FitConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """Adam with the configured schedule and optional weight EMA."""
    rate = config.learning_rate
    if config.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=config.epochs * steps_per_epoch, alpha=0.01)
    ema = {"use_ema": True, "ema_momentum": config.ema_momentum} if config.ema_momentum else {}
    return keras.optimizers.Adam(rate, **ema)


def checkpoint_paths(out_dir: Path, name: str) -> dict:
    return {
        "best": out_dir / f"{name}.keras",
        "last": out_dir / "checkpoints" / f"{name}_last.keras",
        "log": out_dir / f"{name}_log.csv",
        "legs": out_dir / "checkpoints" / f"{name}_legs.json",
        "curve": out_dir / f"{name}_learning_curve.png",
    }


def discard_checkpoint(out_dir: Path, name: str) -> None:
    """A finished stage's resume state goes (its last epoch with the optimizer's state, three times the
    weights' size): a resumed run keeps a stage whose card is written and never reads it again."""
    paths = checkpoint_paths(Path(out_dir), name)
    for path in (paths["last"], paths["legs"]):
        path.unlink(missing_ok=True)
    if paths["last"].parent.is_dir() and not any(paths["last"].parent.iterdir()):
        paths["last"].parent.rmdir()


def resume_state(out_dir: Path, name: str):
    """(model, initial_epoch) from the last checkpoint and its log, or (None, 0) for a fresh start."""
    paths = checkpoint_paths(out_dir, name)
    if not paths["last"].is_file():
        return None, 0
    done = len(pd.read_csv(paths["log"])) if paths["log"].is_file() else 0
    return keras.models.load_model(paths["last"]), done


def _drop_optimizer(path: Path) -> None:
    """Re-save the kept model for inference only: without the optimizer's state (Adam's two moments per
    weight) a model folder is a third the size. Resuming uses the last checkpoint, which keeps it."""
    model = keras.models.load_model(path, compile=False)
    save_atomic(path, model.save)


def soonest_end(config: FitConfig, initial_epoch: int = 0, stale: int | None = None) -> int:
    """The fewest further epochs in which a plateau or cosine schedule can end on its own. ``stale``: on a
    resumed plateau run, the epochs since its best; early stopping then comes after ``patience - stale``
    more epochs without improvement, on a fresh run after ``patience + 1`` (its first epoch sets the best)."""
    left = config.epochs - initial_epoch
    if config.schedule != "plateau":
        return left
    return min(left, config.patience + 1 if stale is None else config.patience - stale)


def fit(model, train_ds, val_ds, out_dir, name, config: FitConfig, steps_per_epoch, monitor="val_loss",
        initial_epoch=0, hardware: dict | None = None) -> dict:
    """Train ``model`` (already compiled), then write the learning curve. Returns a summary for the card,
    with ``hardware`` (``prepare_session``'s record) and every leg of the run."""
    out_dir = Path(out_dir)
    paths = checkpoint_paths(out_dir, name)
    paths["last"].parent.mkdir(parents=True, exist_ok=True)
    hardware = dict(hardware or {})
    precision = policy_of(model)
    if precision != config.precision:
        # Keras restores each layer's policy with a checkpoint: a run resumed on another machine goes on in
        # the precision it started in, which the card must name
        hardware["precision_reason"] = (f"resumed from a checkpoint built in {precision}; this machine would "
                                        f"choose {config.precision} ({hardware.get('precision_reason', 'asked for')})")
        print(f"{name}: {hardware['precision_reason']}", file=sys.stderr)
    legs = LegRecord(paths["legs"], initial_epoch, {"precision": precision, "machine": hardware.get("machine")})
    mode = "max" if "dice" in monitor or "auc" in monitor else "min"
    # With EMA the averaged weights are swapped in at each epoch's end: validation and both
    # checkpoints see them.
    callbacks = [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if config.ema_momentum else []
    stale = None  # epochs since a resumed plateau run's best
    if config.schedule == "plateau":
        earlier = pd.read_csv(paths["log"])[monitor] if initial_epoch and paths["log"].is_file() else None
        best = None if earlier is None else (earlier.max() if mode == "max" else earlier.min())
        watchers = [
            keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=config.patience),
            keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode=mode, factor=0.5,
                                              patience=max(config.patience // 3, 1)),
        ]
        # a resumed run keeps the best epoch of the earlier ones unless it beats it
        callbacks += [keras.callbacks.ModelCheckpoint(paths["best"], monitor=monitor, mode=mode, save_best_only=True,
                                                      initial_value_threshold=best), *watchers]
        if earlier is not None:
            stale = len(earlier) - 1 - int((earlier.to_numpy() == best).nonzero()[0][0])  # epochs since the best
            callbacks.append(ResumedPlateau(watchers, float(best), stale))
    else:
        callbacks.append(keras.callbacks.ModelCheckpoint(paths["best"]))
    budget = None
    if config.time_budget_min is not None:
        budget = TimeBudget(config.time_budget_min, name,
                            None if config.schedule == "budget" else soonest_end(config, initial_epoch, stale))
    if config.schedule == "budget":
        callbacks.append(BudgetCosine(config.learning_rate, config.time_budget_min))
    callbacks += [
        keras.callbacks.ModelCheckpoint(paths["last"]),
        keras.callbacks.CSVLogger(paths["log"], append=initial_epoch > 0),
        legs,
    ] + ([budget] if budget else [])
    started = time.monotonic()
    model.fit(
        train_ds, validation_data=val_ds, epochs=config.epochs, initial_epoch=initial_epoch,
        steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=2,
    )
    _drop_optimizer(paths["best"])
    log = pd.read_csv(paths["log"])
    # Only the budget schedule is defined by the budget; a plateau or cosine run it stops is another,
    # shorter-trained model than its command describes.
    cut = bool(budget and budget.stopped_early and config.schedule != "budget")
    warning = None
    if cut:
        planned = f"{config.epochs} epochs" + (f" or {config.patience} epochs without improvement"
                                                if config.schedule == "plateau" else "")
        warning = (f"{name}: cut by the {config.time_budget_min:g}-minute time budget after {len(log)} epochs, "
                   f"before its schedule ended ({planned}); a faster machine or a longer budget trains further")
        print(f"WARNING: {warning}", file=sys.stderr)
    plot_learning_curve(log, paths["curve"])
    if config.schedule != "plateau":
        best, kept = log[monitor].iloc[-1], -1
    else:  # the checkpoint kept the first epoch that reached the best value (later ties do not replace it)
        best, kept = (log[monitor].max() if mode == "max" else log[monitor].min()), 0
    return {
        "epochs_run": int(len(log)),
        "best_epoch": int(log.loc[log[monitor] == best, "epoch"].iloc[kept]) + 1,
        "monitor": monitor,
        "best_value": float(best),
        "stopped_by_time_budget": bool(budget and budget.stopped_early),
        "epochs_planned": config.epochs,
        "cut_by_time_budget": cut,
        "warning": warning,
        "wall_time_s": round(time.monotonic() - started, 1),
        "precision": precision,
        **hardware,
        "legs": legs.legs,
    }
