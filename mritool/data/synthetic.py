"""Synthetic brain-like phantoms in the ``kaggle_3m`` layout, for tests and the demo.

Each patient is a stack of 3-channel slices (pre-contrast, FLAIR, post-contrast) with a head that
widens and narrows through the stack, a bright scalp ring, textured tissue, dark ventricles, noise
and one lesion: an irregular ellipsoid, bright in FLAIR, growing and shrinking over neighbouring
slices. The scalp stays brighter than the lesion in FLAIR, so a model has to learn shape and
context rather than threshold the brightest pixels. Same seed, same bytes.
"""

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import tifffile

from mritool.errors import MritoolError

INSTITUTIONS = ("AA", "BB", "CC")
# Mean intensity of (scalp, tissue, ventricle, lesion) per channel: pre-contrast, FLAIR, post-contrast.
TISSUE_LEVELS = np.array([
    [190.0, 95.0, 40.0, 85.0],
    [210.0, 105.0, 35.0, 165.0],
    [170.0, 100.0, 45.0, 115.0],
])


def _smooth_noise(rng, size: int, sigma: float) -> np.ndarray:
    field = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), sigma)
    return field / (field.std() + 1e-6)


def _ellipse(size, center, radii, angle=0.0) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    dy, dx = yy - center[0], xx - center[1]
    cos, sin = np.cos(angle), np.sin(angle)
    u, v = cos * dx + sin * dy, -sin * dx + cos * dy
    return (u / radii[1]) ** 2 + (v / radii[0]) ** 2


def _patient_volume(rng, size: int, slices: int):
    """(slices, size, size, 3) uint8 images and (slices, size, size) uint8 masks for one patient."""
    center = size / 2 + rng.uniform(-0.04, 0.04, 2) * size
    head = np.array([rng.uniform(0.36, 0.42), rng.uniform(0.30, 0.36)]) * size
    lesion_slice = rng.uniform(0.35, 0.65) * (slices - 1)
    lesion_depth = rng.uniform(0.16, 0.24) * slices
    lesion_radius = rng.uniform(0.07, 0.14) * size
    lesion_offset = rng.uniform(-0.35, 0.35, 2) * head
    lesion_angle = rng.uniform(0, np.pi)
    boundary = _smooth_noise(rng, size, size / 24)
    images = np.zeros((slices, size, size, 3), np.uint8)
    masks = np.zeros((slices, size, size), np.uint8)
    for k in range(slices):
        z = (k - (slices - 1) / 2) / (slices / 2)  # -1 .. 1 through the head
        scale = np.sqrt(max(1 - (0.92 * z) ** 2, 0.05))
        outer = _ellipse(size, center, head * scale) <= 1
        brain = _ellipse(size, center, head * scale * 0.88) <= 1
        ventricles = (_ellipse(size, center + [0, 0.12 * size * scale], [0.09 * size * scale, 0.03 * size], 0.3) <= 1) | (
            _ellipse(size, center - [0, 0.12 * size * scale], [0.09 * size * scale, 0.03 * size], -0.3) <= 1
        )
        ventricles &= abs(z) < 0.5
        reach = 1 - ((k - lesion_slice) / lesion_depth) ** 2
        lesion = np.zeros_like(brain)
        if reach > 0.05:
            radius = lesion_radius * np.sqrt(reach)
            distance = _ellipse(size, center + lesion_offset, [radius, radius * 0.75], lesion_angle)
            lesion = (distance + 0.35 * boundary <= 1) & brain
        labels = np.select([lesion, ventricles & brain, brain, outer], [3, 2, 1, 0], default=-1)
        texture = _smooth_noise(rng, size, 2.0)
        for channel in range(3):
            plane = np.where(labels >= 0, TISSUE_LEVELS[channel][np.clip(labels, 0, 3)], 0.0)
            plane = plane * (1 + 0.08 * texture) + rng.normal(0, 6, (size, size))
            images[k, :, :, channel] = np.clip(np.where(labels >= 0, plane, 0), 0, 255).astype(np.uint8)
        masks[k] = lesion.astype(np.uint8) * 255
    return images, masks


def make_phantoms(out, patients: int = 6, slices: int = 20, size: int = 256, seed: int = 0) -> Path:
    """Write ``patients`` phantom patients under ``out`` and return ``out``."""
    if patients < 1 or slices < 3 or size < 32:
        raise MritoolError("need at least 1 patient, 3 slices and a size of 32 pixels")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    clinical = []
    for number in range(1, patients + 1):
        case = f"SYN_{INSTITUTIONS[(number - 1) % len(INSTITUTIONS)]}_{number:04d}"
        patient_id = f"{case}_20260101"
        folder = out / patient_id
        folder.mkdir(exist_ok=True)
        images, masks = _patient_volume(rng, size, slices)
        for k in range(slices):
            stem = folder / f"{patient_id}_{k + 1}"
            tifffile.imwrite(f"{stem}.tif", images[k], compression="zlib", photometric="rgb")
            tifffile.imwrite(f"{stem}_mask.tif", masks[k], compression="zlib", photometric="minisblack")
        clinical.append({"Patient": case, "gender": int(rng.integers(1, 3)), "age_at_initial_pathologic": int(rng.integers(20, 80))})
    pd.DataFrame(clinical).to_csv(out / "data.csv", index=False)
    return out
