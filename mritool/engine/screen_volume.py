"""The engine's one pure function: a patient volume and the two stages in, the predictions out.

Classify every readable slice, add slice context along the volume, segment the slices screened
positive, confirm them where the card asks for it, post-process the volume, bring each mask back to
its slice's own size. No file I/O, no threads, no global state: this is what a local runner or a
cluster maps over patients.
"""

from dataclasses import dataclass, field

import numpy as np

from mritool.classifier.predict import classify_volume, screening_scores
from mritool.engine.input_checks import input_flags
from mritool.engine.stages import Stages
from mritool.engine.timings import StageTimings
from mritool.segmenter.postprocess import (binarise, clean_volume, confirmation_scores, confirmed_by, highest_probabilities,
                                          lesion_evidence)
from mritool.segmenter.predict import segment_volume
from mritool.volumes import Volume
from mritool.volumes.image import resize_mask


@dataclass
class VolumePrediction:
    positions: list[int]  # the readable slices, in slice order
    probabilities: np.ndarray  # the classifier's own, per readable slice
    scores: np.ndarray  # with slice context: what the threshold applies to
    screened: np.ndarray  # bool
    confirmation: np.ndarray  # mean of the screening score and the segmenter's highest probability; NaN where not segmented
    confirmed: np.ndarray  # bool: screened, and confirmed where the card confirms
    masks: dict[int, np.ndarray]  # position -> uint8 {0, 1} mask at the slice's own size
    input_flags: dict[int, str]  # position -> why the slice is unlike the training data, where it is
    disagreement: dict[int, tuple[int, int]] = field(default_factory=dict)  # with TTA: (xor, union) pixels of the members


def screen_volume(volume: Volume, stages: Stages, batch_size: int = 32, timings: StageTimings | None = None) -> VolumePrediction:
    timings = timings or StageTimings()
    classifier, segmenter = stages.folder.classifier, stages.folder.segmenter
    positions = volume.readable()
    with timings.measure("classifier"):
        probabilities = classify_volume(volume, positions, stages.classify, classifier.preprocessing, batch_size)
    scores = screening_scores(probabilities, classifier.slice_context)
    screened = classifier.screened(scores)
    positives = np.flatnonzero(screened)
    size = segmenter.preprocessing.image_size
    masks = np.zeros((len(positions), size, size), np.uint8)
    postprocessing = segmenter.postprocessing
    evidence = np.zeros(masks.shape, np.float32) if postprocessing.ranks_by_evidence else None
    confirmation, kept = np.full(len(positions), np.nan), screened.copy()
    disagreement = {}
    if len(positives):
        with timings.measure("segmenter"):
            maps = segment_volume(volume, positions, stages.segment, segmenter.preprocessing, positives, batch_size)
        if maps.ndim == 4:  # test-time augmentation: average the members, measure how far they disagree
            members = binarise(maps, postprocessing).astype(bool)
            disagreement = {positions[k]: _disagreement(m) for k, m in zip(positives, members)}
            maps = maps.mean(axis=-1)
        confirmation[positives] = confirmation_scores(highest_probabilities(maps), scores[positives])
        kept[positives] = confirmed_by(confirmation[positives], postprocessing)
        maps = maps * kept[positives, None, None]
        masks[positives] = binarise(maps, postprocessing)
        if evidence is not None:
            evidence[positives] = lesion_evidence(maps, scores[positives])
    with timings.measure("postprocess"):
        masks = clean_volume(masks, postprocessing, evidence) if len(positions) else masks
        own_size = {p: resize_mask(m, volume.images[p].shape[:2]) for p, m in zip(positions, masks)}
    flags = input_flags(volume, classifier.input_ranges)
    return VolumePrediction(positions, probabilities, scores, screened, confirmation, kept, own_size, flags, disagreement)


def _disagreement(members: np.ndarray) -> tuple[int, int]:
    """(pixels some members call tumor and others not, pixels any member calls tumor) of one slice."""
    union = members.any(axis=-1)
    return int((union & ~members.all(axis=-1)).sum()), int(union.sum())
