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


def predict_probabilities(model, card: dict, slices: pd.DataFrame, batch_size: int = 32, predictor=None) -> np.ndarray:
    """Each slice's own tumor probability, from Keras or from a screening ``predictor`` of the same model."""
    config = card_preprocessing(card)
    dataset = image_dataset(slices, intensity_stats_per_slice(slices, config), config, batch_size)
    if predictor is None:
        return model.predict(dataset, verbose=0)[:, 0].astype(float)
    return np.concatenate([np.zeros(0)] + [predictor(batch.numpy())[:, 0] for batch in dataset]).astype(float)


def screening_probabilities(model, card: dict, slices: pd.DataFrame, model_dir, batch_size: int = 32) -> np.ndarray:
    """Each slice's own tumor probability as ``screen`` computes it by default (OpenVINO bfloat16), so
    thresholds are chosen and checked on the scores screening will see."""
    from mritool.pipeline.inference import SCREENING_PRECISION, SCREENING_RUNTIME, make_predictor

    predictor = make_predictor(model, SCREENING_RUNTIME, SCREENING_PRECISION, weights_path(model_dir, "classifier"))
    return predict_probabilities(model, card, slices, batch_size, predictor)


def screening_scores(probabilities: np.ndarray, card: dict, slices: pd.DataFrame) -> np.ndarray:
    """The scores the card's threshold applies to: probabilities with the card's slice context."""
    return smooth_by_patient(probabilities, slices, context_weights(card))
