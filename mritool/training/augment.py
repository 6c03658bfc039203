"""Augmentation in TensorFlow ops: one random affine warps image and mask alike; jitter the image only.

The image is resampled bilinearly and the mask nearest-neighbour with the very same transform, so
the mask stays binary and aligned. Only left-right flips: the brain is roughly symmetric across the
midline but not front to back.

Missing sequences: the LGG set stores a patient whose pre- or post-contrast T1 was not acquired with
FLAIR in that channel (9 of its 110 patients lack post-contrast, 6 pre-contrast), and studies leave the
scanner so too. With ``missing_sequences=p`` a training slice has, with probability p, its pre-contrast,
its post-contrast or both channels (one of the three, equally likely) replaced by its FLAIR, after the
intensity jitter, so the copy is exact as in such a patient (the z-score per channel maps a copied
channel onto the z-scored FLAIR).
"""

import math
from dataclasses import asdict, dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentConfig:
    """Augmentation strengths: rotation in degrees, zoom and shift as fractions of the image, intensity
    as the gain and offset range in z-score units, missing_sequences the probability of a slice standing
    in for a patient with a sequence missing. Recorded in the model card."""

    rotation_deg: float = 15.0
    zoom: float = 0.1
    shift: float = 0.05
    intensity: float = 0.1
    missing_sequences: float = 0.0

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


def drop_sequences(image: tf.Tensor, probability: float, flair_channel: int) -> tf.Tensor:
    """The image with, at ``probability``, one or both contrast channels (of the first three) replaced by
    channel ``flair_channel``; channels after the third (neighbours' FLAIR) are left alone."""
    if probability <= 0:
        return image
    channels = tf.unstack(image, axis=-1)
    contrasts = [c for c in range(3) if c != flair_channel]
    dropped = tf.random.uniform([]) < probability
    pattern = tf.random.uniform([], 0, 3, dtype=tf.int32)  # 0: the first missing, 1: the second, 2: both
    for k, channel in enumerate(contrasts):
        channels[channel] = tf.where(dropped & (pattern != 1 - k), channels[flair_channel], channels[channel])
    return tf.stack(channels, axis=-1)


def augment_pair(image, mask, config: AugmentConfig = AugmentConfig(), flair_channel: int = 1):
    transform = random_affine(image.shape[:2], config.rotation_deg, config.zoom, config.shift)
    image, mask = warp_pair(image, mask, transform)
    return drop_sequences(jitter_intensity(image, config.intensity), config.missing_sequences, flair_channel), mask


def augment_image(image, config: AugmentConfig = AugmentConfig(), flair_channel: int = 1):
    transform = random_affine(image.shape[:2], config.rotation_deg, config.zoom, config.shift)
    image = jitter_intensity(_warp(image, transform, "BILINEAR"), config.intensity)
    return drop_sequences(image, config.missing_sequences, flair_channel)
