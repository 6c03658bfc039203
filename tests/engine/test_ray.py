"""The Ray engine against the local one on the same cohort: the same rows, predictions and files."""

import shutil

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
