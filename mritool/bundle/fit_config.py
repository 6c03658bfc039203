"""How a stage was fitted: the settings the fit loop takes, recorded in the card's training section."""

from dataclasses import asdict, dataclass

from mritool.errors import MritoolError

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")  # Keras dtype policies to train under
AUTO = "auto"  # the policy this machine computes fastest (mritool.machine.training_policy)
# plateau: halve the learning rate when validation stalls, stop on patience, keep the best epoch by
# the monitored value. cosine: a fixed number of epochs on a cosine decay, keep the final weights, so
# no choice is made on the few validation patients. budget: the same cosine decay spread over the
# wall-clock budget instead of an epoch count, so a run anneals fully however fast the machine is.
SCHEDULES = ("plateau", "cosine", "budget")


@dataclass
class FitConfig:
    epochs: int = 40
    batch_size: int = 16
    learning_rate: float = 1e-3
    steps_per_epoch: int | None = None  # None: one pass over the training slices
    patience: int = 8
    seed: int = 0
    precision: str = AUTO
    time_budget_min: float | None = None
    schedule: str = "plateau"
    ema_momentum: float | None = None  # weights averaged over training (Polyak), validated and saved

    def __post_init__(self):
        if self.precision not in (AUTO, *POLICIES):
            raise MritoolError(f"precision must be one of {(AUTO, *POLICIES)}, not {self.precision!r}")
        if self.schedule not in SCHEDULES:
            raise MritoolError(f"schedule must be one of {SCHEDULES}, not {self.schedule!r}")
        if self.schedule == "budget" and not self.time_budget_min:
            raise MritoolError("the budget schedule needs a time budget")
        if self.ema_momentum is not None and not 0 < self.ema_momentum < 1:
            raise MritoolError(f"EMA momentum must be between 0 and 1, not {self.ema_momentum}")
        if self.epochs < 1 or self.batch_size < 1 or self.learning_rate <= 0:
            raise MritoolError("epochs and batch size must be at least 1 and the learning rate positive")

    def to_dict(self) -> dict:
        return asdict(self)
