"""Probability maps for a volume's slices, through any runtime's predictor (the path screening and
tuning share)."""

import numpy as np

from mritool.data.preprocessing import PreprocessConfig, volume_input
from mritool.runtimes import Predictor, predict_in_batches
from mritool.volumes import Volume


def segment_volume(volume: Volume, positions, predict: Predictor, config: PreprocessConfig, selected=None,
                   batch_size: int = 32) -> np.ndarray:
    """(n, s, s) float32 tumor probabilities for ``positions[selected]`` (all by default); the volume is
    normalised over all of ``positions``, as screening does whatever the classifier passes. A predictor
    with k > 1 output channels (``with_flips``) gives (n, s, s, k), one map per member."""
    inputs = volume_input(volume, positions, config, selected)
    maps = predict_in_batches(predict, inputs, batch_size)
    if not len(inputs):
        return np.zeros((0, config.image_size, config.image_size), np.float32)
    return maps[..., 0] if maps.shape[-1] == 1 else maps


def with_flips(predict: Predictor) -> Predictor:
    """Test-time augmentation by the one exactly invertible augmentation training used, the left-right
    flip: the output holds the map of each slice and that of its mirror image, mirrored back."""
    def members(batch: np.ndarray) -> np.ndarray:
        mirrored = np.asarray(predict(np.ascontiguousarray(batch[:, :, ::-1])))[:, :, ::-1]
        return np.concatenate([np.asarray(predict(batch)), mirrored], axis=-1)

    return members
