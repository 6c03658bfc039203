"""Runtimes: what turns a trained model into a batch predictor (Keras, OpenVINO; float32, bfloat16)."""

from mritool.runtimes.base import (Predictor, load_predictor, make_predictor, predict_in_batches, register_runtime,
                                   registered_runtimes)

__all__ = ["Predictor", "load_predictor", "make_predictor", "predict_in_batches", "register_runtime", "registered_runtimes"]
