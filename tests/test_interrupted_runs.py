"""Real ``mritool screen`` processes killed inside a mask write, a figure write, a patient's commit and
the final merge, and at a random moment (the first model conversion included), each kill point drawn
from the system's random source and printed: nothing complete-looking is left behind, and ``--resume``
ends with the bytes of an uninterrupted run. Resumed runs recompute exactly what a change of input,
TTA, QA choice or runtime invalidates. A full disk and a read-only folder stop a run with one line."""

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

KILL_POINT = Path(__file__).with_name("kill_point.py")


def _command(scans, models, out, extra=()):
    return ["screen", str(scans), "--models", str(models), "--out", str(out), "--qa", "positives", *extra]


def _screen(scans, models, out, extra=()):
    return subprocess.Popen([sys.executable, "-m", "mritool", *_command(scans, models, out, extra)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


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


def _fresh_models(tiny_models, folder):
    """A copy of the models without their compiled graph, so a run starts with the first conversion."""
    shutil.copytree(tiny_models, folder, ignore=shutil.ignore_patterns("openvino"))
    return folder


@pytest.fixture(scope="module")
def whole_run(cohort, tiny_models, tmp_path_factory):
    """The cohort screened without interruption, the first conversion included: what every interrupted run
    must end as, and its wall time."""
    models = _fresh_models(tiny_models, tmp_path_factory.mktemp("whole") / "models")
    out = models.parent / "out"
    started = time.monotonic()
    assert _screen(cohort, models, out).wait(timeout=600) == 0
    return out, time.monotonic() - started


@pytest.fixture(scope="module")
def whole(whole_run):
    return whole_run[0]


def _resumed_to_the_same_bytes(cohort, models, out, whole, point):
    assert not (out / "run.json").exists() and not (out / "slices.csv").exists(), point
    resumed = _screen(cohort, models, out, extra=["--resume"])
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    assert _outputs(out) == _outputs(whole), point


@pytest.mark.parametrize("pattern", ["/masks/", "/figures/", "/parts/", "/slices.csv"])
def test_a_run_killed_inside_a_write_resumes_to_the_same_bytes(cohort, tiny_models, whole, tmp_path, pattern):
    writes = len([path for path in whole.rglob("*") if path.is_file() and pattern in str(path)])
    target = random.SystemRandom().randint(1, writes)
    point = f"killed inside write {target} of {writes} into {pattern!r}"
    print(point)  # the kill point, recorded in the test's output
    out = tmp_path / "out"
    killed = subprocess.run([sys.executable, str(KILL_POINT), pattern, str(target),
                             *_command(cohort, tiny_models, out)], capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, f"{point}: the run ended before it ({killed.stderr})"
    assert [path.name for path in out.rglob(".*.tmp")], point  # the half-written file, under a temporary name only
    _resumed_to_the_same_bytes(cohort, tiny_models, out, whole, point)


def test_a_run_killed_at_a_random_moment_resumes_to_the_same_bytes(cohort, tiny_models, whole_run, tmp_path):
    whole, wall = whole_run
    models = _fresh_models(tiny_models, tmp_path / "models")  # the first conversion can be hit
    moment = random.SystemRandom().uniform(0.05, 0.7) * wall
    point = f"killed {moment:.2f} s into a run that takes {wall:.2f} s"
    print(point)
    out = tmp_path / "out"
    process = _screen(cohort, models, out)
    time.sleep(moment)
    assert process.poll() is None, f"{point}: the run ended before it"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    _resumed_to_the_same_bytes(cohort, models, out, whole, point)


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


@pytest.mark.parametrize("change", ["an input file", "tta", "qa", "runtime", "register"])
def test_a_resume_recomputes_exactly_what_a_change_invalidates(cohort, tiny_models, tmp_path, change):
    from mritool.recipes.screen import screen

    scans = tmp_path / "scans"
    shutil.copytree(cohort, scans)
    first = screen(scans, tiny_models, tmp_path / "out", qa="positives", runtime="openvino")
    settings = {"qa": "positives", "runtime": "openvino"}
    if change == "an input file":  # one slice of one patient replaced by another slice of the same patient
        patient = sorted(path for path in scans.iterdir() if path.is_dir())[3]
        shutil.copyfile(patient / f"{patient.name}_2.tif", patient / f"{patient.name}_5.tif")
    else:
        settings |= {"tta": {"tta": True}, "qa": {"qa": "all"}, "runtime": {"runtime": "keras"},
                     "register": {"register": True}}[change]
    resumed = screen(scans, tiny_models, first.out_dir, resume=True, **settings)
    fresh = screen(scans, tiny_models, tmp_path / "fresh", **settings)
    assert resumed.resumed == (23 if change == "an input file" else 0)
    assert _outputs(resumed.out_dir) == _outputs(fresh.out_dir)
