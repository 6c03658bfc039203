"""Cross-validation pooling: each fold is scored at a choice made without its patients, the shipped
choice on all of them, and the out-of-fold scores it reports are the ones the choices were made on."""

import json
import shutil

import pandas as pd
import pytest

from mritool.bundle.card import GATE_SENSITIVITY
from mritool.data.split import load_split, save_split
from mritool.errors import MritoolError
from mritool.recipes.crossval import cross_validate


@pytest.fixture(scope="module")
def folds(phantoms, tiny_models, tmp_path_factory):
    """Two fold folders of the tiny models whose splits hold out disjoint patients."""
    split = load_split(tiny_models / "split.json")
    patients = sorted(split["train"] + split["validation"])
    root = tmp_path_factory.mktemp("folds")
    folders = []
    for fold, held_out in enumerate((patients[:3], patients[3:])):
        folder = root / f"fold_{fold}"
        shutil.copytree(tiny_models, folder)
        save_split({"train": [p for p in patients if p not in held_out], "validation": held_out, "test": []},
                   folder / "split.json")
        folders.append(folder)
    return folders


def test_each_fold_is_scored_at_a_threshold_chosen_on_the_other_folds(phantoms, folds, tmp_path):
    result = cross_validate(phantoms, folds, tmp_path, target_sensitivity=0.9)
    slices = pd.read_csv(tmp_path / "slices.csv")
    table = pd.read_csv(tmp_path / "folds.csv")
    assert sorted(slices.groupby("fold")["patient_id"].nunique()) == [3, 3] and len(slices) == 6 * 12
    for _, row in table.iterrows():
        chosen_on = slices[slices["fold"] != row["fold"]]
        tumor = chosen_on[chosen_on["has_tumor"]]
        assert (tumor["screening_score"] >= row["classifier_threshold"]).mean() >= 0.9  # reached where it was chosen
        scored = slices[slices["fold"] == row["fold"]]
        negatives = scored[~scored["has_tumor"]]
        assert row["specificity"] == pytest.approx((negatives["screening_score"] < row["classifier_threshold"]).mean())
    tumor = slices[slices["has_tumor"]]
    assert (tumor["screening_score"] >= result["pooled_choice"]["threshold"]).mean() >= 0.9
    patients = pd.read_csv(tmp_path / "patients.csv")
    assert sorted(patients["patient_id"]) == sorted(slices["patient_id"].unique())
    assert result["nested"]["mean"]["dice_mean"] == pytest.approx(table["dice_mean"].mean())
    assert result["nested"]["worst"]["dice_worst"] == pytest.approx(patients["dice"].min())
    assert json.loads((tmp_path / "crossval.json").read_text()) == result


def test_with_confirmation_the_gate_is_chosen_higher_and_the_confirmed_slices_reach_the_target(phantoms, folds, tmp_path):
    cross_validate(phantoms, folds, tmp_path / "plain", target_sensitivity=0.9)
    plain = pd.read_csv(tmp_path / "plain" / "folds.csv")
    result = cross_validate(phantoms, folds, tmp_path / "confirm", target_sensitivity=0.9, confirm=True)
    slices = pd.read_csv(tmp_path / "confirm" / "slices.csv")
    table = pd.read_csv(tmp_path / "confirm" / "folds.csv")
    for (_, row), plain_threshold in zip(table.iterrows(), plain["classifier_threshold"]):
        tumor = slices[(slices["fold"] != row["fold"]) & slices["has_tumor"]]
        assert (tumor["screening_score"] >= row["classifier_threshold"]).mean() >= GATE_SENSITIVITY
        assert row["classifier_threshold"] <= plain_threshold
        assert 0 <= row["segmenter_confirm_threshold"] < 1
        # the table alone reproduces the fold's confirmed calls: no maps, no weights
        held_out = slices[slices["fold"] == row["fold"]]
        confirmation = (held_out["screening_score"] + held_out["segmenter_highest_probability"]) / 2
        kept = (held_out["screening_score"] >= row["classifier_threshold"]) & (confirmation >= row["segmenter_confirm_threshold"])
        assert row["sensitivity"] == pytest.approx(kept[held_out["has_tumor"]].mean())
        assert row["specificity"] == pytest.approx(1 - kept[~held_out["has_tumor"]].mean())
    assert result["confirm"] and result["pooled_choice"]["sensitivity"] >= 0.9  # where it was chosen


def test_folds_that_hold_out_one_patient_twice_are_refused(phantoms, folds, tmp_path):
    with pytest.raises(MritoolError, match="folds must hold out disjoint patients"):
        cross_validate(phantoms, [folds[0], folds[0]], tmp_path)


def segmenters_only(folds, root):
    """The fold folders without their classifiers, as a segmenter recipe's runs are."""
    folders = []
    for folder in folds:
        copy = root / folder.name
        shutil.copytree(folder, copy)
        for name in ("classifier.json", "classifier.keras"):
            (copy / name).unlink()
        folders.append(copy)
    return folders


def test_an_earlier_crossvals_classifier_scores_stand_in_for_the_classifiers(phantoms, folds, tmp_path):
    first = cross_validate(phantoms, folds, tmp_path / "full", target_sensitivity=0.9)
    scores = tmp_path / "full" / "slices.csv"
    second = cross_validate(phantoms, segmenters_only(folds, tmp_path), tmp_path / "seg", target_sensitivity=0.9,
                            classifier_scores=scores)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "seg" / "slices.csv"), pd.read_csv(scores))
    # the same segmenters behind the same scores: the same choice and figures
    assert second["pooled_choice"] == first["pooled_choice"] and second["nested"] == first["nested"]
    assert second["classifier_scores"] == str(scores) and first["classifier_scores"] is None


def test_classifier_scores_from_other_folds_are_refused(phantoms, folds, tmp_path):
    cross_validate(phantoms, folds, tmp_path / "full", target_sensitivity=0.9)
    table = pd.read_csv(tmp_path / "full" / "slices.csv")
    moved = table["patient_id"] == table.loc[table["fold"] == 0, "patient_id"].iloc[0]
    table.loc[moved, "fold"] = 1  # a fold-0 patient scored by fold 1's classifier, which trained on it
    table.to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(MritoolError, match="not one fold of the classifier scores"):
        cross_validate(phantoms, segmenters_only(folds, tmp_path), tmp_path / "seg", classifier_scores=tmp_path / "other.csv")
    (tmp_path / "bad.csv").write_text("patient_id,score\nx,1\n")
    with pytest.raises(MritoolError, match="not the slices.csv of a crossval run"):
        cross_validate(phantoms, folds, tmp_path / "seg", classifier_scores=tmp_path / "bad.csv")


def test_the_command_prints_the_pooled_choice_and_the_folds_mean_and_worst(phantoms, folds, tmp_path):
    from click.testing import CliRunner

    from mritool.cli import main

    result = CliRunner().invoke(main, ["crossval", *map(str, folds), "--data", str(phantoms), "--out", str(tmp_path),
                                       "--target-sensitivity", "0.9"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "crossval.json").read_text())
    assert f"threshold {summary['pooled_choice']['threshold']:.4f}" in result.output
    assert "choice made without them, mean" in result.output and "worst" in result.output
