"""ResUNet: residual encoder-decoder with skip connections (the reference uses 16-32-64-128-256 filters)."""

import keras
from keras import layers


def residual_block(x, filters: int):
    """1x1 conv -> 3x3 conv, each batch-normalised, plus a projected shortcut; add, then ReLU."""
    shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1)(x))
    x = layers.Conv2D(filters, 1, kernel_initializer="he_normal")(x)
    x = layers.Activation("relu")(layers.BatchNormalization()(x))
    x = layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(layers.Add()([x, shortcut]))


def stem_block(x, filters: int):
    for _ in range(2):
        x = layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal")(x)
        x = layers.Activation("relu")(layers.BatchNormalization()(x))
    return x


def build_resunet(image_size: int = 256, base_filters: int = 16, depth: int = 4, channels: int = 3) -> keras.Model:
    """``depth`` poolings; filters double at each level: base, 2*base, ..., base * 2**depth at the bottleneck.
    ``channels``: 3 sequences, plus the FLAIR of neighbouring slices where the preprocessing adds them."""
    if image_size % (2**depth):
        raise ValueError(f"image size {image_size} must be divisible by 2**depth = {2**depth}")
    inputs = keras.Input((image_size, image_size, channels), name="image")
    skips = [stem_block(inputs, base_filters)]
    for level in range(1, depth):
        skips.append(residual_block(layers.MaxPooling2D()(skips[-1]), base_filters * 2**level))
    x = residual_block(layers.MaxPooling2D()(skips[-1]), base_filters * 2**depth)
    for level in reversed(range(depth)):
        x = layers.Concatenate()([layers.UpSampling2D(interpolation="bilinear")(x), skips[level]])
        x = residual_block(x, base_filters * 2**level)
    # float32 output: a bfloat16 sigmoid cannot tell 0.999 from 1.0, which the loss needs.
    outputs = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32", name="mask")(x)
    return keras.Model(inputs, outputs, name="resunet")
