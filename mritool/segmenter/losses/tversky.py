"""Tversky index (Salehi et al. 2017), the base of the focal-Tversky loss.

TI = (TP + s) / (TP + alpha * FN + (1 - alpha) * FP + s), computed over the whole batch: alpha > 0.5
weighs missed tumor above false alarm. Pooling the batch, with smoothing s = 1, keeps the gradient
defined on tumor-free slices: an all-empty batch predicted empty scores 1, and any false positive
on it lowers the index.
"""

from keras import ops


def tversky_index(y_true, y_pred, alpha: float = 0.7, smooth: float = 1.0):
    y_true = ops.cast(ops.reshape(y_true, [-1]), "float32")
    y_pred = ops.cast(ops.reshape(y_pred, [-1]), "float32")
    true_positive = ops.sum(y_true * y_pred)
    false_negative = ops.sum(y_true * (1 - y_pred))
    false_positive = ops.sum((1 - y_true) * y_pred)
    return (true_positive + smooth) / (
        true_positive + alpha * false_negative + (1 - alpha) * false_positive + smooth
    )
