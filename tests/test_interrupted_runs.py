"""Real ``mritool screen`` processes killed at random moments, the first model conversion included:
nothing complete-looking is left behind, and the re-run gives what an uninterrupted run gives."""

import random
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

RESULT_COLUMNS = ["patient_id", "slice_index", "tumor_probability", "predicted_area_px", "status"]


def _screen(scans, models, out, overwrite=False):
    command = [sys.executable, "-m", "mritool", "screen", str(scans), "--models", str(models), "--out", str(out),
               "--qa", "positives"] + (["--overwrite"] if overwrite else [])
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _results(out):
    return pd.read_csv(out / "slices.csv")[RESULT_COLUMNS]


@pytest.fixture(scope="module")
def reference(phantoms, tiny_models, tmp_path_factory):
    """An uninterrupted run from a model folder with no compiled cache yet, and its wall time."""
    models = tmp_path_factory.mktemp("models")
    shutil.copytree(tiny_models, models, dirs_exist_ok=True, ignore=shutil.ignore_patterns("openvino"))
    out = tmp_path_factory.mktemp("reference") / "out"
    started = time.monotonic()
    process = _screen(phantoms, models, out)
    assert process.wait(timeout=300) == 0, process.stderr.read()
    return _results(out), time.monotonic() - started


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_killed_run_leaves_nothing_complete_looking_and_a_rerun_matches(reference, phantoms, tiny_models, tmp_path, seed):
    expected, wall = reference
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models, ignore=shutil.ignore_patterns("openvino"))  # the first conversion can be hit
    out = tmp_path / "out"
    process = _screen(phantoms, models, out)
    time.sleep(random.Random(seed).uniform(0.2, 0.95) * wall)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    if (out / "run.json").exists():  # marked complete before the signal landed (even if it hit the exit): whole
        pd.testing.assert_frame_equal(_results(out), expected)
    else:
        assert process.returncode != 0
    rerun = _screen(phantoms, models, out, overwrite=True)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
    assert (out / "run.json").is_file()
    pd.testing.assert_frame_equal(_results(out), expected)
