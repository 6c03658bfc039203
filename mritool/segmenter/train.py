"""Train the ResUNet on tumor slices and tune its post-processing on the validation patients."""

import math
from pathlib import Path

import keras

from mritool.data.preprocessing import PreprocessConfig
from mritool.segmenter.losses import FocalTverskyLoss
from mritool.segmenter.dice_metric import DiceCoefficient
from mritool.segmenter.model import build_resunet
from mritool.segmenter.tuning import tune_on_every_slice
from mritool.bundle.card import SegmenterCard, weights_path, write_card
from mritool.bundle.runtime_spec import DEFAULT_RUNTIME, RuntimeSpec
from mritool.runtimes import make_predictor, runnable
from mritool.training.augment import AugmentConfig
from mritool.training.dataset import evaluation_dataset, segmenter_training_dataset, training_data
from mritool.bundle.fit_config import FitConfig
from mritool.training.fit import fit, prepare_session
from mritool.training.warm_start import started_from, starting_model


def train_segmenter(
    data_root, out_dir, fit_config: FitConfig = FitConfig(), preprocessing: PreprocessConfig = PreprocessConfig(),
    split_path=None, validation_fraction: float = 0.2, negative_fraction: float = 0.0,
    base_filters: int = 16, depth: int = 4, alpha: float = 0.7, gamma: float = 0.75,
    area_oversampling: bool = False, resume: bool = False, command: str | None = None,
    augment: AugmentConfig = AugmentConfig(), runtime: RuntimeSpec = DEFAULT_RUNTIME, init=None,
) -> dict:
    """Train on tumor slices (plus ``negative_fraction`` empty ones), tune post-processing on ``runtime``'s
    maps, write the card. ``init`` (a model folder or ``default``): start from its segmenter's weights."""
    out_dir = Path(out_dir)
    data = training_data(data_root, out_dir, preprocessing, split_path, validation_fraction, fit_config.seed)
    train, validation, validation_stats = data.train, data.validation, data.validation_stats
    fit_config, hardware = prepare_session(fit_config)
    runtime = runnable(runtime)  # the card names what its operating point was really tuned on
    train_ds = segmenter_training_dataset(
        data.data, train, data.train_stats, preprocessing, fit_config.batch_size, fit_config.seed, negative_fraction,
        augment, area_oversampling=area_oversampling,
    )
    positives = validation["has_tumor"].astype(bool).to_numpy()
    validation_ds = evaluation_dataset(
        data.data, validation[positives].reset_index(drop=True), validation_stats[positives], preprocessing,
        fit_config.batch_size, "mask",
    )
    train_positives = int(train["has_tumor"].sum())
    steps = fit_config.steps_per_epoch or math.ceil(train_positives / (1 - negative_fraction) / fit_config.batch_size)
    initial = started_from(init, "segmenter") if init is not None else None
    model, initial_epoch = starting_model(
        out_dir, "segmenter", resume, init, preprocessing,
        lambda: build_resunet(preprocessing.image_size, base_filters, depth, preprocessing.channels),
        fit_config, steps, FocalTverskyLoss(alpha, gamma), [DiceCoefficient()],
    )
    training = fit(model, train_ds, validation_ds, out_dir, "segmenter", fit_config, steps, "val_loss", initial_epoch,
                   hardware)

    best = keras.models.load_model(weights_path(out_dir, "segmenter"), compile=False)
    predict = make_predictor(best, runtime, weights_path(out_dir, "segmenter"))
    postprocessing, validation_metrics = tune_on_every_slice(data.data, validation, predict, preprocessing, out_dir)
    card = SegmenterCard(
        preprocessing=preprocessing,
        model={"architecture": "resunet", "image_size": preprocessing.image_size, "base_filters": base_filters,
               "depth": depth},
        loss={"name": "focal_tversky", "alpha": alpha, "gamma": gamma},
        runtime=runtime,
        postprocessing=postprocessing,
        validation_metrics=validation_metrics,
        training={**fit_config.to_dict(), "negative_fraction": negative_fraction, "area_oversampling": area_oversampling,
                  "augmentation": augment.to_dict(), "validation_fraction": validation_fraction, "init": initial,
                  **training},
        data=data.card_section(data_root),
        reproduce=command,
    )
    write_card(out_dir, card)
    return card
