"""Score a volume's slices with the classifier, through any runtime's predictor: the one path that
training's threshold choice, tuning, evaluation and screening all take."""

import numpy as np

from mritool.classifier.slice_context import smooth_volume
from mritool.data.preprocessing import PreprocessConfig, volume_input
from mritool.runtimes import Predictor, predict_in_batches
from mritool.volumes import Volume


def classify_volume(volume: Volume, positions, predict: Predictor, config: PreprocessConfig,
                    batch_size: int = 32) -> np.ndarray:
    """Each slice's own tumor probability, for the slices at ``positions`` (normalised over them)."""
    return predict_in_batches(predict, volume_input(volume, positions, config), batch_size).reshape(-1)


def screening_scores(probabilities: np.ndarray, slice_context: tuple[float, ...]) -> np.ndarray:
    """A volume's scores that the card's threshold applies to: probabilities with the card's slice context."""
    return smooth_volume(probabilities, slice_context)
