"""A folder of awkward files screened: exactly one row per input file, and each error row says why."""

import json
import os
import shutil

import cv2
import numpy as np
import pytest
import tifffile

from mritool.recipes.screen import screen


@pytest.fixture(scope="module")
def hostile(phantoms, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    source = sorted(p for p in phantoms.iterdir() if p.is_dir())[0]
    base = tifffile.imread(source / f"{source.name}_6.tif")
    odd = root / "ODD"
    odd.mkdir()
    tifffile.imwrite(odd / "multi_1.tif", base)
    tifffile.imwrite(odd / "multi_1.tif", base, append=True)
    cv2.imwrite(str(odd / "huge_2.png"), base[..., 0])
    data = bytearray((odd / "huge_2.png").read_bytes())
    data[16:24] = (20000).to_bytes(4, "big") * 2  # the header claims 20000x20000 pixels
    (odd / "huge_2.png").write_bytes(bytes(data))
    cv2.imwrite(str(odd / "twin_3.png"), base)
    cv2.imwrite(str(odd / "twin_3.jpg"), base)
    cv2.imwrite(str(odd / "dup_4.png"), base)
    cv2.imwrite(str(odd / "dup_04.png"), base)
    cv2.imencode(".png", base)[1].tofile(str(odd / "ünï cödé_5.png"))
    cv2.imwrite(str(odd / "tiny_6.png"), base[:7, :7])
    (odd / "empty_7.png").write_bytes(b"")
    (odd / "text_8.tif").write_text("not an image")
    (odd / "orphan_9_mask.png").write_bytes(b"x")
    for parent in ("A", "B"):  # two patients whose folders share a name
        (root / parent / "FLAIR").mkdir(parents=True)
        for number in (1, 2):
            shutil.copy(source / f"{source.name}_{number}.tif", root / parent / "FLAIR" / f"s_{number}.tif")
    (odd / "loop").symlink_to(root, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def screened(hostile, tiny_models, tmp_path_factory):
    return screen(hostile, tiny_models, tmp_path_factory.mktemp("out"), qa="none")


def test_every_input_file_is_exactly_one_row(hostile, screened):
    files = sorted(str(p) for p in hostile.rglob("*") if p.is_file() and "loop" not in p.parts)
    rows = screened.slices
    assert len(rows) == len(files) == 15
    assert sorted(rows["image_path"].fillna(rows["mask_path"])) == files


def test_each_error_row_says_why(screened):
    rows = screened.slices
    errors = dict(zip(rows["image_path"].fillna(rows["mask_path"]).map(os.path.basename), rows["error"].fillna("")))
    expected = {
        "multi_1.tif": "multi-page TIFF (2 pages)",
        "huge_2.png": "20000x20000 pixels is over the limit",
        "twin_3.png": "ambiguous: twin_3.jpg, twin_3.png name the same slice",
        "twin_3.jpg": "ambiguous",
        "dup_4.png": "duplicate slice number 4 (also dup_04.png)",
        "empty_7.png": "empty file",
        "text_8.tif": "not a readable",
        "orphan_9_mask.png": "mask with no image",
    }
    for name, reason in expected.items():
        assert reason in errors[name], name
    ok = rows[rows["status"] == "ok"]
    assert {"dup_04.png", "ünï cödé_5.png", "tiny_6.png"} <= set(ok["image_path"].map(os.path.basename))
    assert set(rows.loc[rows["status"] == "error", "image_path"].fillna(rows["mask_path"]).map(os.path.basename)) == set(expected)


def test_same_named_folders_stay_two_patients_and_a_loop_invents_none(screened):
    patients = set(screened.patients["patient_id"])
    assert {"A/FLAIR", "B/FLAIR"} <= patients
    assert not any("loop" in p for p in patients)
    flair = screened.slices[screened.slices["patient_id"] == "A/FLAIR"]
    assert flair["slice_index"].tolist() == [1, 2]
    masks = screened.slices["predicted_mask_path"].dropna()
    assert masks.is_unique  # no two rows write one mask file


def test_the_size_limit_can_be_set_per_run(hostile, tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("MRITOOL_MAX_PIXELS", str(32 * 32))
    rows = screen(hostile / "A", tiny_models, tmp_path, qa="none").slices
    assert (rows["status"] == "error").all() and rows["error"].str.contains("over the limit of 1024").all()
    assert np.all(rows["image_path"].notna())


def test_inputs_unlike_the_training_data_are_flagged_not_hidden(phantoms, tiny_models, tmp_path):
    source = sorted(p for p in phantoms.iterdir() if p.is_dir())[0]
    singles = tmp_path / "singles"
    singles.mkdir()
    for number in range(1, 5):  # grayscale single images of other sizes, as a photo archive holds
        gray = tifffile.imread(source / f"{source.name}_{number + 4}.tif")[..., 1]
        cv2.imwrite(str(singles / f"img_{number}.png"), cv2.resize(gray, (48 + 16 * number, 64)))
    result = screen(singles, tiny_models, tmp_path / "out", qa="none")
    flags = result.slices["input_flags"]
    assert flags.str.contains("single-channel").all() and flags.str.contains("mixed sizes").all()
    assert flags.str.contains("not a square slice").sum() == 2  # 96x64 and 112x64
    assert result.slices["tumor_probability"].notna().all()  # predictions kept
    assert "unlike the data the models were trained on" in (tmp_path / "out" / "report.html").read_text()
    phantom = screen(source.parent, tiny_models, tmp_path / "phantoms", qa="none")
    assert phantom.slices["input_flags"].isna().all() and phantom.summary["slices unlike the training data"] == 0


def test_a_volume_whose_intensities_are_unlike_the_training_set_is_flagged(phantoms, tiny_models, tmp_path):
    source = sorted(p for p in phantoms.iterdir() if p.is_dir())[0]
    fogged = tmp_path / "scans" / "FOG"
    fogged.mkdir(parents=True)
    for path in source.glob("*.tif"):
        image = tifffile.imread(path)
        tifffile.imwrite(fogged / path.name, image if path.stem.endswith("_mask") else np.clip(image.astype(int) + 40, 0, 255).astype(np.uint8))
    card = json.loads((tiny_models / "classifier.json").read_text())
    assert set(card["input_ranges"]) == {"foreground_fraction", "flair_cv"}
    rows = screen(tmp_path / "scans", tiny_models, tmp_path / "out", qa="none").slices
    assert rows["input_flags"].str.contains("foreground fraction 1.00 outside the training range").all()


def test_the_slice_count_limit_can_be_set_per_run(phantoms, tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("MRITOOL_MAX_SLICES", "11")  # the phantoms have 12
    rows = screen(phantoms, tiny_models, tmp_path, qa="none").slices
    assert (rows["status"] == "error").all() and len(rows) == 6 * 12  # still a row per slice
    assert rows["error"].str.contains("12 slices is over the limit of 11 per patient").all()


def test_a_patient_stored_without_its_t1_sequences_is_reported_and_warned_of(phantoms, tiny_models, tmp_path):
    sources = sorted(p for p in phantoms.iterdir() if p.is_dir())[:2]
    root = tmp_path / "studies"
    shutil.copytree(sources[0], root / sources[0].name)
    (root / "FLAIR_ONLY").mkdir()
    for path in sorted(sources[1].glob("*.tif")):
        pixels = tifffile.imread(path)
        if not path.stem.endswith("_mask"):
            pixels[..., [0, 2]] = pixels[..., [1]]  # as the LGG set stores a patient whose T1s were not acquired
        tifffile.imwrite(root / "FLAIR_ONLY" / path.name, pixels)
    result = screen(root, tiny_models, tmp_path / "out", qa="none")
    missing = result.patients.set_index("patient_id")["missing_sequences"]
    assert missing["FLAIR_ONLY"] == "t1, t1ce" and missing.drop("FLAIR_ONLY").isna().all()
    assert result.slices["input_flags"].isna().all()  # a patient-level fact, not a per-slice flag
    assert "1 of 2 patients lack a sequence, screened with the FLAIR in its place (FLAIR_ONLY)" in (
        tmp_path / "out" / "report.html").read_text()
