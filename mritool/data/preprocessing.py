"""The one preprocessing step shared by training and inference, and the config that travels with a model.

Normalisation is a z-score per channel. With ``normalization="volume"`` (the default) the mean and
standard deviation come from all slices of the patient, as the published PyTorch model for this data
set does. Measured on the shared set (benchmarks/normalisation_effect.py): a per-slice z-score
stretches the brightest pixels of near-empty slices at the top and bottom of the head to 7.5 SD,
four times the median tumor level, where the volume z-score leaves them at 1.4; and it doubles how
much the same brain tissue moves between slices of one patient. ``"slice"`` is kept for inputs that
arrive one slice at a time. Zero pixels (padding, air in skull-stripped data) do not count; where the
scanner's noise floor is above zero (some patients of the shared set), air does count, the same in
training and inference.

``neighbour_slices=k`` appends the FLAIR of the k readable slices on either side (the nearest ones,
repeated at the ends of the stack) after a slice's own three channels, so a model sees whether a
faint abnormality continues through the volume.
"""

from dataclasses import asdict, dataclass, replace
from typing import Iterable

import numpy as np

from mritool.errors import MritoolError
from mritool.volumes import Volume
from mritool.volumes.image import as_model_input

NORMALIZATIONS = ("volume", "slice")
FLAIR_CHANNEL = 1  # in file channel order: pre-contrast T1, FLAIR, post-contrast T1


@dataclass(frozen=True)
class PreprocessConfig:
    image_size: int = 256
    channel_order: tuple[int, int, int] = (0, 1, 2)  # file channels fed to the model, in order
    normalization: str = "volume"
    neighbour_slices: int = 0  # neighbours on either side whose FLAIR is appended as channels

    def __post_init__(self):
        if self.normalization not in NORMALIZATIONS:
            raise MritoolError(f"normalization must be one of {NORMALIZATIONS}, not {self.normalization!r}")
        if sorted(self.channel_order) != [0, 1, 2]:
            raise MritoolError(f"channel_order must be a permutation of 0, 1, 2, not {self.channel_order}")
        if self.image_size < 16:
            raise MritoolError(f"image_size must be at least 16, not {self.image_size}")
        if not 0 <= self.neighbour_slices <= 4:
            raise MritoolError(f"neighbour_slices must be 0 to 4, not {self.neighbour_slices}")

    @property
    def channels(self) -> int:
        return 3 + 2 * self.neighbour_slices

    @property
    def neighbour_offsets(self) -> list[int]:
        k = self.neighbour_slices
        return [offset for offset in range(-k, k + 1) if offset]

    def member_channels(self, member: "PreprocessConfig") -> list[int]:
        """The channels of this config's input that make ``member``'s input, in its order: a model shown
        fewer neighbour slices but otherwise preprocessed alike reads its input out of this one (a volume's
        readable slices are z-scored alike either way), so an ensemble can hold both."""
        if member.neighbour_slices > self.neighbour_slices or replace(member, neighbour_slices=self.neighbour_slices) != self:
            raise MritoolError(f"preprocessing {member.to_dict()} is not part of {self.to_dict()}")
        offsets = self.neighbour_offsets
        return [0, 1, 2] + [3 + offsets.index(offset) for offset in member.neighbour_offsets]

    def to_dict(self) -> dict:
        return {**asdict(self), "channel_order": list(self.channel_order)}

    @classmethod
    def from_dict(cls, data: dict) -> "PreprocessConfig":
        known = {key: data[key] for key in ("image_size", "channel_order", "normalization", "neighbour_slices") if key in data}
        if "channel_order" in known:
            known["channel_order"] = tuple(int(c) for c in known["channel_order"])
        return cls(**known)


class IntensityStats:
    """Running per-channel foreground mean and std, so a volume's statistics stream slice by slice."""

    def __init__(self):
        self.count = np.zeros(3)
        self.total = np.zeros(3)
        self.total_sq = np.zeros(3)

    def add(self, image: np.ndarray) -> None:
        # Pixels are never negative, so sums over all pixels equal sums over the foreground.
        # Channel-major rows reduce 9x faster than strided columns (this runs on every screened slice).
        channels = np.ascontiguousarray(image.reshape(-1, image.shape[-1]).T)
        self.count += np.count_nonzero(channels, axis=1)
        self.total += channels.sum(axis=1, dtype=np.float64)
        self.total_sq += np.einsum("ij,ij->i", channels, channels, dtype=np.float64)

    def mean_std(self) -> np.ndarray:
        """A (2, 3) float32 array: row 0 the means, row 1 the standard deviations (never below 1e-3)."""
        count = np.maximum(self.count, 1)
        mean = self.total / count
        std = np.sqrt(np.maximum(self.total_sq / count - mean**2, 0))
        return np.stack([mean, np.maximum(std, 1e-3)]).astype(np.float32)


def intensity_stats(images: Iterable[np.ndarray]) -> np.ndarray:
    stats = IntensityStats()
    for image in images:
        stats.add(image)
    return stats.mean_std()


def volume_input(volume: Volume, positions, config: PreprocessConfig, selected=None) -> np.ndarray:
    """Model input (n, s, s, channels) for the slices ``positions[selected]`` (all by default) of ``volume``,
    normalised over all of ``positions`` (all readable; with neighbour slices, over every readable slice,
    the stack the neighbours come from): the one path from a volume to either model in tuning and
    screening. Only the selected slices are z-scored: the segmenter gets a few of a volume's slices."""
    positions = list(positions)
    wanted = np.arange(len(positions)) if selected is None else np.asarray(selected, dtype=int)
    stack = volume.readable() if config.neighbour_slices else positions
    size = config.image_size
    resized = [as_model_input(volume.images[p], size, volume.refs[p].source) for p in stack]
    resized = np.stack(resized) if resized else np.zeros((0, size, size, 3), np.float32)
    if not config.neighbour_slices:
        return normalise_volume(resized, config, wanted)
    row = {position: k for k, position in enumerate(stack)}
    rows = np.array([row[positions[k]] for k in wanted], dtype=int)
    return with_neighbours(normalise_volume(resized, config), rows, config)


def with_neighbours(normalised: np.ndarray, rows: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """The model input of ``rows`` of a normalised stack of neighbouring slices (m, s, s, 3): each slice's
    channels followed by the FLAIR of its ``neighbour_slices`` neighbours, the stack's ends repeated."""
    if not config.neighbour_slices:
        return normalised[rows]
    flair = normalised[..., config.channel_order.index(FLAIR_CHANNEL)]
    last = len(normalised) - 1
    neighbours = [flair[np.clip(rows + offset, 0, last)][..., None] for offset in config.neighbour_offsets]
    return np.concatenate([normalised[rows], *neighbours], axis=-1)


def normalise_volume(resized: np.ndarray, config: PreprocessConfig, rows=None) -> np.ndarray:
    """A volume's slices at model size, (n, s, s, 3) in source scale, z-scored with the volume's statistics
    (each slice's own with ``normalization="slice"``) and channels reordered; only ``rows`` (all by default)."""
    chosen = resized if rows is None else resized[rows]
    if config.normalization == "volume":
        return preprocess(chosen, intensity_stats(resized), config)
    return np.stack([preprocess(image, intensity_stats([image]), config) for image in chosen]) if len(chosen) else chosen


def preprocess(image: np.ndarray, stats: np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """A slice at model size (``as_model_input``), or a stack of them, to model input: z-scored with ``stats``, channels reordered."""
    normalised = image - stats[0]
    normalised /= stats[1]
    if config.channel_order != (0, 1, 2):
        normalised = normalised[..., list(config.channel_order)]
    return normalised.astype(np.float32, copy=False)
