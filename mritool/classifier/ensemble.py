"""Several trained classifiers as one model that outputs the mean of their probabilities.

Each member keeps its own weights under its own name, and the merged model is an ordinary Keras
model with one input and one probability, so every runtime, the INT8 quantization and the export take
it as they take a single classifier.
"""

from mritool.errors import MritoolError

# The members' last layers and the mean, by the names given below: left in floating point by INT8
# quantization, whose per-sample activation ranges would clip the probabilities it averages at their
# calibration mean (every slice then scores the same).
FLOAT_SCOPE = r".*mean_of_\d+_classifiers.*tumor_probability.*"


def average_classifiers(members: list):
    """One Keras model whose output is the mean of the ``members``' (Keras is imported here, not by
    what only needs the names above)."""
    import keras

    if len(members) < 2:
        raise MritoolError(f"an ensemble needs at least two classifiers, not {len(members)}")
    shapes = {tuple(member.input_shape) for member in members}
    if len(shapes) > 1:
        raise MritoolError(f"the classifiers take different inputs: {sorted(shapes)}")
    inputs = keras.Input(members[0].input_shape[1:], name="image")
    outputs = [keras.Model(member.inputs, member.outputs[0], name=f"member_{k}")(inputs) for k, member in enumerate(members)]
    average = keras.layers.Average(name="tumor_probability", dtype="float32")(outputs)
    return keras.Model(inputs, average, name=f"mean_of_{len(members)}_classifiers")
