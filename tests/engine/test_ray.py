"""The Ray engine against the local one on the same cohort: the same rows, predictions and files."""

import shutil
from pathlib import Path

import pytest

from mritool.recipes.screen import screen

ray = pytest.importorskip("ray", reason="the Ray engine is the ray extra: pip install 'mritool[ray]'")


def _text(path, out_dir):
    return path.read_text().replace(str(out_dir), "OUT")


def _files(folder):
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_ray_and_local_engines_give_identical_tables_and_files(phantoms, tiny_models, tmp_path):
    scans = tmp_path / "scans"
    shutil.copytree(phantoms, scans)
    (scans / "broken_flair.nii.gz").write_bytes(b"not a NIfTI file")  # an unreadable study inside the cohort
    local = screen(scans, tiny_models, tmp_path / "local", qa="all")
    try:
        remote = screen(scans, tiny_models, tmp_path / "ray", qa="all", engine="ray", workers=2)
    finally:
        ray.shutdown()
    for name in ("slices.csv", "patients.csv"):
        assert _text(remote.out_dir / name, remote.out_dir) == _text(local.out_dir / name, local.out_dir)
    for folder in ("masks", "figures"):
        assert _files(remote.out_dir / folder) == _files(local.out_dir / folder)
    assert len(_files(local.out_dir / "masks")) == (local.slices["status"] == "ok").sum() > 0
    errors = remote.slices[remote.slices["status"] == "error"]
    assert errors["image_path"].str.endswith("broken_flair.nii.gz").tolist() == [True]  # the rest finished
    assert remote.summary["patients"] == 7


def test_a_full_disk_under_a_ray_worker_stops_the_run_with_one_line(phantoms, tiny_models, small_disk):
    import os

    from mritool.errors import OutputError

    disk = small_disk(4 * 2**20)
    stat = os.statvfs(disk)
    (disk / "filler").write_bytes(bytes(stat.f_bavail * stat.f_frsize - 96 * 1024))  # room for a patient or so
    try:
        with pytest.raises(OutputError, match=r"cannot write \(No space left on device\)$"):
            screen(phantoms, tiny_models, disk / "out", qa="all", engine="ray", workers=1)
    finally:
        ray.shutdown()
    assert not (disk / "out" / "run.json").exists()


def test_a_local_ray_reserves_cpus_per_worker_for_each_worker(phantoms, tiny_models, tmp_path):
    try:
        result = screen(phantoms, tiny_models, tmp_path / "out", qa="none", engine="ray", workers=1, cpus_per_worker=5)
        assert ray.cluster_resources()["CPU"] == 5  # workers x --cpus-per-worker, not this machine's count
    finally:
        ray.shutdown()
    assert (result.slices["status"] == "ok").all() and len(result.slices) == 72


def _ray_workers() -> list[int]:
    """Process ids of this machine's Ray actors screening patients (their process title names the actor)."""
    import os

    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("ray::") and "MapWorker" in title:
            pids.append(int(pid))
    return pids


def test_a_ray_worker_killed_mid_run_is_replaced_and_its_patient_screened_again(phantoms, tiny_models, tmp_path):
    import os
    import signal
    import threading
    import time

    killed, finished = [], threading.Event()

    def kill_a_worker_once_a_patient_is_committed():
        # Watches until the run ends, not for a fixed time: on a loaded machine Ray's start alone can take minutes.
        while not finished.is_set() and not killed:
            parts = tmp_path / "ray" / "parts"
            workers = _ray_workers()
            if parts.is_dir() and any(parts.iterdir()) and workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append((workers[0], len(list(parts.iterdir()))))
            time.sleep(0.05)

    local = screen(phantoms, tiny_models, tmp_path / "local", qa="all")
    killer = threading.Thread(target=kill_a_worker_once_a_patient_is_committed, daemon=True)
    killer.start()
    try:
        remote = screen(phantoms, tiny_models, tmp_path / "ray", qa="all", engine="ray", workers=1)
    finally:
        finished.set()
        ray.shutdown()
    killer.join()
    assert killed and killed[0][1] < remote.summary["patients"]  # killed before the run had finished
    assert remote.summary["error rows"] == 0
    for name in ("slices.csv", "patients.csv"):
        assert _text(remote.out_dir / name, remote.out_dir) == _text(local.out_dir / name, local.out_dir)
    for folder in ("masks", "figures"):
        assert _files(remote.out_dir / folder) == _files(local.out_dir / folder)


def test_a_model_folder_changed_before_a_ray_worker_loads_it_stops_the_run_with_one_line(phantoms, tiny_models, tmp_path):
    import dataclasses

    from mritool.bundle.card import read_card, write_card
    from mritool.engine.ray_runner import screen_studies_ray
    from mritool.engine.stages import Stages
    from mritool.errors import MritoolError
    from mritool.volumes.readers import find_studies

    folder = tmp_path / "models"
    shutil.copytree(tiny_models, folder)
    stages = Stages.open(folder)  # what the run read when it started
    card = read_card(folder, "classifier")
    write_card(folder, dataclasses.replace(card, threshold=card.threshold / 2))  # retuned before a worker loads
    try:
        with pytest.raises(MritoolError) as caught:
            list(screen_studies_ray(find_studies(phantoms), stages, tmp_path / "masks", workers=1))
    finally:
        ray.shutdown()
    assert str(caught.value) == (f"{folder}: the model folder changed after this run read it; "
                                 "run again with the folder as it is now")
