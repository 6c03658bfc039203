"""Focal-Tversky loss (Abraham & Khan 2019): (1 - TI) ** gamma; gamma < 1 keeps pushing on hard cases
(small lesions) after the easy ones are already well segmented."""

import keras
from keras import ops

from mritool.segmenter.losses.tversky import tversky_index


@keras.saving.register_keras_serializable(package="mritool")
class FocalTverskyLoss(keras.losses.Loss):
    def __init__(self, alpha: float = 0.7, gamma: float = 0.75, smooth: float = 1.0, name="focal_tversky_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.alpha, self.gamma, self.smooth = alpha, gamma, smooth

    def call(self, y_true, y_pred):
        return ops.power(1 - tversky_index(y_true, y_pred, self.alpha, self.smooth), self.gamma)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma, "smooth": self.smooth}
