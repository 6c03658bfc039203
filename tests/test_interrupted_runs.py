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


def _screen(scans, models, out, overwrite=False, extra=()):
    command = [sys.executable, "-m", "mritool", "screen", str(scans), "--models", str(models), "--out", str(out),
               "--qa", "positives"] + (["--overwrite"] if overwrite else []) + list(extra)
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


def _outputs(out):
    """Every result a resumed run must reproduce byte for byte: the tables (with the output folder's own
    path written as OUT, the only thing two folders cannot share), the masks, the figures and the
    completion summary. The report and provenance.json differ by their clock readings only."""
    files = {name: (out / name).read_text().replace(str(out), "OUT") for name in ("slices.csv", "patients.csv", "run.json")}
    for folder in ("masks", "figures"):
        files |= {str(path.relative_to(out)): path.read_bytes() for path in sorted((out / folder).rglob("*")) if path.is_file()}
    return files


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    from mritool.data.synthetic import make_phantoms

    return make_phantoms(tmp_path_factory.mktemp("cohort"), patients=24, slices=12, size=64, seed=5)


@pytest.fixture(scope="module")
def whole(cohort, tiny_models, tmp_path_factory):
    """The cohort screened without interruption: what every interrupted run must end as."""
    out = tmp_path_factory.mktemp("whole") / "out"
    assert _screen(cohort, tiny_models, out).wait(timeout=600) == 0
    return out


def test_a_cohort_killed_mid_way_resumes_to_the_same_bytes_and_another_bundle_recomputes(cohort, tiny_models, whole,
                                                                                       tmp_path):
    import json

    from mritool.recipes.screen import screen

    out = tmp_path / "out"
    process = _screen(cohort, tiny_models, out)
    parts = out / "parts"
    while process.poll() is None and len(list(parts.glob("*.json"))) < 3:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    committed = len(list(parts.glob("*.json")))
    assert 3 <= committed < 24 and not (out / "run.json").exists()  # the signal landed mid-cohort
    resumed = _screen(cohort, tiny_models, out, extra=["--resume"])
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    assert f"{committed} taken from an earlier run" in resumed.stderr.read()
    assert _outputs(out) == _outputs(whole)

    other = tmp_path / "other_models"
    shutil.copytree(tiny_models, other)
    card = json.loads((other / "classifier.json").read_text())
    card["threshold"] = 0.0  # every slice screened positive: another bundle, other masks
    (other / "classifier.json").write_text(json.dumps(card))
    again = screen(cohort, other, out, resume=True)
    fresh = screen(cohort, other, tmp_path / "fresh")
    assert again.resumed == 0
    assert _outputs(out) == _outputs(fresh.out_dir)


def _disk_bytes(folder) -> int:
    return sum(path.stat().st_blocks * 512 for path in folder.rglob("*"))


def test_a_full_disk_stops_the_run_with_one_line_and_resume_on_room_gives_the_same_bytes(cohort, tiny_models, whole,
                                                                                       small_disk):
    import json

    disk = small_disk(_disk_bytes(whole) // 2 // 4096 * 4096)  # fills about half-way through the cohort
    out = disk / "out"
    full = _screen(cohort, tiny_models, out)
    assert full.wait(timeout=600) != 0
    stderr = full.stderr.read()
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].endswith("cannot write (No space left on device)"), stderr
    parts = [json.loads(path.read_text()) for path in (out / "parts").glob("*.json")]
    assert 0 < len(parts) < 24  # it stopped mid-cohort ...
    assert not any(part["result"]["problems"] for part in parts)  # ... and committed no fault as a patient's
    assert not (out / "run.json").exists() and not (out / "slices.csv").exists() and not list(out.rglob("*.tmp"))

    small_disk(256 * 2**20)  # room made, the same folder resumed
    resumed = _screen(cohort, tiny_models, out, extra=["--resume"])
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    assert f"{len(parts)} taken from an earlier run" in resumed.stderr.read()
    assert _outputs(out) == _outputs(whole)


def test_a_read_only_output_folder_is_one_line_and_a_non_zero_exit(phantoms, tiny_models, small_disk):
    disk = small_disk(2**20)
    (disk / "out").mkdir()
    small_disk("ro")
    process = _screen(phantoms, tiny_models, disk / "out")
    assert process.wait(timeout=300) != 0
    lines = process.stderr.read().strip().splitlines()
    assert lines == [f"Error: {disk / 'out'}: output folder is not writable"]
