"""The predictor protocol and the runtime registry.

A predictor maps a float32 batch (n, h, w, 3) to the model's float32 output. A runtime is a factory
``(load, precision, weights file) -> predictor`` where ``load()`` gives the Keras model: a runtime that
has its own graph cached (OpenVINO, ONNX) never calls it, so screening with it never imports TensorFlow. A
model folder names the runtime its threshold and post-processing were tuned on (``ModelFolder.runtime``),
and ``screen``, ``tune`` and ``evaluate`` all build their predictors here from it. Adding a runtime is
adding one module to this package that calls ``register_runtime`` (the package imports every module in
it, so a runtime module imports its heavy libraries inside its factory).
"""

import functools
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.errors import MritoolError

Predictor = Callable[[np.ndarray], np.ndarray]
_RUNTIMES: dict[str, Callable] = {}
_PRECISIONS: dict[str, Callable[[], tuple[str, ...]]] = {}


def register_runtime(name: str, factory: Callable, precisions: Callable[[], tuple[str, ...]]) -> None:
    """``precisions()``: those the runtime computes natively on this machine."""
    _RUNTIMES[name] = factory
    _PRECISIONS[name] = functools.cache(precisions)


def registered_runtimes() -> list[str]:
    return list(_RUNTIMES)


def runtime_precisions(name: str) -> tuple[str, ...]:
    if name not in _RUNTIMES:
        raise MritoolError(f"runtime must be one of {tuple(_RUNTIMES)}, not {name!r}")
    return _PRECISIONS[name]()


def runnable(spec: RuntimeSpec, name: str | None = None, precision: str | None = None) -> RuntimeSpec:
    """The runtime to run here: ``name`` (default: ``spec``'s) at ``precision``, or where that is not
    given at ``spec``'s precision if this machine computes it natively, else float32. A precision asked
    for that the runtime cannot run here is an error, not a silent fallback."""
    name = name or spec.name
    available = runtime_precisions(name)
    if precision is None:
        precision = spec.precision if spec.precision in available else "float32"
    elif precision not in available:
        raise MritoolError(f"{name} does not run {precision} on this machine (it runs {', '.join(available)})")
    return replace(spec, name=name, precision=precision)


def _build(load: Callable, spec: RuntimeSpec, weights_file: Path) -> Predictor:
    runnable(spec, precision=spec.precision)  # refuses what this machine does not run
    return _RUNTIMES[spec.name](load, spec.precision, Path(weights_file))


def make_predictor(model, spec: RuntimeSpec, weights_file: Path) -> Predictor:
    """A predictor of a Keras model in memory (``weights_file`` keys the runtime's cache)."""
    return _build(lambda: model, spec, weights_file)


def load_predictor(folder: ModelFolder, kind: str, spec: RuntimeSpec | None = None) -> Predictor:
    """The predictor of one stage of a model folder, on ``spec`` (default: the folder's runtime, as
    ``runnable`` here). The Keras model is loaded only if the runtime asks."""
    load = functools.cache(lambda: folder.keras_model(kind))
    return _build(load, spec or runnable(folder.runtime), folder.weights(kind))


def predict_in_batches(predict: Predictor, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    """``predict`` over ``inputs`` in consecutive batches of ``batch_size``, outputs concatenated."""
    outputs = [np.asarray(predict(inputs[start:start + batch_size]), np.float32) for start in range(0, len(inputs), batch_size)]
    return np.concatenate(outputs) if outputs else np.zeros((0,), np.float32)
