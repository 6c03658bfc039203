"""Load a trained segmenter with its card and predict probability maps."""

import keras
import numpy as np
import pandas as pd

import mritool.segmenter.losses  # noqa: F401  registers the custom loss for loading
import mritool.segmenter.metrics  # noqa: F401  registers the custom metric for loading
from mritool.segmenter.postprocess import PostProcessConfig
from mritool.training.card import card_preprocessing, read_card, weights_path
from mritool.training.dataset import image_dataset


def load_segmenter(model_dir):
    """(model, card); fails clearly when the card is missing or incompatible."""
    card = read_card(model_dir, "segmenter")
    return keras.models.load_model(weights_path(model_dir, "segmenter"), compile=False), card


def card_postprocessing(card: dict) -> PostProcessConfig:
    return PostProcessConfig.from_dict(card.get("postprocessing", {}))


def predict_probability_maps(model, card: dict, slices: pd.DataFrame, stats: np.ndarray, batch_size: int = 16) -> np.ndarray:
    """(n, H, W) float16 tumor probabilities; ``stats`` from ``intensity_stats_per_slice``."""
    config = card_preprocessing(card)
    if not len(slices):
        return np.zeros((0, config.image_size, config.image_size), np.float16)
    batches = image_dataset(slices, stats, config, batch_size)
    return np.concatenate([model.predict_on_batch(batch)[..., 0].astype(np.float16) for batch in batches])
