"""tf.data input for training and validation, over patient volumes already in memory.

Every slice goes through ``as_model_input`` + ``preprocess`` (+ ``with_neighbours``), as in
``volume_input`` (the path tuning and screening take), with the intensity statistics of its patient
volume computed once up front.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from mritool.bundle.card import data_fingerprint

from mritool.data.preprocessing import FLAIR_CHANNEL, IntensityStats, PreprocessConfig, preprocess, with_neighbours
from mritool.training.augment import AugmentConfig, augment_image, augment_pair
from mritool.training.sampling import area_weighted_draws
from mritool.data.labelled import LabelledData, labelled_data, split_for_training
from mritool.volumes.image import as_model_input, resize_mask

AUTOTUNE = tf.data.AUTOTUNE


def _pixels(data: LabelledData, slices: pd.DataFrame, row: int, size: int) -> np.ndarray:
    volume = data.volumes[slices["volume"].iat[row]]
    return _resized(volume, slices["position"].iat[row], size)


def _resized(volume, position: int, size: int) -> np.ndarray:
    return as_model_input(volume.images[position], size, volume.refs[position].source)


def _neighbourhood(readable: list[int], position: int, config: PreprocessConfig) -> list[int]:
    """The positions of a slice's neighbours and itself in stack order, the stack's ends repeated."""
    k, index, last = config.neighbour_slices, readable.index(position), len(readable) - 1
    return [readable[min(max(index + offset, 0), last)] for offset in range(-k, k + 1)]


def intensity_stats_per_slice(data: LabelledData, slices: pd.DataFrame, config: PreprocessConfig) -> np.ndarray:
    """(n, 2, 3) float32: the normalisation statistics of each slice's volume (or of the slice itself)."""
    stats = np.zeros((len(slices), 2, 3), np.float32)
    groups = slices.groupby("patient_id").indices if config.normalization == "volume" else {
        i: [i] for i in range(len(slices))
    }
    for rows in groups.values():
        accumulator = IntensityStats()
        for row in rows:
            accumulator.add(_pixels(data, slices, row, config.image_size))
        stats[rows] = accumulator.mean_std()
    return stats


def _loader(data: LabelledData, slices: pd.DataFrame, config: PreprocessConfig, with_mask: bool):
    size, channels = config.image_size, config.channels
    volumes, positions = slices["volume"].to_numpy(), slices["position"].to_numpy()
    readable = {number: data.volumes[number].readable() for number in set(volumes)} if config.neighbour_slices else {}

    def model_input(row, stats):
        volume = data.volumes[volumes[row]]
        if not config.neighbour_slices:
            return preprocess(_resized(volume, positions[row], size), stats, config)
        stack = [preprocess(_resized(volume, p, size), stats, config)
                 for p in _neighbourhood(readable[volumes[row]], positions[row], config)]
        return with_neighbours(np.stack(stack), np.array([config.neighbour_slices]), config)[0]

    def load(row, stats):
        image = model_input(row, stats)
        if not with_mask:
            return image
        mask = data.volumes[volumes[row]].masks[positions[row]]
        return image, resize_mask(mask, (size, size)).astype(np.float32)[..., None]

    def load_tf(row, stats):
        if with_mask:
            image, mask = tf.numpy_function(load, [row, stats], [tf.float32, tf.float32])
            return tf.ensure_shape(image, (size, size, channels)), tf.ensure_shape(mask, (size, size, 1))
        return tf.ensure_shape(tf.numpy_function(load, [row, stats], tf.float32), (size, size, channels))

    return load_tf


def _sources(slices: pd.DataFrame, stats: np.ndarray, rows=None) -> tf.data.Dataset:
    rows = np.arange(len(slices)) if rows is None else np.asarray(rows)
    labels = slices["has_tumor"].fillna(False).astype(np.float32).to_numpy()
    return tf.data.Dataset.from_tensor_slices((rows, stats[rows], labels[rows]))


def classifier_training_dataset(data, slices, stats, config, batch_size, seed, positive_fraction=0.5,
                                augment: AugmentConfig | None = AugmentConfig()):
    """Infinite batches of (image, label) with ``positive_fraction`` tumor slices on average."""
    load = _loader(data, slices, config, with_mask=False)
    flair = config.channel_order.index(FLAIR_CHANNEL)
    source = _sources(slices, stats)
    positives = source.filter(lambda r, s, y: y > 0.5).repeat().shuffle(512, seed=seed)
    negatives = source.filter(lambda r, s, y: y <= 0.5).repeat().shuffle(512, seed=seed + 1)
    mixed = tf.data.Dataset.sample_from_datasets(
        [positives, negatives], [positive_fraction, 1 - positive_fraction], seed=seed
    )

    def prepare(row, stat, label):
        image = load(row, stat)
        return (augment_image(image, augment, flair) if augment else image), label[None]

    return mixed.map(prepare, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)


def segmenter_training_dataset(data, slices, stats, config, batch_size, seed, negative_fraction=0.0,
                               augment: AugmentConfig | None = AugmentConfig(), area_oversampling=False):
    """Infinite batches of (image, mask): tumor slices (drawn by tumor area if asked), plus
    ``negative_fraction`` of empty ones."""
    load = _loader(data, slices, config, with_mask=True)
    flair = config.channel_order.index(FLAIR_CHANNEL)
    source = _sources(slices, stats)
    if area_oversampling:
        tumor = np.flatnonzero(slices["has_tumor"].astype(bool).to_numpy())
        positives = _sources(slices, stats, tumor[area_weighted_draws(slices["tumor_area_px"].to_numpy()[tumor], seed)]).repeat()
    else:
        positives = source.filter(lambda r, s, y: y > 0.5).repeat().shuffle(512, seed=seed)
    if negative_fraction > 0:
        negatives = source.filter(lambda r, s, y: y <= 0.5).repeat().shuffle(512, seed=seed + 1)
        positives = tf.data.Dataset.sample_from_datasets(
            [positives, negatives], [1 - negative_fraction, negative_fraction], seed=seed
        )

    def prepare(row, stat, label):
        image, truth = load(row, stat)
        return augment_pair(image, truth, augment, flair) if augment else (image, truth)

    return positives.map(prepare, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)


def evaluation_dataset(data, slices, stats, config, batch_size, target: str):
    """Finite, ordered batches of (image, target) where target is ``"label"`` or ``"mask"``."""
    load = _loader(data, slices, config, with_mask=target == "mask")

    def prepare(row, stat, label):
        return load(row, stat) if target == "mask" else (load(row, stat), label[None])

    return _sources(slices, stats).map(prepare, num_parallel_calls=AUTOTUNE).batch(batch_size).prefetch(AUTOTUNE)


@dataclass
class TrainingData:
    """Both subsets of a training run with their volume-normalisation statistics."""

    data: LabelledData
    train: pd.DataFrame
    validation: pd.DataFrame
    train_stats: np.ndarray
    validation_stats: np.ndarray

    def card_section(self, data_root) -> dict:
        return {"root": str(data_root), "train": data_fingerprint(self.train),
                "validation": data_fingerprint(self.validation), "split_file": "split.json"}


def training_data(data_root, out_dir: Path, preprocessing, split_path=None, validation_fraction: float = 0.2,
                  seed: int = 0) -> TrainingData:
    """Read, split by patient (saved as ``out_dir/split.json``) and compute each volume's statistics."""
    data = labelled_data(data_root)
    split = split_for_training(data.slices, out_dir, split_path, validation_fraction, seed)
    train, validation = data.subset(split, "train"), data.subset(split, "validation")
    return TrainingData(data, train, validation, intensity_stats_per_slice(data, train, preprocessing),
                        intensity_stats_per_slice(data, validation, preprocessing))
