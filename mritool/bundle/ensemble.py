"""Several trained models of one stage as one model that outputs the mean of their outputs.

Each member keeps its own weights under its own name, and the merged model is an ordinary Keras
model with the stage's one input and one output (a probability, or a probability map), so every
runtime, the INT8 quantization and the export take it as they take a single model of that stage.
"""

import numpy as np

from mritool.errors import MritoolError

OUTPUTS = {"classifier": "tumor_probability", "segmenter": "mask"}  # the stages' output layers

# The members' last layers and the mean, by the names given here: left in floating point by INT8
# quantization, whose per-sample activation ranges would clip the probabilities it averages at their
# calibration mean (every slice then scores the same).
FLOAT_SCOPE = r".*mean_of_\d+_(classifier|segmenter)s.*(tumor_probability|mask).*"


def average_models(members: list, kind: str, channels: list | None = None):
    """One Keras model whose output is the mean of the ``members``'. ``channels[k]``: the channels of the
    ensemble's input that member k takes, in its order (``PreprocessConfig.member_channels``); by default
    every member takes the whole input. (Keras is imported here, not by what only needs the names above.)"""
    import keras

    if len(members) < 2:
        raise MritoolError(f"an ensemble needs at least two {kind}s, not {len(members)}")
    widths = [member.input_shape[-1] for member in members]
    channels = channels or [list(range(max(widths)))] * len(members)  # members of other widths are refused below
    width = max(max(c) for c in channels) + 1
    shapes = {tuple(member.input_shape[1:-1]) for member in members}
    if len(shapes) > 1 or [len(c) for c in channels] != widths:
        raise MritoolError(f"the {kind}s take different inputs: {sorted({tuple(m.input_shape) for m in members})}")
    inputs = keras.Input((*shapes.pop(), width), name="image")
    outputs = []
    for k, (member, wanted) in enumerate(zip(members, channels)):
        shown = inputs if wanted == list(range(width)) else _select(inputs, wanted, f"channels_of_member_{k}")
        outputs.append(keras.Model(member.inputs, member.outputs[0], name=f"member_{k}")(shown))
    average = keras.layers.Average(name=OUTPUTS[kind], dtype="float32")(outputs)
    return keras.Model(inputs, average, name=f"mean_of_{len(members)}_{kind}s")


def _select(inputs, wanted: list[int], name: str):
    """``inputs``' channels ``wanted``, in that order, as a frozen 1x1 convolution: a standard layer every
    runtime converts and a saved model reloads without custom code; its 0/1 weights are exact at any precision."""
    import keras

    selector = keras.layers.Conv2D(len(wanted), 1, use_bias=False, trainable=False, name=name)
    selected = selector(inputs)
    picks = np.zeros((inputs.shape[-1], len(wanted)), np.float32)
    picks[wanted, np.arange(len(wanted))] = 1
    selector.set_weights([picks[None, None]])
    return selected
