"""ResNet50 backbone with a small head ending in one tumor probability."""

from pathlib import Path

import keras
from keras import layers

from mritool.errors import MritoolError


def build_classifier(image_size: int = 256, weights=None, dense_units: int = 256, dropout: float = 0.3,
                     channels: int = 3) -> keras.Model:
    """``weights``: None (random init) or a local ResNet50 no-top weights file (nothing is downloaded;
    only for 3 channels)."""
    if weights is not None and not Path(weights).is_file():
        raise MritoolError(f"{weights}: backbone weights file not found (downloads are not possible)")
    if weights is not None and channels != 3:
        raise MritoolError(f"backbone weights need 3 input channels, not {channels} (neighbour slices)")
    inputs = keras.Input((image_size, image_size, channels), name="image")
    backbone = keras.applications.ResNet50(
        include_top=False, weights=str(weights) if weights else None, input_tensor=inputs
    )
    x = layers.GlobalAveragePooling2D()(backbone.output)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(dense_units, activation="relu")(x)
    x = layers.Dropout(dropout)(x)
    # float32 output keeps probabilities near 0 and 1 distinct under a bfloat16 policy.
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32", name="tumor_probability")(x)
    return keras.Model(inputs, outputs, name="resnet50_classifier")
