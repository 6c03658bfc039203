"""Runtimes: what turns a trained model into a batch predictor (Keras, OpenVINO, ONNX Runtime; float32, bfloat16, INT8)."""

import importlib
import pkgutil

from mritool.runtimes.base import (Predictor, load_predictor, make_predictor, predict_in_batches, register_runtime,
                                   registered_runtimes, runnable, runtime_precisions)

__all__ = ["Predictor", "load_predictor", "make_predictor", "predict_in_batches", "register_runtime", "registered_runtimes",
           "runnable", "runtime_precisions"]

# Every other module of this package but the precision helper is a built-in runtime.
for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "precision"):
        importlib.import_module(f"{__name__}.{_module.name}")
