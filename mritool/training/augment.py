"""Augmentation in TensorFlow ops: one random affine warps image and mask alike; jitter the image only.

The image is resampled bilinearly and the mask nearest-neighbour with the very same transform, so
the mask stays binary and aligned. Only left-right flips: the brain is roughly symmetric across the
midline but not front to back.
"""

import math
from dataclasses import asdict, dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentConfig:
    """Augmentation strengths: rotation in degrees, zoom and shift as fractions of the image, intensity
    as the gain and offset range in z-score units. Recorded in the model card."""

    rotation_deg: float = 15.0
    zoom: float = 0.1
    shift: float = 0.05
    intensity: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


def random_affine(batch_shape_hw, rotation_deg: float, zoom: float, shift: float) -> tf.Tensor:
    """One flattened 8-parameter projective transform (output -> input coordinates), as ImageProjectiveTransformV3 wants."""
    height, width = float(batch_shape_hw[0]), float(batch_shape_hw[1])
    angle = tf.random.uniform([], -rotation_deg, rotation_deg) * math.pi / 180
    scale = tf.random.uniform([], 1 - zoom, 1 + zoom)
    flip = tf.where(tf.random.uniform([]) < 0.5, -1.0, 1.0)
    tx, ty = tf.unstack(tf.random.uniform([2], -shift, shift) * [width, height])
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1 = cos * flip, sin
    b0, b1 = -sin * flip, cos
    cx, cy = (width - 1) / 2, (height - 1) / 2
    a2 = cx + tx - (a0 * cx + a1 * cy)
    b2 = cy + ty - (b0 * cx + b1 * cy)
    return tf.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])[None, :]


def _warp(image: tf.Tensor, transform: tf.Tensor, interpolation: str) -> tf.Tensor:
    warped = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[None], transforms=transform, output_shape=tf.shape(image)[:2],
        fill_value=0.0, interpolation=interpolation, fill_mode="NEAREST",
    )
    return warped[0]


def warp_pair(image: tf.Tensor, mask: tf.Tensor, transform: tf.Tensor):
    return _warp(image, transform, "BILINEAR"), _warp(mask, transform, "NEAREST")


def jitter_intensity(image: tf.Tensor, strength: float) -> tf.Tensor:
    """Per-channel gain and offset, in the z-score units the image is already in."""
    channels = tf.shape(image)[-1:]
    gain = tf.random.uniform(channels, 1 - strength, 1 + strength)
    offset = tf.random.uniform(channels, -strength, strength)
    return image * gain + offset


def augment_pair(image, mask, config: AugmentConfig = AugmentConfig()):
    transform = random_affine(image.shape[:2], config.rotation_deg, config.zoom, config.shift)
    image, mask = warp_pair(image, mask, transform)
    return jitter_intensity(image, config.intensity), mask


def augment_image(image, config: AugmentConfig = AugmentConfig()):
    transform = random_affine(image.shape[:2], config.rotation_deg, config.zoom, config.shift)
    return jitter_intensity(_warp(image, transform, "BILINEAR"), config.intensity)
