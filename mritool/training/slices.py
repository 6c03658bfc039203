"""Load a labelled data set and its patient split, the first step of every train and evaluate command."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mritool.data.index import index_folder, require_labelled
from mritool.data.preprocessing import PreprocessConfig
from mritool.data.split import load_split, make_split, save_split, select
from mritool.training.card import data_fingerprint


def labelled_slices(data_root) -> pd.DataFrame:
    return require_labelled(index_folder(data_root), data_root)


def split_for_training(slices, out_dir: Path, split_path=None, validation_fraction=0.2, seed=0):
    """The split to train on (given, or made from the seed), saved as ``out_dir/split.json``."""
    split = load_split(split_path) if split_path else make_split(slices, validation_fraction, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_split(split, out_dir / "split.json")
    return split, select(slices, split, "train"), select(slices, split, "validation")


def evaluation_subset(slices, model_dir: Path, split_path=None, subset="validation") -> pd.DataFrame:
    """The slices to evaluate on: a subset of the given split file, else of the model's own split."""
    return select(slices, load_split(split_path or Path(model_dir) / "split.json"), subset)


@dataclass
class TrainingData:
    """Both subsets of a training run with their volume-normalisation statistics."""

    train: pd.DataFrame
    validation: pd.DataFrame
    train_stats: np.ndarray
    validation_stats: np.ndarray

    def card_section(self, data_root) -> dict:
        return {"root": str(data_root), "train": data_fingerprint(self.train),
                "validation": data_fingerprint(self.validation), "split_file": "split.json"}


def training_data(data_root, out_dir: Path, preprocessing: PreprocessConfig, split_path=None,
                  validation_fraction: float = 0.2, seed: int = 0) -> TrainingData:
    """Index, split by patient (saved as ``out_dir/split.json``) and compute each volume's statistics."""
    from mritool.training.dataset import intensity_stats_per_slice  # tensorflow: only when training

    _, train, validation = split_for_training(labelled_slices(data_root), out_dir, split_path, validation_fraction, seed)
    return TrainingData(train, validation, intensity_stats_per_slice(train, preprocessing),
                        intensity_stats_per_slice(validation, preprocessing))
