"""Several trained models of one stage as one model that outputs the mean of their outputs.

Each member keeps its own weights under its own name, and the merged model is an ordinary Keras
model with the stage's one input and one output (a probability, or a probability map), so every
runtime, the INT8 quantization and the export take it as they take a single model of that stage.
"""

from mritool.errors import MritoolError

OUTPUTS = {"classifier": "tumor_probability", "segmenter": "mask"}  # the stages' output layers

# The members' last layers and the mean, by the names given here: left in floating point by INT8
# quantization, whose per-sample activation ranges would clip the probabilities it averages at their
# calibration mean (every slice then scores the same).
FLOAT_SCOPE = r".*mean_of_\d+_(classifier|segmenter)s.*(tumor_probability|mask).*"


def average_models(members: list, kind: str):
    """One Keras model whose output is the mean of the ``members``' (Keras is imported here, not by
    what only needs the names above)."""
    import keras

    if len(members) < 2:
        raise MritoolError(f"an ensemble needs at least two {kind}s, not {len(members)}")
    shapes = {tuple(member.input_shape) for member in members}
    if len(shapes) > 1:
        raise MritoolError(f"the {kind}s take different inputs: {sorted(shapes)}")
    inputs = keras.Input(members[0].input_shape[1:], name="image")
    outputs = [keras.Model(member.inputs, member.outputs[0], name=f"member_{k}")(inputs) for k, member in enumerate(members)]
    average = keras.layers.Average(name=OUTPUTS[kind], dtype="float32")(outputs)
    return keras.Model(inputs, average, name=f"mean_of_{len(members)}_{kind}s")
