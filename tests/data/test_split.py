import pytest

from mritool.data.index import index_folder
from mritool.data.split import load_split, make_folds, make_split, save_split, select
from mritool.errors import MritoolError


@pytest.fixture(scope="module")
def slices(phantoms):
    return index_folder(phantoms).slices


def test_no_patient_in_two_sets_and_every_patient_somewhere(slices):
    split = make_split(slices, 0.34, seed=1)
    train, validation = select(slices, split, "train"), select(slices, split, "validation")
    assert set(train["patient_id"]).isdisjoint(validation["patient_id"])
    assert len(train) + len(validation) == len(slices)
    assert len(split["validation"]) == 2


def test_same_seed_same_split_other_seed_other_split(slices):
    assert make_split(slices, 0.34, seed=1) == make_split(slices, 0.34, seed=1)
    assert any(make_split(slices, 0.34, seed=s)["validation"] != make_split(slices, 0.34, seed=1)["validation"] for s in range(2, 8))


def test_round_trip_through_json(slices, tmp_path):
    split = make_split(slices, 0.5, seed=2)
    save_split(split, tmp_path / "split.json")
    assert load_split(tmp_path / "split.json") == split


def test_a_leaking_split_file_is_refused(tmp_path):
    (tmp_path / "split.json").write_text('{"train": ["a", "b"], "validation": ["b"]}')
    with pytest.raises(MritoolError, match="both train and validation"):
        load_split(tmp_path / "split.json")


def test_folds_partition_the_patients_and_each_is_a_split(slices, tmp_path):
    folds = make_folds(slices, 3, seed=1)
    patients = set(slices["patient_id"])
    validations = [set(fold["validation"]) for fold in folds]
    assert set().union(*validations) == patients and sum(map(len, validations)) == len(patients)
    for k, fold in enumerate(folds):
        assert fold["fold"] == k and set(fold["train"]) == patients - set(fold["validation"])
        save_split(fold, tmp_path / f"fold_{k}.json")
        assert load_split(tmp_path / f"fold_{k}.json") == fold
    assert make_folds(slices, 3, seed=1) == folds
    with pytest.raises(MritoolError, match="folds need between 2 and 6"):
        make_folds(slices, 7)


@pytest.mark.real_data
def test_real_folds_span_institutions(real_data):
    slices = index_folder(real_data).slices
    for fold in make_folds(slices, 5, seed=0):
        validation = select(slices, fold, "validation")
        assert validation["institution"].nunique() >= 4 and len(fold["validation"]) in (12, 13)
        assert validation["has_tumor"].astype(bool).any()


@pytest.mark.real_data
def test_real_split_spans_institutions(real_data):
    slices = index_folder(real_data).slices
    split = make_split(slices, 0.2, seed=0)
    validation = select(slices, split, "validation")
    assert validation["institution"].nunique() >= 4
    assert len(split["validation"]) in (12, 13)
