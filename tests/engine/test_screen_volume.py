"""``screen_volume`` on an in-memory volume with stand-in predictors: no files, no models."""

from pathlib import Path

import numpy as np
import pytest

from mritool.bundle.card import ClassifierCard, SegmenterCard
from mritool.bundle.model_folder import ModelFolder
from mritool.bundle.postprocessing import PostProcessConfig
from mritool.bundle.runtime_spec import RuntimeSpec
from mritool.data.preprocessing import PreprocessConfig
from mritool.engine.screen_volume import screen_volume
from mritool.engine.stages import Stages
from mritool.segmenter.predict import with_flips
from mritool.volumes import SliceRef, Volume


def _stages(calls, postprocessing=PostProcessConfig(0.5, 0, True)):
    def classify(batch):  # "tumor" where the slice's centre is brighter than its mean
        calls.append(("classify", len(batch)))
        centre = batch[:, 12:20, 12:20, 1].mean(axis=(1, 2))
        return (centre > batch[..., 1].mean(axis=(1, 2)) + 0.5).astype(np.float32)[:, None]

    def segment(batch):  # the centre square
        calls.append(("segment", len(batch)))
        maps = np.zeros(batch.shape[:3] + (1,), np.float32)
        maps[:, 12:20, 12:20] = 0.9
        return maps

    config = PreprocessConfig(image_size=32)
    folder = ModelFolder(Path("in-memory"), ClassifierCard(preprocessing=config, model={}, threshold=0.5),
                         SegmenterCard(preprocessing=config, model={}, postprocessing=postprocessing))
    return Stages(folder, RuntimeSpec("keras", "float32"), classify=classify, segment=segment)


def test_only_screened_slices_are_segmented_and_masks_come_back_at_each_slices_size():
    images = []
    for k in range(5):
        image = np.full((64, 64, 3), 50, np.uint8)
        if k in (1, 2):
            image[24:40, 24:40] = 200
        images.append(image)
    images[3] = None  # unreadable
    refs = [SliceRef(k + 1, f"s{k + 1}", error="unreadable" if k == 3 else None) for k in range(5)]
    volume = Volume("P", "test", refs, images, [None] * 5)
    calls = []
    prediction = screen_volume(volume, _stages(calls), batch_size=2)
    assert prediction.positions == [0, 1, 2, 4]
    assert prediction.screened.tolist() == [False, True, True, False]
    assert calls == [("classify", 2), ("classify", 2), ("segment", 2)]  # batches of 2; only the two screened
    assert set(prediction.masks) == {0, 1, 2, 4}
    assert prediction.masks[1].shape == (64, 64) and prediction.masks[1][24:40, 24:40].all()
    assert not prediction.masks[0].any() and not prediction.masks[4].any()


def test_a_screened_slice_the_segmenter_does_not_confirm_keeps_no_outline():
    images = [np.full((64, 64, 3), 50, np.uint8) for _ in range(3)]
    images[1][24:40, 24:40] = 200
    images[2][24:40, 24:40] = 120
    volume = Volume("P", "test", [SliceRef(k + 1, f"s{k + 1}") for k in range(3)], images, [None] * 3)
    stages = _stages([], PostProcessConfig(0.5, 0, False, confirm_threshold=0.6))

    def classify(batch):  # the brighter the centre, the surer: 0, 0.2, 1
        centre = batch[:, 12:20, 12:20, 1].mean(axis=(1, 2))
        return np.array([0.0, 0.2, 1.0], np.float32)[centre.argsort().argsort()][:, None]

    stages.classify = classify
    stages.folder.classifier.threshold = 0.1
    prediction = screen_volume(volume, stages)
    assert prediction.screened.tolist() == [False, True, True]
    assert np.isnan(prediction.confirmation[0])
    assert prediction.confirmation[1:] == pytest.approx([0.95, 0.55])  # with the segmenter's 0.9
    assert prediction.confirmed.tolist() == [False, True, False]
    assert prediction.masks[1].any() and not prediction.masks[2].any()


def test_a_volume_with_no_readable_slice_gives_an_empty_prediction():
    volume = Volume("P", "test", [SliceRef(1, "s1", error="bad")], [None], [None])
    prediction = screen_volume(volume, _stages([]))
    assert prediction.positions == [] and prediction.masks == {}


def test_tta_averages_a_slice_and_its_mirror_and_measures_their_disagreement():
    image = np.full((32, 32, 3), 50, np.uint8)
    image[12:20, 12:20] = 200
    volume = Volume("P", "test", [SliceRef(1, "s1")], [image], [None])

    def left_leaning(batch):  # the centre square and a strip left of it: the mirror puts the strip right
        maps = np.zeros(batch.shape[:3] + (1,), np.float32)
        maps[:, 12:20, 12:20] = 0.9
        maps[:, 12:20, 4:12] = 0.9
        return maps

    plain, tta = _stages([]), _stages([])
    plain.segment = left_leaning
    tta.segment, tta.tta = with_flips(left_leaning), True
    assert screen_volume(volume, plain).disagreement == {}
    prediction = screen_volume(volume, tta)
    disagreeing, union = prediction.disagreement[0]
    assert (disagreeing, union) == (128, 192)  # both strips disputed, the centre agreed
    assert prediction.masks[0][12:20, 12:20].all() and not prediction.masks[0][12:20, 4:12].any()  # 0.45 < 0.5

    symmetric = _stages([])
    symmetric.segment, symmetric.tta = with_flips(_stages([]).segment), True
    assert screen_volume(volume, symmetric).disagreement[0] == (0, 64)


def test_under_tta_the_classifier_is_left_plain():
    image = np.full((32, 32, 3), 50, np.uint8)
    image[12:20, 4:20] = 200  # not mirror-symmetric: a mirrored batch would differ
    volume = Volume("P", "test", [SliceRef(1, "s1"), SliceRef(2, "s2")], [image, image[::-1]], [None, None])
    seen = {}
    for tta in (False, True):
        stages = _stages([])
        classify = stages.classify

        def spy(batch, classify=classify, tta=tta):
            seen.setdefault(tta, []).append(batch.copy())
            return classify(batch)

        stages.classify = spy
        if tta:
            stages.segment, stages.tta = with_flips(stages.segment), True
        screen_volume(volume, stages)
    assert len(seen[True]) == len(seen[False]) == 1  # one call on the two slices, no mirrored pass
    np.testing.assert_array_equal(seen[True][0], seen[False][0])


def test_the_lesion_kept_by_evidence_is_the_one_the_classifier_is_surer_of():
    """A 128-voxel region on two slices the classifier barely passes (0.55) against a 100-voxel tumor on a
    slice it is sure of: voxels keep the region, evidence (probability x score) the tumor."""
    volume = Volume("P", "test", [SliceRef(k + 1, f"s{k + 1}") for k in range(4)],
                    [np.full((32, 32, 3), 50, np.uint8)] * 4, [None] * 4)

    def segment(batch):  # the three screened slices, in order: the region twice, then the tumor
        maps = np.zeros(batch.shape[:3] + (1,), np.float32)
        maps[:2, 0:8, 0:8] = 0.9
        maps[2, 20:30, 20:30] = 0.9
        return maps

    kept = {}
    for rank in ("voxels", "evidence"):
        stages = _stages([], PostProcessConfig(0.5, 0, True, rank))
        stages.classify = lambda batch: np.array([[0.55], [0.55], [0.0], [1.0]], np.float32)
        stages.segment = segment
        masks = screen_volume(volume, stages).masks
        kept[rank] = [int(masks[k].sum()) for k in range(4)]
    assert kept == {"voxels": [64, 64, 0, 0], "evidence": [0, 0, 0, 100]}
