"""Load a trained classifier with its card and score slices."""

import keras
import numpy as np
import pandas as pd

from mritool.training.card import card_preprocessing, read_card, weights_path
from mritool.training.dataset import image_dataset, intensity_stats_per_slice


def load_classifier(model_dir):
    """(model, card); fails clearly when the card is missing or incompatible."""
    card = read_card(model_dir, "classifier")
    return keras.models.load_model(weights_path(model_dir, "classifier"), compile=False), card


def predict_probabilities(model, card: dict, slices: pd.DataFrame, batch_size: int = 32) -> np.ndarray:
    config = card_preprocessing(card)
    stats = intensity_stats_per_slice(slices, config)
    return model.predict(image_dataset(slices, stats, config, batch_size), verbose=0)[:, 0].astype(float)
