"""From probabilities to masks: keep the confirmed slices, threshold, drop small components, optionally keep
the largest 3D lesion."""

import cv2
import numpy as np
from scipy import ndimage

from mritool.bundle.postprocessing import PostProcessConfig


def remove_small_components(mask: np.ndarray, min_area_px: int) -> np.ndarray:
    if min_area_px <= 0 or not mask.any():
        return mask
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.r_[False, stats[1:, cv2.CC_STAT_AREA] >= min_area_px]
    return keep[labels].astype(np.uint8)


def binarise(probabilities: np.ndarray, config: PostProcessConfig) -> np.ndarray:
    return (probabilities >= config.threshold).astype(np.uint8)


def clean_slices(masks: np.ndarray, config: PostProcessConfig) -> np.ndarray:
    """(n, H, W) binary masks without their small components, slice by slice."""
    return np.stack([remove_small_components(mask, config.min_area_px) for mask in masks]) if len(masks) else masks


def keep_largest_component(volume: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The largest 26-connected lesion of a (slices, H, W) patient volume, by voxels or by the sum of
    ``weights`` over it; LGG is usually one lesion."""
    labels, count = ndimage.label(volume, structure=np.ones((3, 3, 3)))
    if count <= 1:
        return volume
    sizes = np.bincount(labels.ravel(), weights=None if weights is None else weights.ravel())
    sizes[0] = 0
    return (labels == sizes.argmax()).astype(np.uint8)


def highest_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Per slice of (n, H, W) maps, the segmenter's highest probability on it."""
    return probabilities.reshape(len(probabilities), -1).max(axis=1).astype(np.float64) if len(probabilities) else np.zeros(0)


def confirmation_scores(highest: np.ndarray, slice_scores: np.ndarray) -> np.ndarray:
    """Per slice, the mean of its screening score and the segmenter's highest probability on it
    (``highest_probabilities``): all a confirmation needs of the maps, so a table of the two can stand in
    for them."""
    return (np.asarray(slice_scores, np.float64) + np.asarray(highest, np.float64)) / 2


def confirmed(probabilities: np.ndarray, config: PostProcessConfig, slice_scores: np.ndarray | None) -> np.ndarray:
    """Which slices keep their outline: every one unless the config confirms, then those whose
    ``confirmation_scores`` reach its threshold."""
    if not config.confirms:
        return np.ones(len(probabilities), bool)
    if slice_scores is None:
        raise ValueError("confirming slices needs their screening scores")
    return confirmed_by(confirmation_scores(highest_probabilities(probabilities), slice_scores), config)


def confirmed_by(confirmation: np.ndarray, config: PostProcessConfig) -> np.ndarray:
    """``confirmed`` for slices whose ``confirmation_scores`` are already known."""
    confirmation = np.asarray(confirmation, np.float64)
    return confirmation >= config.confirm_threshold if config.confirms else np.ones(len(confirmation), bool)


def lesion_evidence(probabilities: np.ndarray, slice_scores: np.ndarray | None) -> np.ndarray:
    """Each voxel's probability times its slice's classifier score (1 where no classifier is in front)."""
    return probabilities if slice_scores is None else probabilities * np.asarray(slice_scores)[:, None, None]


def clean_volume(masks: np.ndarray, config: PostProcessConfig, evidence: np.ndarray | None = None) -> np.ndarray:
    """A patient's (slices, H, W) binary masks, in slice order, after the configured clean-up; ``evidence``
    (``lesion_evidence``) is what ranks the lesions where the config asks for it."""
    masks = clean_slices(masks, config)
    if not config.largest_component_per_volume or not len(masks):
        return masks
    if config.ranks_by_evidence and evidence is None:
        raise ValueError("ranking lesions by evidence needs the probabilities")
    return keep_largest_component(masks, evidence if config.ranks_by_evidence else None)


def postprocess_volume(probabilities: np.ndarray, config: PostProcessConfig, slice_scores: np.ndarray | None = None) -> np.ndarray:
    """``slice_scores``: the classifier's screening score of each slice, where one is in front."""
    if config.confirms:
        probabilities = probabilities * confirmed(probabilities, config, slice_scores)[:, None, None]
    evidence = lesion_evidence(probabilities, slice_scores) if config.ranks_by_evidence else None
    return clean_volume(binarise(probabilities, config), config, evidence)
