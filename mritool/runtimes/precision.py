"""One trained model at any precision: rebuild it under another dtype policy with the same weights.

Both stages train under the policy their machine computes fastest (float32 or mixed bfloat16, see
``mritool.machine``) and may be stored as float16; their output layers are float32 and stay so.
"""

import copy
from collections import Counter

import keras

from mritool.errors import MritoolError
from mritool.bundle.runtime_spec import PRECISIONS


def _with_policy(config, old: str, new: str):
    if isinstance(config, dict):
        if config.get("class_name") == "DTypePolicy" and config.get("config", {}).get("name") == old:
            return {**config, "config": {**config["config"], "name": new}}
        return {key: _with_policy(value, old, new) for key, value in config.items()}
    if isinstance(config, list):
        return [_with_policy(value, old, new) for value in config]
    return config


def _inner_layers(config: dict):
    """(layer config, is an output layer) of a functional model's config, through nested models (a
    classifier ensemble holds its members as models): each model's output layers stay float32."""
    declared = config["output_layers"]
    outputs = {declared[0]} if isinstance(declared[0], str) else {name for name, *_ in declared}  # one output, or a list
    for layer in config["layers"]:
        if "layers" in layer["config"]:
            yield from _inner_layers(layer["config"])
        else:
            yield layer, layer["config"]["name"] in outputs


def with_precision(model: keras.Model, precision: str) -> keras.Model:
    """The same weights under a float32 or mixed-bfloat16 policy; float32 output layers stay float32."""
    if precision not in PRECISIONS:
        raise MritoolError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "int8":
        raise MritoolError("int8 runs on OpenVINO only: mritool quantize MODELS, then --runtime openvino --precision int8")
    return with_policy(model, "mixed_bfloat16" if precision == "bfloat16" else "float32")


def for_storage(model: keras.Model) -> keras.Model:
    """The same weights held as float16 (float32 output layers aside): half the file. Every runtime
    rebuilds the model at its own precision on loading (``with_precision``), so float16 is only how the
    numbers are stored."""
    return with_policy(model, "float16")


def _leaves(model):
    for layer in model.layers:
        if getattr(layer, "layers", None):
            yield from _leaves(layer)
        else:
            yield layer


def policy_of(model: keras.Model) -> str:
    """The dtype policy most of a model's layers compute in (a float32 output layer aside), which a loaded
    model keeps whatever the session's policy is."""
    return Counter(layer.dtype_policy.name for layer in _leaves(model)).most_common(1)[0][0]


def with_policy(model: keras.Model, wanted: str) -> keras.Model:
    """The same weights under the Keras dtype policy ``wanted`` (float32 output layers aside)."""
    config = copy.deepcopy(model.get_config())
    layers = list(_inner_layers(config))
    current = {layer["config"]["dtype"]["config"]["name"] for layer, output in layers
               if not output and isinstance(layer["config"].get("dtype"), dict)}  # input layers name a plain dtype
    if current <= {wanted}:
        return model
    for layer, output in layers:
        if not output:
            for old in current - {wanted}:
                layer["config"] = _with_policy(layer["config"], old, wanted)
    rebuilt = model.__class__.from_config(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt
