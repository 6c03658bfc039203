import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "lgg" / "kaggle_3m"


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data not found at {REAL_DATA} (it sits beside the project checkout in CI)")
    return REAL_DATA


@pytest.fixture(scope="session")
def phantoms(tmp_path_factory) -> Path:
    """Six small phantom patients (12 slices of 64x64), shared read-only by the whole session."""
    from mritool.data.synthetic import make_phantoms

    return make_phantoms(tmp_path_factory.mktemp("phantoms"), patients=6, slices=12, size=64, seed=3)


@pytest.fixture(scope="session")
def tiny_models(phantoms, tmp_path_factory) -> Path:
    """Both stages trained for a few steps at 32x32: fast, and through the real training code path."""
    from mritool.classifier.train import train_classifier
    from mritool.data.preprocessing import PreprocessConfig
    from mritool.segmenter.train import train_segmenter
    from mritool.bundle.fit_config import FitConfig

    models = tmp_path_factory.mktemp("models")
    preprocessing = PreprocessConfig(image_size=32)
    fit_config = FitConfig(epochs=1, batch_size=4, steps_per_epoch=2)
    train_classifier(phantoms, models, fit_config, preprocessing, validation_fraction=0.34)
    train_segmenter(phantoms, models, fit_config, preprocessing, validation_fraction=0.34, base_filters=4, depth=2)
    return models
