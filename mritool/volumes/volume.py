"""One patient's stack of slices, as every later layer sees it, whatever the file format."""

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

CHANNELS = ("t1", "flair", "t1ce")  # a slice's channels, the models' order: pre-contrast T1, FLAIR, post-contrast T1


@dataclass(frozen=True)
class SliceRef:
    """Where a slice came from: its number, its source (a file, or a container and its slice) and why
    its pixels could not be read, if they could not."""

    index: int
    source: str
    mask_source: str | None = None
    error: str | None = None


class Problem(NamedTuple):
    """A file of a study that is not one of its slices, and why: an error, or ``skipped`` where the file is
    fine but not something the models use (a T2 series, a localiser)."""

    path: str
    reason: str
    is_mask: bool = False
    skipped: bool = False


@dataclass
class Volume:
    """Slices in order, each (H, W, C) in its source intensity scale (C in ``CHANNELS`` order), None where
    unreadable.

    A list rather than one (S, H, W, C) array because a folder of 2D slices may mix sizes; readers of
    3D formats give slices of one shape. ``masks`` holds each slice's binary truth (None where it has
    none). ``spacing`` (slice, row, column, in mm) and ``affine`` are None where the format has no
    geometry. ``problems`` lists the study's files that are not slices, and why.
    ``properties`` is what the reader wants its writer to get back (nnU-Net's properties dict).
    """

    patient_id: str
    format: str
    refs: list[SliceRef]
    images: list[np.ndarray | None]
    masks: list[np.ndarray | None]
    spacing: tuple[float, float, float] | None = None
    affine: np.ndarray | None = None
    problems: list[Problem] = field(default_factory=list)
    properties: dict = field(default_factory=dict)

    def __post_init__(self):
        if not len(self.refs) == len(self.images) == len(self.masks):
            raise ValueError(f"{self.patient_id}: {len(self.refs)} refs, {len(self.images)} images, {len(self.masks)} masks")

    def readable(self) -> list[int]:
        """Positions of the slices whose pixels were read."""
        return [position for position, image in enumerate(self.images) if image is not None]

    @property
    def labelled(self) -> bool:
        return len(self.masks) > 0 and all(mask is not None for mask in self.masks)


def copied_sequences(images) -> list[str]:
    """The channels (of ``CHANNELS``) that are an exact copy of the FLAIR on every three-channel slice of a
    stack holding some signal: how 2D slices store a missing sequence (the LGG set does). Single-channel
    images are another case (the input checks flag them)."""
    stacks = [image for image in images if image is not None and image.ndim == 3 and image.shape[2] == 3]
    if not stacks or not any(image.any() for image in stacks):
        return []
    flair = CHANNELS.index("flair")
    return [name for c, name in enumerate(CHANNELS)
            if c != flair and all(np.array_equal(image[..., c], image[..., flair]) for image in stacks)]
