"""The model bundle that ships inside the package (``mritool/models/default``), used wherever a model
folder is asked for and none is given, or ``default`` is.

A bundle folder is an ordinary model folder; ``bundle.json`` beside the cards names it and its version
(written by ``mritool pack``), so provenance can say which shipped model screened.
"""

from pathlib import Path

from mritool.errors import MritoolError
from mritool.io import read_json

DEFAULT = "default"
PACKAGED = Path(__file__).resolve().parents[1] / "models"
BUNDLE_INFO = "bundle.json"


def folder_of(name_or_path=None) -> Path:
    """The folder ``name_or_path`` names: the packaged default for None or ``default``, else the path."""
    return PACKAGED / DEFAULT if name_or_path is None or str(name_or_path) == DEFAULT else Path(name_or_path)


def model_folder(name_or_path=None) -> Path:
    """``folder_of``, with a clear error where it is the default and this installation has none."""
    folder = folder_of(name_or_path)
    if folder == PACKAGED / DEFAULT and not (folder / "classifier.json").is_file():
        raise MritoolError(f"{folder}: this installation has no default model; give a model folder (--models)")
    return folder


def bundle_info(models_dir) -> dict | None:
    """What ``bundle.json`` says of the folder (name, version, how it was made), or None for a plain folder."""
    path = Path(models_dir) / BUNDLE_INFO
    return read_json(path, "bundle description") if path.is_file() else None


MODEL_CARD = "README.md"  # the model card's prose: data, intended use, limitations, figures, citation
LICENCES = ("license.txt", "data_license.txt")  # the weights' licence, and the training data's


def describe_bundle(models_dir) -> str:
    """What ``mritool models`` prints: name and version, what each stage's card says of its operating
    point and its making, the files' sizes, then the model card and where the licences are."""
    from mritool.bundle.card import read_card, weights_path

    models_dir = Path(models_dir)
    info = bundle_info(models_dir) or {}
    lines = [f"{info.get('name', models_dir.name)} {info.get('version', '')}".strip() + f"  ({models_dir})"]
    classifier, segmenter = read_card(models_dir, "classifier"), read_card(models_dir, "segmenter")
    metrics = classifier.validation_metrics
    lines.append(f"classifier: threshold {classifier.threshold:.4f} on {classifier.runtime}; validation "
                 f"sensitivity {metrics.get('sensitivity', float('nan')):.3f}, specificity "
                 f"{metrics.get('specificity', float('nan')):.3f}, AUC {metrics.get('roc_auc', float('nan')):.3f}")
    tuning = segmenter.postprocessing_tuning or segmenter.validation_metrics
    lines.append(f"segmenter: {segmenter.postprocessing.to_dict()}; validation per-patient Dice mean "
                 f"{tuning.get('patient_dice_mean', float('nan')):.3f}, median {tuning.get('patient_dice_median', float('nan')):.3f}")
    for card in (classifier, segmenter):
        size = weights_path(models_dir, card.kind).stat().st_size / 2**20
        lines.append(f"{card.kind}.keras: {size:.1f} MB ({card.model.get('stored_as', 'as trained')}); made by: {card.reproduce}")
    if info.get("reproduce"):
        lines.append(f"packed by: {info['reproduce']}")
    card_text = models_dir / MODEL_CARD
    if card_text.is_file():
        lines += ["", card_text.read_text().rstrip()]
    present = [name for name in LICENCES if (models_dir / name).is_file()]
    if present:
        lines += ["", "licences: " + ", ".join(str(models_dir / name) for name in present)]
    return "\n".join(lines)
