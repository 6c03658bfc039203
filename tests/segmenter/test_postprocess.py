import numpy as np

import pytest

from mritool.errors import MritoolError
from mritool.segmenter.postprocess import (PostProcessConfig, binarise, clean_slices, confirmation_scores, confirmed,
                                           confirmed_by, highest_probabilities, keep_largest_component,
                                           postprocess_volume)


def test_threshold_and_small_component_removal():
    probabilities = np.zeros((1, 32, 32), np.float32)
    probabilities[0, 2:12, 2:12] = 0.9  # 100 px lesion
    probabilities[0, 20:22, 20:22] = 0.9  # 4 px speck
    probabilities[0, 25:30, 25:30] = 0.4  # below threshold
    config = PostProcessConfig(threshold=0.5, min_area_px=10)
    masks = clean_slices(binarise(probabilities, config), config)
    assert masks.dtype == np.uint8 and masks.sum() == 100


def test_largest_component_spans_slices():
    volume = np.zeros((3, 16, 16), np.uint8)
    volume[0:3, 2:6, 2:6] = 1  # 48 voxels across three slices
    volume[1, 10:14, 10:14] = 1  # 16 voxels, separate
    kept = keep_largest_component(volume)
    assert kept.sum() == 48 and kept[1, 10:14, 10:14].sum() == 0


def test_volume_config_switches_the_filter():
    probabilities = np.zeros((2, 16, 16), np.float32)
    probabilities[0, 0:4, 0:4] = 1
    probabilities[1, 10:12, 10:12] = 1
    assert postprocess_volume(probabilities, PostProcessConfig()).sum() == 20
    assert postprocess_volume(probabilities, PostProcessConfig(largest_component_per_volume=True)).sum() == 16


def test_evidence_ranks_lesions_by_probability_times_the_slices_classifier_score():
    probabilities = np.zeros((3, 16, 16), np.float32)
    probabilities[0:2, 0:4, 0:4] = 0.9  # 32 voxels on two slices
    probabilities[2, 8:13, 8:13] = 0.9  # 25 voxels on the third, not touching them
    by_evidence = PostProcessConfig(0.5, 0, True, "evidence")
    assert postprocess_volume(probabilities, PostProcessConfig(0.5, 0, True)).sum() == 32
    assert postprocess_volume(probabilities, by_evidence).sum() == 32  # no classifier: probability mass
    assert postprocess_volume(probabilities, by_evidence, np.array([0.5, 0.5, 1.0]))[2].sum() == 25
    assert postprocess_volume(probabilities, PostProcessConfig(0.5, 0, True), np.array([0.5, 0.5, 1.0])).sum() == 32


def test_a_slice_keeps_its_outline_only_where_both_stages_together_confirm_it():
    probabilities = np.zeros((3, 16, 16), np.float32)
    probabilities[0, 0:4, 0:4] = 0.9  # a sure outline on a slice the classifier doubts
    probabilities[1, 0:4, 0:4] = 0.6  # a faint one on a slice it is sure of
    probabilities[2, 0:4, 0:4] = 0.6  # a faint one on a slice it doubts
    scores = np.array([0.1, 0.9, 0.1])
    assert highest_probabilities(probabilities) == pytest.approx([0.9, 0.6, 0.6])
    assert confirmation_scores(highest_probabilities(probabilities), scores) == pytest.approx([0.5, 0.75, 0.35])
    config = PostProcessConfig(0.5, confirm_threshold=0.45)
    assert confirmed(probabilities, config, scores).tolist() == [True, True, False]
    assert confirmed_by([0.5, 0.75, 0.35], config).tolist() == [True, True, False]  # the scores, known already
    assert confirmed_by([0.5, 0.75, 0.35], PostProcessConfig(0.5)).all()
    assert postprocess_volume(probabilities, config, scores).sum(axis=(1, 2)).tolist() == [16, 16, 0]
    assert postprocess_volume(probabilities, PostProcessConfig(0.5), scores).sum() == 48  # 0: no confirmation
    with pytest.raises(ValueError, match="needs their screening scores"):
        postprocess_volume(probabilities, config)


def test_config_round_trip():
    config = PostProcessConfig(0.4, 12, True, "evidence", 0.3)
    assert PostProcessConfig.from_dict(config.to_dict()) == config
    old = PostProcessConfig.from_dict({"threshold": 0.4, "largest_component_per_volume": True})
    assert old.lesion_rank == "voxels" and not old.confirms
    with pytest.raises(MritoolError, match="lesion rank must be one of voxels, evidence"):
        PostProcessConfig(0.4, 0, True, "size")
    with pytest.raises(MritoolError, match="confirmation threshold must be at least 0 and below 1"):
        PostProcessConfig(0.4, confirm_threshold=1.0)
