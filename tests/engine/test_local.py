"""The local runner: one patient's failure is that patient's rows; the rest of the cohort finishes."""

from click.testing import CliRunner

from mritool.cli import main
from mritool.engine.stages import load_stages
from mritool.recipes.screen import screen


def test_a_worker_that_raises_becomes_that_patients_error_rows(phantoms, tiny_models, tmp_path):
    stages = load_stages(tiny_models)
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
    assert len(failed) == len(list((phantoms / failed["patient_id"].iloc[0]).iterdir()))  # a row per file of it
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
