"""Load a trained classifier with its card and score slices."""

import keras
import numpy as np
import pandas as pd

from mritool.classifier.slice_context import context_weights, smooth_by_patient
from mritool.training.card import card_preprocessing, read_card, weights_path
from mritool.training.dataset import image_dataset, intensity_stats_per_slice


def load_classifier(model_dir):
    """(model, card); fails clearly when the card is missing or incompatible."""
    card = read_card(model_dir, "classifier")
    return keras.models.load_model(weights_path(model_dir, "classifier"), compile=False), card


def predict_probabilities(model, card: dict, slices: pd.DataFrame, batch_size: int = 32) -> np.ndarray:
    """Each slice's own tumor probability."""
    config = card_preprocessing(card)
    stats = intensity_stats_per_slice(slices, config)
    return model.predict(image_dataset(slices, stats, config, batch_size), verbose=0)[:, 0].astype(float)


def screening_scores(probabilities: np.ndarray, card: dict, slices: pd.DataFrame) -> np.ndarray:
    """The scores the card's threshold applies to: probabilities with the card's slice context."""
    return smooth_by_patient(probabilities, slices, context_weights(card))
