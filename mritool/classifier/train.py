"""Train the screening classifier and fix its operating point on the validation patients."""

import math
from pathlib import Path

import keras

from mritool.classifier.model import build_classifier
from mritool.bundle.card import ClassifierCard, weights_path, write_card
from mritool.bundle.runtime_spec import DEFAULT_RUNTIME, RuntimeSpec
from mritool.bundle.card import TARGET_SENSITIVITY
from mritool.classifier.operating_point import operating_point
from mritool.data.input_statistics import reference_ranges, volume_statistics
from mritool.data.preprocessing import PreprocessConfig
from mritool.runtimes import make_predictor, runnable
from mritool.training.augment import AugmentConfig
from mritool.training.dataset import classifier_training_dataset, evaluation_dataset, training_data
from mritool.bundle.fit_config import FitConfig
from mritool.training.fit import fit, prepare_session
from mritool.training.warm_start import started_from, starting_model
from mritool.data.labelled import patient_volumes


def train_classifier(
    data_root, out_dir, fit_config: FitConfig = FitConfig(), preprocessing: PreprocessConfig = PreprocessConfig(),
    split_path=None, validation_fraction: float = 0.2, target_sensitivity: float = TARGET_SENSITIVITY,
    positive_fraction: float = 0.5, backbone_weights=None, slice_context: bool = False, resume: bool = False,
    command: str | None = None, augment: AugmentConfig = AugmentConfig(), runtime: RuntimeSpec = DEFAULT_RUNTIME,
    monitor: str = "val_loss", init=None,
) -> dict:
    """Train, pick the threshold reaching ``target_sensitivity`` on validation slices with ``runtime`` (the
    one the card then names for screening), write the card. ``monitor`` (val_loss or val_auc) is what the
    plateau schedule watches and keeps the best epoch by. ``init`` (a model folder or ``default``): start
    from its classifier's weights instead of from scratch."""
    out_dir = Path(out_dir)
    data = training_data(data_root, out_dir, preprocessing, split_path, validation_fraction, fit_config.seed)
    train, validation = data.train, data.validation
    fit_config, hardware = prepare_session(fit_config)
    runtime = runnable(runtime)  # the card names what its operating point was really tuned on
    train_ds = classifier_training_dataset(
        data.data, train, data.train_stats, preprocessing, fit_config.batch_size, fit_config.seed, positive_fraction,
        augment,
    )
    validation_ds = evaluation_dataset(data.data, validation, data.validation_stats, preprocessing,
                                       fit_config.batch_size, "label")
    steps = fit_config.steps_per_epoch or math.ceil(len(train) / fit_config.batch_size)
    initial = started_from(init, "classifier") if init is not None else None
    model, initial_epoch = starting_model(
        out_dir, "classifier", resume, init, preprocessing,
        lambda: build_classifier(preprocessing.image_size, backbone_weights, channels=preprocessing.channels),
        fit_config, steps, "binary_crossentropy", [keras.metrics.AUC(name="auc")],
    )
    training = fit(model, train_ds, validation_ds, out_dir, "classifier", fit_config, steps, monitor, initial_epoch,
                   hardware)

    best = keras.models.load_model(weights_path(out_dir, "classifier"), compile=False)
    predict = make_predictor(best, runtime, weights_path(out_dir, "classifier"))
    card = ClassifierCard(
        preprocessing=preprocessing,
        model={"architecture": "resnet50", "image_size": preprocessing.image_size,
               "backbone_weights": str(backbone_weights) if backbone_weights else None},
        runtime=runtime,
        training={**fit_config.to_dict(), "positive_fraction": positive_fraction, "augmentation": augment.to_dict(),
                  "validation_fraction": validation_fraction, "init": initial, **training},
        data=data.card_section(data_root),
        input_ranges=reference_ranges([volume_statistics(volume.images[p] for p in positions)
                                       for volume, positions, _ in patient_volumes(data.data, data.train)]),
        reproduce=command,
        **operating_point(predict, preprocessing, data.data, validation, out_dir, target_sensitivity, slice_context),
    )
    write_card(out_dir, card)
    return card
