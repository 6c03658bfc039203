"""tf.data input for training and batch inference: streams slices from disk, never one big array.

Every slice goes through ``read_image`` + ``preprocess``, the same two functions the screening
pipeline calls, with the intensity statistics of its patient volume computed once up front.
"""

import numpy as np
import pandas as pd
import tensorflow as tf

from mritool.data.preprocessing import IntensityStats, PreprocessConfig, preprocess
from mritool.data.reader import read_image, read_mask
from mritool.training.augment import augment_image, augment_pair
from mritool.training.sampling import area_weighted_draws

AUTOTUNE = tf.data.AUTOTUNE


def intensity_stats_per_slice(slices: pd.DataFrame, config: PreprocessConfig) -> np.ndarray:
    """(n, 2, 3) float32: the normalisation statistics of each slice's volume (or of the slice itself)."""
    stats = np.zeros((len(slices), 2, 3), np.float32)
    groups = slices.groupby("patient_id").indices if config.normalization == "volume" else {
        i: [i] for i in range(len(slices))
    }
    for rows in groups.values():
        accumulator = IntensityStats()
        for path in slices["image_path"].iloc[rows]:
            accumulator.add(read_image(path, config.image_size))
        stats[rows] = accumulator.mean_std()
    return stats


def _loader(config: PreprocessConfig, with_mask: bool):
    size = config.image_size

    def load(image_path, mask_path, stats):
        image = preprocess(read_image(image_path.decode(), size), stats, config)
        if not with_mask:
            return image
        return image, read_mask(mask_path.decode(), size).astype(np.float32)[..., None]

    def load_tf(image_path, mask_path, stats):
        if with_mask:
            image, mask = tf.numpy_function(load, [image_path, mask_path, stats], [tf.float32, tf.float32])
            return tf.ensure_shape(image, (size, size, 3)), tf.ensure_shape(mask, (size, size, 1))
        image = tf.numpy_function(load, [image_path, mask_path, stats], tf.float32)
        return tf.ensure_shape(image, (size, size, 3))

    return load_tf


def _sources(slices: pd.DataFrame, stats: np.ndarray) -> tf.data.Dataset:
    masks = slices["mask_path"].fillna("").astype(str).to_numpy() if "mask_path" in slices else np.full(len(slices), "")
    labels = slices["has_tumor"].fillna(False).astype(np.float32).to_numpy() if "has_tumor" in slices else np.zeros(len(slices), np.float32)
    return tf.data.Dataset.from_tensor_slices(
        (slices["image_path"].astype(str).to_numpy(), masks, stats, labels)
    )


def classifier_training_dataset(slices, stats, config, batch_size, seed, positive_fraction=0.5, augment=True):
    """Infinite batches of (image, label) with ``positive_fraction`` tumor slices on average."""
    load = _loader(config, with_mask=False)
    source = _sources(slices, stats)
    positives = source.filter(lambda p, m, s, y: y > 0.5).repeat().shuffle(512, seed=seed)
    negatives = source.filter(lambda p, m, s, y: y <= 0.5).repeat().shuffle(512, seed=seed + 1)
    mixed = tf.data.Dataset.sample_from_datasets(
        [positives, negatives], [positive_fraction, 1 - positive_fraction], seed=seed
    )

    def prepare(path, mask, stat, label):
        image = load(path, mask, stat)
        return (augment_image(image) if augment else image), label[None]

    return mixed.map(prepare, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)


def segmenter_training_dataset(slices, stats, config, batch_size, seed, negative_fraction=0.0, augment=True,
                               area_oversampling=False):
    """Infinite batches of (image, mask): tumor slices (drawn by tumor area if asked), plus
    ``negative_fraction`` of empty ones."""
    load = _loader(config, with_mask=True)
    source = _sources(slices, stats)
    if area_oversampling:
        tumor = np.flatnonzero(slices["has_tumor"].astype(bool).to_numpy())
        drawn = tumor[area_weighted_draws(slices["tumor_area_px"].to_numpy()[tumor], seed)]
        positives = _sources(slices.iloc[drawn], stats[drawn]).repeat()
    else:
        positives = source.filter(lambda p, m, s, y: y > 0.5).repeat().shuffle(512, seed=seed)
    if negative_fraction > 0:
        negatives = source.filter(lambda p, m, s, y: y <= 0.5).repeat().shuffle(512, seed=seed + 1)
        positives = tf.data.Dataset.sample_from_datasets(
            [positives, negatives], [1 - negative_fraction, negative_fraction], seed=seed
        )

    def prepare(path, mask, stat, label):
        image, truth = load(path, mask, stat)
        return augment_pair(image, truth) if augment else (image, truth)

    return positives.map(prepare, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)


def evaluation_dataset(slices, stats, config, batch_size, target: str):
    """Finite, ordered batches of (image, target) where target is ``"label"`` or ``"mask"``."""
    load = _loader(config, with_mask=target == "mask")

    def prepare(path, mask, stat, label):
        return load(path, mask, stat) if target == "mask" else (load(path, mask, stat), label[None])

    return _sources(slices, stats).map(prepare, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)


def image_dataset(slices, stats, config, batch_size):
    """Finite, ordered batches of preprocessed images (no truth needed)."""
    load = _loader(config, with_mask=False)
    return _sources(slices, stats).map(
        lambda p, m, s, y: load(p, m, s), num_parallel_calls=AUTOTUNE
    ).batch(batch_size).prefetch(AUTOTUNE)
