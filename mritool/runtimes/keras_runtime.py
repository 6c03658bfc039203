"""Keras graphs in TensorFlow, at the requested precision."""

import numpy as np

from mritool.machine import describe_machine
from mritool.runtimes.base import register_runtime


def keras_predictor(load, precision: str, weights_file):
    from mritool.runtimes.precision import with_precision

    compiled = with_precision(load(), precision)
    return lambda batch: np.asarray(compiled(batch, training=False), np.float32)


def keras_precisions() -> tuple[str, ...]:
    # TensorFlow emulates bfloat16 on a CPU without it, slower than float32.
    return ("float32", "bfloat16") if describe_machine(gpus=False).native_bfloat16 else ("float32",)


register_runtime("keras", keras_predictor, keras_precisions)
