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
