"""Fine-tuning: a stage starts from a trained bundle's weights (``--init MODELS|default``) instead of
from scratch, as nnU-Net's pretrained weights or a MONAI bundle do for users with their own data.

The weights learnt on their preprocessing, so the fine-tuned model must keep it; the card records what
it started from.
"""

import keras

from mritool.bundle.default import DEFAULT, is_packaged
from mritool.bundle.model_folder import ModelFolder
from mritool.data.preprocessing import PreprocessConfig
from mritool.errors import MritoolError
from mritool.training.fit import make_optimizer, resume_state


def warm_start(init, kind: str, preprocessing: PreprocessConfig):
    """``init``'s ``kind`` stage under the session's dtype policy, to train on."""
    from mritool.runtimes.precision import with_policy

    folder = ModelFolder.open(init, needs=(kind,))
    card = folder.card(kind)
    if card.preprocessing != preprocessing:
        raise MritoolError(f"{folder.path}: its {kind} was trained with {card.preprocessing.to_dict()}; fine-tune it "
                           f"with the same preprocessing (e.g. --image-size {card.preprocessing.image_size})")
    return with_policy(folder.keras_model(kind), keras.config.dtype_policy().name)


def started_from(init, kind: str) -> dict:
    """What a card records of the bundle a stage was fine-tuned from (also when the run was resumed): the
    packaged default by name, since its path is one installation's."""
    folder = ModelFolder.open(init, needs=(kind,))
    origin = DEFAULT if is_packaged(folder.path) else str(folder.path)
    return {"from": origin, "bundle": folder.name, "weights_sha256": folder.card(kind).weights_sha256}


def starting_model(out_dir, kind: str, resume: bool, init, preprocessing: PreprocessConfig, build, fit_config,
                   steps: int, loss, metrics):
    """(model, first epoch) of a stage's training: the last epoch's checkpoint, compiled as it was saved,
    when ``resume`` finds one; else ``init``'s weights to fine-tune, or a new network from ``build()``,
    compiled with ``loss`` and ``metrics`` under the fit's optimizer."""
    model, initial_epoch = resume_state(out_dir, kind) if resume else (None, 0)
    if model is None:
        model = warm_start(init, kind, preprocessing) if init is not None else build()
        model.compile(optimizer=make_optimizer(fit_config, steps), loss=loss, metrics=metrics)
    return model, initial_epoch

