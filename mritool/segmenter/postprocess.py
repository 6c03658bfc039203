"""From probabilities to masks: threshold, drop small components, optionally keep the largest 3D lesion."""

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


def keep_largest_component(volume: np.ndarray) -> np.ndarray:
    """The largest 26-connected lesion of a (slices, H, W) patient volume; LGG is usually one lesion."""
    labels, count = ndimage.label(volume, structure=np.ones((3, 3, 3)))
    if count <= 1:
        return volume
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return (labels == sizes.argmax()).astype(np.uint8)


def clean_volume(masks: np.ndarray, config: PostProcessConfig) -> np.ndarray:
    """A patient's (slices, H, W) binary masks, in slice order, after the configured clean-up."""
    masks = clean_slices(masks, config)
    return keep_largest_component(masks) if config.largest_component_per_volume and len(masks) else masks


def postprocess_volume(probabilities: np.ndarray, config: PostProcessConfig) -> np.ndarray:
    return clean_volume(binarise(probabilities, config), config)
