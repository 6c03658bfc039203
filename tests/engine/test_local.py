"""The local runner: one patient's failure is that patient's rows, one per slice; the rest of the cohort
finishes. A failure to write outputs stops the run and is never committed as a patient's result."""

import errno
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mritool.cli import main
from mritool.errors import OutputError
from mritool.io import _replace_atomic
from mritool.engine.stages import Stages
from mritool.recipes.screen import screen


def test_a_worker_that_raises_becomes_that_patients_error_rows(phantoms, tiny_models, tmp_path):
    stages = Stages.open(tiny_models).load()
    classify, calls = stages.classify, []

    def second_patient_fails(batch):
        calls.append(len(batch))
        if len(calls) == 2:  # one call per patient: its 12 slices fit one batch
            raise RuntimeError("simulated worker failure")
        return classify(batch)

    stages.classify = second_patient_fails
    result = screen(phantoms, out_dir=tmp_path / "out", stages=stages, qa="none")
    failed = result.slices[result.slices["status"] == "error"]
    assert failed["patient_id"].nunique() == 1
    assert list(failed["slice_index"]) == list(range(1, 13))  # a row per slice, its truth mask on that row
    assert [Path(path).name for path in failed["mask_path"]] == [
        Path(path).name.replace(".tif", "_mask.tif") for path in failed["image_path"]]
    assert failed["error"].str.contains("screening failed: RuntimeError: simulated worker failure").all()
    assert (result.slices["status"] == "ok").sum() == 5 * 12
    assert result.summary["patients"] == 6


def test_screen_exits_3_when_some_inputs_failed_and_0_when_none(phantoms, tiny_models, tmp_path):
    runner = CliRunner()
    clean = runner.invoke(main, ["screen", str(phantoms), "--models", str(tiny_models), "--out", str(tmp_path / "a"),
                                 "--qa", "none"])
    assert clean.exit_code == 0, clean.output
    broken = tmp_path / "scans"
    broken.mkdir()
    (broken / "P9_flair.nii.gz").write_bytes(b"truncated")
    failed = runner.invoke(main, ["screen", str(broken), "--models", str(tiny_models), "--out", str(tmp_path / "b"),
                                  "--qa", "none"])
    assert failed.exit_code == 3
    assert "1 input files could not be screened" in failed.output
    assert (tmp_path / "b" / "run.json").is_file()  # the results are still written


def test_a_study_that_cannot_be_read_is_a_row_per_slice_with_its_mask(phantoms, tiny_models, tmp_path, monkeypatch):
    import mritool.engine.patient as patient

    read_study = patient.read_study

    def unreadable(study):
        if study.patient_id.startswith("SYN_BB_0002"):
            raise RuntimeError("simulated reader bug")
        return read_study(study)

    monkeypatch.setattr(patient, "read_study", unreadable)
    result = screen(phantoms, tiny_models, tmp_path / "out", qa="none")
    failed = result.slices[result.slices["status"] == "error"]
    assert failed["patient_id"].nunique() == 1 and len(failed) == 12  # 12 images and their 12 masks
    assert failed["error"].str.contains("simulated reader bug").all()
    assert all(Path(mask).name == Path(image).name.replace(".tif", "_mask.tif")
               for image, mask in zip(failed["image_path"], failed["mask_path"]))


def test_an_output_fault_stops_the_run_commits_nothing_of_it_and_resume_finishes(phantoms, tiny_models, tmp_path,
                                                                                monkeypatch):
    import mritool.volumes.writers.png as png

    write, calls = png.write_bytes_atomic, []

    def disk_full_on_the_30th_mask(path, data):
        calls.append(path)
        if len(calls) == 30:  # the third patient's sixth mask
            def no_space(stream):
                raise OSError(errno.ENOSPC, "No space left on device")
            _replace_atomic(Path(path), no_space)
        write(path, data)

    monkeypatch.setattr(png, "write_bytes_atomic", disk_full_on_the_30th_mask)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match=r"_pred.png: cannot write \(No space left on device\)$"):
        screen(phantoms, tiny_models, out, qa="none")
    parts = [json.loads(path.read_text()) for path in (out / "parts").glob("*.json")]
    assert len(parts) == 2 and all(not part["result"]["problems"] for part in parts)  # the third is not committed
    assert not (out / "run.json").exists() and not (out / "slices.csv").exists()
    assert not list(out.rglob("*.tmp"))

    monkeypatch.setattr(png, "write_bytes_atomic", write)
    resumed = screen(phantoms, tiny_models, out, qa="none", resume=True)
    assert resumed.resumed == 2
    assert len(resumed.slices) == 6 * 12 and (resumed.slices["status"] == "ok").all()
