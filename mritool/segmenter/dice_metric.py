"""The Dice coefficient as a Keras metric, for training logs: the Dice of the thresholded batch over all
pixels seen in the epoch, smoothed by 1 like the Tversky loss. Evaluation uses ``mritool.metrics.dice``."""

import keras
from keras import ops


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
