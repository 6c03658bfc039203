"""The command line: help everywhere, and bad input as one line on stderr with a non-zero exit."""

import pytest
from click.testing import CliRunner

from mritool.cli import main

COMMANDS = [[], ["synth"], ["index"], ["split"], ["train"], ["train", "classifier"], ["train", "segmenter"], ["train", "all"],
            ["evaluate"], ["evaluate", "classifier"], ["evaluate", "segmenter"], ["evaluate", "pipeline"],
            ["tune"], ["ensemble"], ["crossval"], ["screen"], ["quantize"], ["export"], ["qa"], ["demo"], ["models"], ["pack"]]


@pytest.fixture
def run():
    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args])
    return invoke


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mritool")
def test_every_command_has_help_with_an_example(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output or command in (["train"], ["evaluate"])


def _one_line_error(result, fragment):
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and fragment in lines[0], result.output


def test_synth_then_index_summarises(run, tmp_path):
    assert run("synth", tmp_path / "p", "--patients", 2, "--slices", 5, "--size", 32).exit_code == 0
    (tmp_path / "p" / "SYN_AA_0001_20260101" / "SYN_AA_0001_20260101_9_mask.tif").write_bytes(b"x")
    result = run("index", tmp_path / "p", "--out", tmp_path / "index.csv")
    assert result.exit_code == 0
    assert "patients: 2" in result.output and "slices: 10" in result.output
    assert "unreadable files: 1" in result.output and "mask with no image" in result.output
    assert (tmp_path / "index.csv").is_file()


def test_missing_path(run, tmp_path):
    _one_line_error(run("index", tmp_path / "absent"), "no such folder")


def test_empty_folder(run, tmp_path):
    _one_line_error(run("index", tmp_path), "no studies found")


def test_not_an_image_is_listed_by_index(run, tmp_path):
    (tmp_path / "p1").mkdir()
    (tmp_path / "p1" / "scan_1.png").write_text("hello")
    result = run("index", tmp_path)
    assert result.exit_code == 0 and "unreadable files: 1" in result.output and "not a readable image" in result.output


def test_training_on_unlabelled_data_is_refused(run, tmp_path):
    (tmp_path / "p1").mkdir()
    import cv2
    import numpy as np

    cv2.imwrite(str(tmp_path / "p1" / "s_1.png"), np.zeros((8, 8), np.uint8))
    _one_line_error(run("train", "segmenter", "--data", tmp_path, "--out", tmp_path / "m"), "no readable mask")


def test_screen_with_a_model_folder_that_is_not_there(run, phantoms, tmp_path):
    _one_line_error(run("screen", phantoms, "--models", tmp_path / "nothing", "--out", tmp_path / "o"), "no such model folder")


def test_screen_with_a_model_folder_lacking_cards(run, phantoms, tmp_path):
    _one_line_error(run("screen", phantoms, "--models", tmp_path, "--out", tmp_path / "o"), "model card missing")


def test_ensemble_of_folders_without_classifiers(run, phantoms, tmp_path):
    for member in ("a", "b"):
        (tmp_path / member).mkdir()  # folders that hold no model
    _one_line_error(run("ensemble", tmp_path / "a", tmp_path / "b", "--data", phantoms, "--out", tmp_path / "e"),
                    "model card missing")
    _one_line_error(run("ensemble", "--segmenter", tmp_path / "a", "--data", phantoms, "--out", tmp_path / "e"),
                    "--segmenter at least twice")


def test_qa_on_a_missing_table(run, tmp_path):
    _one_line_error(run("qa", tmp_path / "slices.csv", "--out", tmp_path / "qa"), "no such slices table")


def test_bad_split_file(run, phantoms, tmp_path):
    (tmp_path / "split.json").write_text("not json")
    _one_line_error(run("train", "classifier", "--data", phantoms, "--out", tmp_path / "m", "--split", tmp_path / "split.json"),
                    "split file is not valid JSON")


def test_a_stage_trained_with_missing_sequences_records_their_share_in_its_card(run, phantoms, tmp_path):
    import json

    result = run("train", "segmenter", "--data", phantoms, "--out", tmp_path / "m", "--image-size", 32, "--epochs", 1,
                 "--steps-per-epoch", 1, "--batch-size", 2, "--base-filters", 2, "--depth", 1, "--missing-sequences", 0.25)
    assert result.exit_code == 0, result.output
    augmentation = json.loads((tmp_path / "m" / "segmenter.json").read_text())["training"]["augmentation"]
    assert augmentation["missing_sequences"] == 0.25 and augmentation["rotation_deg"] == 15.0


def test_screen_end_to_end(run, phantoms, tiny_models, tmp_path):
    result = run("screen", phantoms, "--models", tiny_models, "--out", tmp_path / "o", "--qa", "none")
    assert result.exit_code == 0, result.output
    assert "slices: 72" in result.output and "report:" in result.output


@pytest.mark.parametrize("stage, expected", [
    ("classifier", "roc_auc"), ("segmenter", "patient_dice_mean"), ("pipeline", "per-patient Dice mean"),
])
def test_evaluate_each_stage_on_the_model_split(run, phantoms, tiny_models, tmp_path, stage, expected):
    result = run("evaluate", stage, "--data", phantoms, "--model", tiny_models, "--out", tmp_path / stage)
    assert result.exit_code == 0, result.output
    assert expected in result.output and "subset: validation" in result.output


def test_an_error_is_one_line_on_the_real_stderr_of_a_process(phantoms, tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mritool", "screen", str(phantoms), "--models", str(tmp_path / "none"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"Error: {tmp_path / 'none'}: no such model folder"], done.stderr


def test_progress_and_time_left_go_to_stderr_and_the_summary_to_stdout(phantoms, tiny_models, tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mritool", "screen", str(phantoms), "--models", str(tiny_models),
                           "--out", str(tmp_path / "out"), "--qa", "none"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    updates = [part for part in done.stderr.splitlines() if part.startswith("screening: ")]  # \r rewrites one line
    assert [update.split()[1] for update in updates] == [f"{k}/6" for k in range(1, 7)], done.stderr  # one a patient
    assert all("slices/s, about" in update and " s left" in update for update in updates)
    assert "screening:" not in done.stdout and "slices: 72" in done.stdout


def test_a_training_command_checks_its_data_folder_before_importing_tensorflow(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "mritool", "train", "classifier", "--data",
                           str(tmp_path / "absent"), "--out", str(tmp_path / "m")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "mritool.cli" in imported and not {"tensorflow", "keras"} & imported
    assert done.stderr.splitlines()[-1] == f"Error: {tmp_path / 'absent'}: no such folder"
