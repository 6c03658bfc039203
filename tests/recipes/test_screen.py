import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
import tifffile

from mritool.classifier.slice_context import DEFAULT_WEIGHTS, smooth_volume
from mritool.errors import MritoolError
from mritool.engine.stages import Stages
from mritool.recipes.screen import reexport_figures, screen
from mritool.report.output_folder import MARKER


@pytest.fixture(scope="module")
def messy_scans(phantoms, tmp_path_factory):
    """Two phantom patients plus every kind of bad or unusual file a hospital folder holds."""
    root = tmp_path_factory.mktemp("messy")
    for patient in sorted(p for p in phantoms.iterdir() if p.is_dir())[:2]:
        shutil.copytree(patient, root / patient.name)
    odd = root / "ODD_XX_0001_20260101"
    odd.mkdir()
    base = tifffile.imread(next((root).glob("*/*_6.tif")))
    tifffile.imwrite(odd / "corrupt_1.tif", base)
    (odd / "corrupt_1.tif").write_bytes((odd / "corrupt_1.tif").read_bytes()[:100])
    (odd / "zero_2.png").write_bytes(b"")
    (odd / "text_3.png").write_text("not an image")
    cv2.imwrite(str(odd / "gray16_4.png"), (base[..., 1].astype(np.uint16) * 257))
    cv2.imwrite(str(odd / "big_5.jpg"), cv2.resize(base, (512, 512))[..., ::-1])
    cv2.imwrite(str(odd / "rgba_6.png"), np.dstack([base[..., ::-1], np.full(base.shape[:2], 255, np.uint8)]))
    (odd / "orphan_7_mask.tif").write_bytes(b"x")
    return root


@pytest.fixture(scope="module")
def screened(messy_scans, tiny_models, tmp_path_factory):
    return screen(messy_scans, tiny_models, tmp_path_factory.mktemp("out"), qa="all")


def test_every_input_appears_once_and_bad_files_become_error_rows(screened, messy_scans):
    slices = screened.slices
    inputs = sorted(str(p) for p in messy_scans.rglob("*") if p.is_file() and not p.stem.endswith("_mask"))
    assert sorted(slices["image_path"].dropna()) == inputs
    errors = slices[slices["status"] == "error"]
    names = {os.path.basename(str(p)) for p in errors["image_path"].fillna(errors["mask_path"])}
    assert names == {"corrupt_1.tif", "zero_2.png", "text_3.png", "orphan_7_mask.tif"}
    assert errors["error"].str.len().gt(0).all()
    ok = slices[slices["status"] == "ok"]
    assert ok["tumor_probability"].between(0, 1).all()
    for name in ("gray16_4.png", "big_5.jpg", "rgba_6.png"):
        assert ok["image_path"].str.endswith(name).any()


def test_segmenter_sees_only_slices_screened_on_their_volume_context(messy_scans, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    card = json.loads((models / "classifier.json").read_text())
    (models / "classifier.json").write_text(json.dumps({**card, "slice_context": list(DEFAULT_WEIGHTS)}))
    slices = screen(messy_scans, models, tmp_path / "out", qa="none").slices
    ok = slices[slices["status"] == "ok"]
    expected = np.concatenate([smooth_volume(group.sort_values("slice_index")["tumor_probability"], DEFAULT_WEIGHTS)
                               for _, group in ok.groupby("patient_id", sort=False)])
    assert ok["screening_score"].to_numpy() == pytest.approx(expected, abs=1e-6)
    assert not np.allclose(ok["screening_score"], ok["tumor_probability"])
    assert (ok["screened_positive"] == (ok["screening_score"] >= card["threshold"])).all()
    assert not (ok["predicted_tumor"] & ~ok["screened_positive"]).any()


@pytest.mark.parametrize("kind", ["classifier", "segmenter"])
def test_a_stage_fed_neighbour_slices_screens_a_folder_with_unreadable_slices(kind, messy_scans, tiny_models, phantoms,
                                                                             tmp_path):
    from mritool.bundle.fit_config import FitConfig
    from mritool.classifier.train import train_classifier
    from mritool.data.preprocessing import PreprocessConfig
    from mritool.segmenter.train import train_segmenter

    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    train, options = (train_classifier, {}) if kind == "classifier" else (train_segmenter, {"base_filters": 4, "depth": 2})
    card = train(phantoms, models, FitConfig(epochs=1, batch_size=4, steps_per_epoch=2),
                 PreprocessConfig(image_size=32, neighbour_slices=1), validation_fraction=0.34, **options)
    assert card.preprocessing.channels == 5
    classifier = json.loads((models / "classifier.json").read_text())
    (models / "classifier.json").write_text(json.dumps({**classifier, "threshold": 0.0}))  # every slice reaches the segmenter
    stages = Stages.open(models).load()
    assert getattr(stages.folder, kind).preprocessing.neighbour_slices == 1
    slices = screen(messy_scans, stages=stages, out_dir=tmp_path / "out", qa="none").slices
    ok = slices[slices["status"] == "ok"]
    assert len(ok) == len(slices) - 4 and ok["tumor_probability"].between(0, 1).all()
    assert ok["screened_positive"].all() and ok["predicted_area_px"].notna().all()


def test_outputs_on_disk(screened, messy_scans):
    out = screened.out_dir
    on_disk = pd.read_csv(out / "slices.csv")
    assert len(on_disk) == len(screened.slices)
    patients = pd.read_csv(out / "patients.csv")
    assert set(patients["patient_id"]) == {p.name for p in messy_scans.iterdir()}
    big = screened.slices[screened.slices["image_path"].fillna("").str.endswith("big_5.jpg")].iloc[0]
    assert cv2.imread(big["predicted_mask_path"], cv2.IMREAD_UNCHANGED).shape == (512, 512)  # the input's size
    labelled = screened.slices[screened.slices["mask_path"].notna() & (screened.slices["status"] == "ok")]
    assert labelled["dice"].between(0, 1).all() and labelled["true_area_px"].notna().all()
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporaries


def test_figures_show_five_panels_and_a_contact_sheet_per_patient(screened):
    figures = list((screened.out_dir / "figures").glob("*.jpg"))
    sheets = [f for f in figures if f.name.endswith("_contact_sheet.jpg")]
    assert len(sheets) == 3
    one = cv2.imread(str(next(f for f in figures if f not in sheets and "_viewer_" not in f.name)))
    assert one.shape[1] == 5 * 256 + 4 * 4  # image, true mask, predicted mask, two overlays
    html = (screened.out_dir / "report.html").read_text()
    patients_table = html.split('<table id="patients"', 1)[1].split("</table>", 1)[0]
    assert patients_table.count("<tr>") == 1 + 3  # header + one row per patient


def test_qa_reexports_from_the_csv_alone(screened, tmp_path):
    figures = reexport_figures(screened.out_dir / "slices.csv", tmp_path, "positives")
    assert (tmp_path / "report.html").is_file()
    assert all(os.path.isfile(f) for f in figures["figure"])
    with pytest.raises(MritoolError, match="not a slices table"):
        pd.DataFrame({"a": [1]}).to_csv(tmp_path / "other.csv")
        reexport_figures(tmp_path / "other.csv", tmp_path)


def test_read_only_output_folder_is_a_clear_error(messy_scans, tiny_models, tmp_path):
    if os.geteuid() == 0:  # root ignores permission bits; /sys is read-only even for root
        target, message = "/sys/mritool-test-output", "cannot create output folder"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target, message = locked / "out", "cannot create output folder"
    with pytest.raises(MritoolError, match=message):
        screen(messy_scans, tiny_models, target)


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "segmenter.json").unlink(), "model card missing"),
    (lambda d: (d / "classifier.json").write_text(json.dumps({**json.loads((d / "classifier.json").read_text()), "card_version": 0})), "card version"),
    (lambda d: (d / "classifier.json").write_text(json.dumps({**json.loads((d / "classifier.json").read_text()),
                                                              "preprocessing": {"image_size": 64}})), "card says 64px"),
])
def test_missing_or_mismatched_card(tiny_models, tmp_path, damage, message):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models)
    damage(models)
    with pytest.raises(MritoolError, match=message):
        Stages.open(models).load()


def _swap(models):
    for suffix in (".keras", ".json"):
        (models / f"classifier{suffix}").rename(models / f"swap{suffix}")
        (models / f"segmenter{suffix}").rename(models / f"classifier{suffix}")
        (models / f"swap{suffix}").rename(models / f"segmenter{suffix}")
    for kind in ("classifier", "segmenter"):  # cards relabelled, so only the weights can tell
        card = json.loads((models / f"{kind}.json").read_text())
        other = json.loads((models / f"{'segmenter' if kind == 'classifier' else 'classifier'}.json").read_text())
        relabelled = {**other, "kind": kind, "preprocessing": card["preprocessing"]}
        relabelled.pop("weights_sha256", None)  # as on cards older than checksums, which would catch the swap first
        (models / f"{kind}.json").write_text(json.dumps(relabelled))


def _lambda_layer(models):
    """Weights whose code would run on load, under a card that predates checksums."""
    import keras

    inputs = keras.Input((32, 32, 3))
    keras.Model(inputs, keras.layers.Lambda(lambda x: keras.ops.mean(x, axis=(1, 2, 3)))(inputs)).save(models / "classifier.keras")
    card = json.loads((models / "classifier.json").read_text())
    card.pop("weights_sha256")
    (models / "classifier.json").write_text(json.dumps(card))


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "classifier.keras").write_bytes(b"PK\x03\x04 not a keras archive"), "not the weights its card"),
    (_swap, "output"),
    (_lambda_layer, "cannot load the classifier weights"),
])
def test_corrupt_or_swapped_weights_are_one_line_errors(tiny_models, tmp_path, damage, message):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models, ignore=shutil.ignore_patterns("openvino"))
    damage(models)
    with pytest.raises(MritoolError, match=message) as error:
        Stages.open(models).load()
    assert "\n" not in str(error.value)


def test_a_broken_openvino_cache_entry_is_rebuilt(messy_scans, tiny_models, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(tiny_models, models, ignore=shutil.ignore_patterns("openvino"))
    Stages.open(models).load()
    for entry in (models / "openvino").glob("*.xml"):
        entry.write_bytes(b"")  # what a conversion killed half-way used to leave
    result = screen(messy_scans, models, tmp_path / "out", qa="none")
    assert (result.slices["status"] == "ok").sum() > 0
    assert all(entry.stat().st_size > 0 for entry in (models / "openvino").glob("*.xml"))
    assert not list((models / "openvino").glob(".*"))  # no temporary left behind


def test_qa_never_writes_outside_its_folder(screened, tmp_path):
    table = pd.read_csv(screened.out_dir / "slices.csv")
    table.loc[table["patient_id"] == table["patient_id"].iloc[0], "patient_id"] = "../../escape"
    table.to_csv(tmp_path / "slices.csv", index=False)
    figures = reexport_figures(tmp_path / "slices.csv", tmp_path / "qa", "all")
    assert all((tmp_path / "qa" / "figures") in Path(f).parents for f in figures["figure"])
    assert not list(tmp_path.parent.glob("escape*"))


def test_qa_takes_a_table_written_before_confirmation_existed(screened, tmp_path):
    table = pd.read_csv(screened.out_dir / "slices.csv")
    table.drop(columns=["confirmation_score", "confirmed"]).to_csv(tmp_path / "slices.csv", index=False)
    reexport_figures(tmp_path / "slices.csv", tmp_path / "qa", "none")
    summary = json.loads((tmp_path / "qa" / MARKER).read_text())
    assert summary["confirmed slices"] == summary["screened positive slices"] == int(table["screened_positive"].sum())


def test_slice_numbers_stay_integers_beside_an_orphan_mask(screened):
    assert str(screened.slices["slice_index"].dtype) == "Int64"
    lines = (screened.out_dir / "slices.csv").read_text().splitlines()[1:]
    assert len(lines) == len(screened.slices) and not [line for line in lines if "." in line.split(",")[1]]
    assert not list((screened.out_dir / "figures").glob("*.0.jpg"))


def test_an_output_folder_holding_results_is_refused_unless_overwritten(messy_scans, tiny_models, tmp_path):
    out = tmp_path / "out"
    first = screen(messy_scans, tiny_models, out, qa="none")
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    (out / "notes.txt").write_text("mine")
    with pytest.raises(MritoolError, match="holds another run's results"):
        screen(messy_scans, tiny_models, out, qa="none")
    stale = out / "masks" / "stale_pred.png"
    stale.write_bytes(b"old")
    again = screen(messy_scans, tiny_models, out, qa="none", overwrite=True)
    assert len(again.slices) == len(first.slices) and not stale.exists()
    assert (out / "notes.txt").read_text() == "mine"  # only results are cleared
    assert not (out / ".mritool.lock").exists()


def test_a_folder_another_live_run_holds_is_refused(messy_scans, tiny_models, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".mritool.lock").write_text(str(holder.pid))
        with pytest.raises(MritoolError, match="another mritool run"):
            screen(messy_scans, tiny_models, out, qa="none")
    finally:
        holder.kill()
        holder.wait()
    assert screen(messy_scans, tiny_models, out, qa="none").summary["patients"] == 3  # a dead holder's lock is taken


def test_slices_csv_paths_work_from_any_directory(phantoms, tiny_models, tmp_path, monkeypatch):
    monkeypatch.chdir(phantoms.parent)
    result = screen(phantoms.name, tiny_models, tmp_path / "out", qa="none")
    assert all(os.path.isabs(p) for p in result.slices["image_path"])
    monkeypatch.chdir(tmp_path)
    assert len(reexport_figures(tmp_path / "out" / "slices.csv", tmp_path / "qa", "positives")) > 0


def test_results_carry_their_provenance_into_the_report_and_qa(screened, tiny_models, tmp_path):
    from mritool.machine import describe_machine
    from mritool.runtimes import runtime_precisions

    origin = json.loads((screened.out_dir / "provenance.json").read_text())
    card = json.loads((tiny_models / "classifier.json").read_text())
    assert origin["threshold"] == card["threshold"] and origin["weights_sha256"]["classifier"] == card["weights_sha256"]
    native = "bfloat16" if "bfloat16" in runtime_precisions("openvino") else "float32"  # what this CPU runs
    assert origin["input"] and origin["runtime"] == f"openvino {native}" and origin["counts"]["slices"] == len(screened.slices)
    assert origin["runtime_tuned_on"] == origin["runtime"] and origin["runtime_note"] is None
    assert origin["machine"] == str(describe_machine(gpus=False))
    assert len(origin["bundle_fingerprint"]) == 16 and origin["libraries"]["numpy"]
    assert origin["bundle_fingerprint"] in (screened.out_dir / "report.html").read_text()
    reexport_figures(screened.out_dir / "slices.csv", tmp_path, "positives")
    assert origin["bundle_fingerprint"] in (tmp_path / "report.html").read_text()


def test_tta_reports_disagreement_and_lists_the_least_sure_patients_first(messy_scans, tiny_models, tmp_path):
    result = screen(messy_scans, tiny_models, tmp_path / "out", qa="none", tta=True)
    screened = result.slices[result.slices["screened_positive"].fillna(False).astype(bool)]
    assert len(screened) and screened["tta_disagreement"].between(0, 1).all()
    assert result.slices.loc[~result.slices.index.isin(screened.index), "tta_disagreement"].isna().all()
    known = result.patients["tta_disagreement"].dropna()
    assert len(known) and known.is_monotonic_decreasing
    assert json.loads((tmp_path / "out" / "provenance.json").read_text())["tta"] is True
