"""What ``mritool models`` prints of a bundle: its cards' figures, the model card's prose, its licences."""

from mritool.bundle.model_folder import ModelFolder

MODEL_CARD = "README.md"  # the model card's prose: data, intended use, limitations, figures, citation
LICENCES = ("license.txt", "data_license.txt")  # the weights' licence, and the training data's


def describe_bundle(folder: ModelFolder) -> str:
    """What ``mritool models`` prints: name and version, what each stage's card says of its operating
    point and its making, the files' sizes, then the model card and where the licences are."""
    models_dir = folder.path
    lines = [f"{folder.name or models_dir.name}  ({models_dir})"]
    classifier, segmenter = folder.classifier, folder.segmenter
    metrics = classifier.validation_metrics
    lines.append(f"classifier: threshold {classifier.threshold:.4f} on {classifier.runtime}; validation "
                 f"sensitivity {metrics.get('sensitivity', float('nan')):.3f}, specificity "
                 f"{metrics.get('specificity', float('nan')):.3f}, AUC {metrics.get('roc_auc', float('nan')):.3f}")
    tuning = segmenter.postprocessing_tuning or segmenter.validation_metrics
    lines.append(f"segmenter: {segmenter.postprocessing.to_dict()}; validation per-patient Dice mean "
                 f"{tuning.get('patient_dice_mean', float('nan')):.3f}, median {tuning.get('patient_dice_median', float('nan')):.3f}")
    if segmenter.postprocessing.confirms:
        lines.append(f"confirmation: a screened slice keeps its outline where the mean of its score and the segmenter's "
                     f"highest probability on it reaches {segmenter.postprocessing.confirm_threshold:.4f}; validation "
                     f"sensitivity {tuning.get('confirmed_sensitivity', float('nan')):.3f}, specificity "
                     f"{tuning.get('confirmed_specificity', float('nan')):.3f}")
    if classifier.operating_point_reproduce:
        lines.append(f"tuned by: {classifier.operating_point_reproduce}")
    for card in (classifier, segmenter):
        size = folder.weights(card.kind).stat().st_size / 2**20
        lines.append(f"{card.kind}.keras: {size:.1f} MB ({card.model.get('stored_as', 'as trained')}); made by: {card.reproduce}")
    if (folder.bundle or {}).get("reproduce"):
        lines.append(f"packed by: {folder.bundle['reproduce']}")
    card_text = models_dir / MODEL_CARD
    if card_text.is_file():
        lines += ["", card_text.read_text().rstrip()]
    present = [name for name in LICENCES if (models_dir / name).is_file()]
    if present:
        lines += ["", "licences: " + ", ".join(str(models_dir / name) for name in present)]
    return "\n".join(lines)
