"""Keras graphs in TensorFlow, at the requested precision."""

import numpy as np

from mritool.runtimes.base import register_runtime


def keras_predictor(load, precision: str, weights_file):
    from mritool.runtimes.precision import with_precision

    compiled = with_precision(load(), precision)
    return lambda batch: np.asarray(compiled(batch, training=False), np.float32)


register_runtime("keras", keras_predictor)
