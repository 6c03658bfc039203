"""Dice overlap.

``dice_score`` (NumPy, for evaluation) works on binary masks of any shape: a slice, or a patient
volume. Empty truth: an empty prediction scores 1.0 (nothing to find, nothing claimed) and any
predicted pixel scores 0.0. Evaluation reports per-slice Dice on tumor slices only and per-patient
Dice on the stacked volume, so this convention matters only for tumor-free volumes.

``DiceCoefficient`` (Keras, for training logs) is the soft Dice of the thresholded batch, smoothed
by 1 like the Tversky loss.
"""

import keras
import numpy as np
from keras import ops


def dice_score(truth: np.ndarray, prediction: np.ndarray) -> float:
    truth, prediction = truth.astype(bool), prediction.astype(bool)
    total = truth.sum() + prediction.sum()
    if total == 0:
        return 1.0
    return float(2 * np.logical_and(truth, prediction).sum() / total)


@keras.saving.register_keras_serializable(package="mritool")
class DiceCoefficient(keras.metrics.Metric):
    """Dice of (prediction >= threshold) over all pixels seen in the epoch."""

    def __init__(self, threshold: float = 0.5, name="dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = threshold
        self.intersection = self.add_variable(shape=(), initializer="zeros", name="intersection")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(ops.cast(y_pred, "float32") >= self.threshold, "float32")
        self.intersection.assign_add(ops.sum(y_true * y_pred))
        self.total.assign_add(ops.sum(y_true) + ops.sum(y_pred))

    def result(self):
        return (2 * self.intersection + 1) / (self.total + 1)

    def reset_state(self):
        self.intersection.assign(0.0)
        self.total.assign(0.0)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
