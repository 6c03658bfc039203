"""Multiply-add count of a Keras model's convolutions and dense layers (2 FLOPs per multiply-add)."""

import math

import keras


def forward_flops(model: keras.Model) -> float:
    total = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            out_h, out_w, out_c = layer.output.shape[1:]
            kernel_h, kernel_w = layer.kernel_size
            total += 2.0 * out_h * out_w * out_c * kernel_h * kernel_w * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            total += 2.0 * math.prod(layer.input.shape[1:]) * layer.units
    return total
