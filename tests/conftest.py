import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MRITOOL_CACHE_DIR", tempfile.mkdtemp(prefix="mritool-test-cache-"))  # not the user's

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "lgg" / "kaggle_3m"

# Under CI (.ci/run sets MRITOOL_CI=1) everything a test needs is there: the real data beside the checkout,
# Chromium, the int8 and ray extras. A test that skips there proves nothing, so it fails instead, unless
# it skips for what a machine may lack: a CPU without bfloat16, no permission to mount a tmpfs.
STRICT = os.environ.get("MRITOOL_CI") == "1"
HARDWARE_SKIPS = ("does not run bfloat16 on this CPU", "cannot mount a tmpfs here", "the example study sits in the repository")


def _fail_a_skip_ci_must_not_allow(report) -> None:
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in HARDWARE_SKIPS):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI, where it must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    _fail_a_skip_ci_must_not_allow((yield).get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):  # a module's importorskip (ray, nncf) skips while it is collected
    _fail_a_skip_ci_must_not_allow((yield).get_result())


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
    from mritool.training.fit import discard_checkpoint

    models = tmp_path_factory.mktemp("models")
    preprocessing = PreprocessConfig(image_size=32)
    fit_config = FitConfig(epochs=1, batch_size=4, steps_per_epoch=2)
    train_classifier(phantoms, models, fit_config, preprocessing, validation_fraction=0.34)
    train_segmenter(phantoms, models, fit_config, preprocessing, validation_fraction=0.34, base_filters=4, depth=2)
    for stage in ("classifier", "segmenter"):  # the resume state (277 MB) is read by no test, copied by many
        discard_checkpoint(models, stage)
    return models


@pytest.fixture(scope="session")
def real_segmenter(real_data, tmp_path_factory):
    """A small segmenter trained on real tumor slices until confident, its weights file, held-out real
    slices for it and the slices it was trained on."""
    import keras
    import numpy as np

    from mritool.data.index import index_folder
    from mritool.data.preprocessing import PreprocessConfig, intensity_stats, preprocess
    from mritool.machine import describe_machine, training_policy
    from mritool.segmenter.losses import FocalTverskyLoss
    from mritool.segmenter.model import build_resunet
    from tests.slice_files import read_image, read_mask

    keras.utils.set_random_seed(0)
    slices = index_folder(real_data).slices
    patients = sorted(slices["patient_id"].unique())[:6]
    chosen = slices[slices["patient_id"].isin(patients) & slices["has_tumor"].astype(bool)]
    config = PreprocessConfig(image_size=128)
    images = [read_image(path, 128) for path in chosen["image_path"]]
    owners = chosen["patient_id"].tolist()
    stats = {patient: intensity_stats([i for i, o in zip(images, owners) if o == patient]) for patient in patients}
    x = np.stack([preprocess(image, stats[owner], config) for image, owner in zip(images, owners)])
    y = np.stack([read_mask(p, 128) for p in chosen["mask_path"]])[..., None].astype("float32")
    keras.config.set_dtype_policy(training_policy(describe_machine(gpus=False))[0])  # as `--precision auto` trains
    try:
        model = build_resunet(128, base_filters=8, depth=3)
    finally:
        keras.config.set_dtype_policy("float32")
    model.compile(keras.optimizers.Adam(3e-3), loss=FocalTverskyLoss())
    model.fit(x[::2], y[::2], epochs=60, batch_size=8, verbose=0)
    weights = tmp_path_factory.mktemp("real_segmenter") / "segmenter.keras"
    model.save(weights)
    return model, weights, x[1::2], x[::2]


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of its own (root can mount one), resized by calling it with a size in bytes, or "ro"."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not shutil.which("mount") or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                                                     capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root and mount)")

    def remount(option):
        option = f"size={option}" if isinstance(option, int) else option
        subprocess.run(["mount", "-o", f"remount,{option}", str(mount)], check=True)
        return mount

    yield remount
    subprocess.run(["umount", "-l", str(mount)], check=True)
