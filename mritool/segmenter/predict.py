"""Probability maps for a volume's slices, through any runtime's predictor (the path screening and
tuning share)."""

import numpy as np

from mritool.data.preprocessing import PreprocessConfig, volume_input
from mritool.runtimes import Predictor, predict_in_batches
from mritool.volumes import Volume


def segment_volume(volume: Volume, positions, predict: Predictor, config: PreprocessConfig, selected=None,
                   batch_size: int = 32) -> np.ndarray:
    """(n, s, s) float32 tumor probabilities for ``positions[selected]`` (all by default); the volume is
    normalised over all of ``positions``, as screening does whatever the classifier passes."""
    inputs = volume_input(volume, positions, config)
    inputs = inputs if selected is None else inputs[selected]
    maps = predict_in_batches(predict, inputs, batch_size)
    return maps[..., 0] if len(inputs) else np.zeros((0, config.image_size, config.image_size), np.float32)
