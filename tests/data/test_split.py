import pytest

from mritool.data.index import index_folder
from mritool.data.split import load_split, make_split, save_split, select
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


@pytest.mark.real_data
def test_real_split_spans_institutions(real_data):
    slices = index_folder(real_data).slices
    split = make_split(slices, 0.2, seed=0)
    validation = select(slices, split, "validation")
    assert validation["institution"].nunique() >= 4
    assert len(split["validation"]) in (12, 13)
