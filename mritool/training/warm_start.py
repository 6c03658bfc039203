"""Fine-tuning: a stage starts from a trained bundle's weights (``--init MODELS|default``) instead of
from scratch, as nnU-Net's pretrained weights or a MONAI bundle do for users with their own data.

The weights learnt on their preprocessing, so the fine-tuned model must keep it; the card records what
it started from.
"""

import keras

from mritool.bundle.card import load_model, read_card
from mritool.bundle.default import bundle_info, model_folder
from mritool.data.preprocessing import PreprocessConfig
from mritool.errors import MritoolError


def warm_start(init, kind: str, preprocessing: PreprocessConfig):
    """``init``'s ``kind`` stage under the session's dtype policy, to train on."""
    from mritool.runtimes.precision import with_policy

    folder = model_folder(init)
    model, card = load_model(folder, kind)
    if card.preprocessing != preprocessing:
        raise MritoolError(f"{folder}: its {kind} was trained with {card.preprocessing.to_dict()}; fine-tune it "
                           f"with the same preprocessing (e.g. --image-size {card.preprocessing.image_size})")
    return with_policy(model, keras.config.dtype_policy().name)


def started_from(init, kind: str) -> dict:
    """What a card records of the bundle a stage was fine-tuned from (also when the run was resumed)."""
    folder = model_folder(init)
    info = bundle_info(folder)
    return {"from": str(folder), "bundle": f"{info['name']} {info['version']}" if info else None,
            "weights_sha256": read_card(folder, kind).weights_sha256}
