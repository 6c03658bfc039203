"""``mritool demo``: the whole product on an embedded default, with nothing to download.

Phantom patients at 64x64 keep it to a few minutes on 2 CPU cores: both stages are trained on
three quarters of the patients and the held-out quarter is screened into a report.
"""

from pathlib import Path

from mritool.classifier.train import train_classifier
from mritool.data.preprocessing import PreprocessConfig
from mritool.data.split import make_split, save_split
from mritool.data.synthetic import make_phantoms
from mritool.recipes.evaluate import split_studies
from mritool.recipes.screen import ScreeningResult, screen
from mritool.segmenter.train import train_segmenter
from mritool.bundle.fit_config import FitConfig
from mritool.training.slices import labelled_slices

DEMO_SIZE = 64


def run_demo(out_dir, seed: int = 0, log=print) -> ScreeningResult:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log(f"making phantoms in {out_dir / 'phantoms'}")
    data = make_phantoms(out_dir / "phantoms", patients=16, slices=16, size=DEMO_SIZE, seed=seed)
    slices = labelled_slices(data)
    split = make_split(slices, validation_fraction=0.25, seed=seed)
    split_path = Path(out_dir) / "split.json"
    save_split(split, split_path)
    models = out_dir / "models"
    preprocessing = PreprocessConfig(image_size=DEMO_SIZE)
    log("training the classifier (ResNet50)")
    train_classifier(data, models, FitConfig(epochs=8, batch_size=16, learning_rate=3e-4, patience=8, seed=seed),
                     preprocessing, split_path=split_path, command=f"mritool demo --seed {seed}")
    log("training the segmenter (ResUNet)")
    train_segmenter(data, models, FitConfig(epochs=12, batch_size=8, learning_rate=2e-3, patience=12, seed=seed),
                    preprocessing, split_path=split_path, base_filters=8, depth=3, negative_fraction=0.2,
                    command=f"mritool demo --seed {seed}")
    log(f"screening the {len(split['validation'])} held-out patients")
    return screen(models_dir=models, out_dir=out_dir / "screening", studies=split_studies(data, split, "validation"),
                  overwrite=True)
